"""Bounds on what clients may send: dates in a sensible range, lengths of free text.

Beyond these a value is a typo or an attack (9999-12-31 overflowed the statistics'
date arithmetic), so it is refused with a clear message instead.
"""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Figures start with the pilots (2014); nothing is planned past the end of the century.
EARLIEST_REPORT_DATE = datetime.date(2000, 1, 1)
LATEST_REPORT_DATE = datetime.date(2099, 12, 31)
# The same range as a pattern, for the API schema (a JSON Schema string cannot bound a date)
# and for strict parsing: YYYY-MM-DD only, where Python would also read "2024-1-5" or
# "20240105". tests/api/test_bad_input.py checks it agrees with the two dates above.
REPORT_DATE_PATTERN = r"^20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
REPORT_DATE_SCHEMA = {"type": "string", "format": "date", "pattern": REPORT_DATE_PATTERN}
# An organization's self-description: a few paragraphs, not a document.
DESCRIPTION_MAX_CHARS = 2000


def validate_report_date(value: datetime.date) -> None:
    if not EARLIEST_REPORT_DATE <= value <= LATEST_REPORT_DATE:
        raise ValidationError(
            _("日期应在 %(first)s 至 %(last)s 之间。"),
            code="date_range",
            params={
                "first": EARLIEST_REPORT_DATE.isoformat(),
                "last": LATEST_REPORT_DATE.isoformat(),
            },
        )


def parse_report_date(raw: str) -> datetime.date:
    """A date as the API takes it: YYYY-MM-DD (nothing else Python would read) in range."""
    try:
        value = datetime.date.fromisoformat(raw)
    except (TypeError, ValueError):
        value = None
    if value is None or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", raw):
        raise ValidationError(_("请输入有效日期（YYYY-MM-DD）。"), code="invalid")
    validate_report_date(value)
    return value
