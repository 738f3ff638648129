"""Masking of personal identifiers for display, exports and logs (GB/T 35273).

A resident's full birth date is masked too: it is exactly the 8 digits (YYYYMMDD) that a
masked ID number hides (GB 11643), so shown beside it, it gives the full number back.
"""

import datetime

from django.utils.translation import gettext as _


def mask_id_number(value: str | None) -> str:
    """Keep the first 6 (region) and last 4 characters: 140105********1234."""
    if not value:
        return ""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str:
    """Keep the first 3 and last 4 digits: 138****1234."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def birth_year_and_age(birth_date: datetime.date | None, age: int | None) -> str:
    """What staff see of a birth date: the year and the age, 1964年（62岁）."""
    if birth_date is None:
        return ""
    return _("%(year)s年（%(age)s岁）") % {"year": birth_date.year, "age": age}


def mask_birth_date(value: datetime.date | str | None) -> str:
    """The year only, for records kept over time (an age would go stale): 1964-**-**."""
    if not value:
        return ""
    return f"{str(value)[:4]}-**-**"
