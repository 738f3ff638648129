"""The service week: matching, confirming and assigning for a week that has ended serve no one."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from sanlian.refusals import StateConflict
from services.offerings.models import week_start_of


def service_week_is_past(week_start: datetime.date) -> bool:
    """True when the week holding `week_start` ended before this (Asia/Shanghai) week."""
    return week_start_of(week_start) < week_start_of(timezone.localdate())


def week_check_not_past(week_start: datetime.date) -> None:
    """Refuse a service week that has already ended, beside the form's week field."""
    if service_week_is_past(week_start):
        # Well formed, refused by the calendar (a deadline passed): the API answers 409.
        raise StateConflict({"week_start": _("服务周已过去，只能选择本周或以后的周。")})
