"""Form widgets for the browser's own date and time pickers.

`<input type="date">` accepts only ISO `2026-11-30`; Django would otherwise render the
locale's first input format (`2026/11/30` in Chinese), which the browser throws away,
leaving the field blank (issue 21, item 2). Every date input uses these.
"""

from django import forms


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%H:%M")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")
