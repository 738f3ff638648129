"""Bounds on what clients may send: dates in a sensible range, lengths of free text.

Beyond these a value is a typo or an attack (9999-12-31 overflowed the statistics'
date arithmetic), so it is refused with a clear message instead.
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Figures start with the pilots (2014); nothing is planned past the end of the century.
EARLIEST_REPORT_DATE = datetime.date(2000, 1, 1)
LATEST_REPORT_DATE = datetime.date(2099, 12, 31)
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
