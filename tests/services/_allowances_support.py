"""Helpers shared by the allowance and settlement tests."""

import contextlib
import datetime
from unittest import mock

from django.utils import timezone

from services.models import Visit
from tests import factories as f


def done_visit(*, resident, organization, price_class="subsidised", price_fen=3000, when=None):
    """A completed, checked-out visit of `organization` for `resident` (not yet charged)."""
    when = when or timezone.now() - datetime.timedelta(hours=1)
    offering = f.OfferingFactory(
        organization=organization, price_class=price_class, price_fen=price_fen
    )
    return f.VisitFactory(
        request=f.ServiceRequestFactory(resident=resident, service_type=offering.service_type),
        offering=offering,
        scheduled_start=when - datetime.timedelta(minutes=30),
        status=Visit.Status.COMPLETED,
        checked_in_at=when - datetime.timedelta(minutes=30),
        checked_out_at=when,
        service_log="理发",
    )


def this_month() -> datetime.date:
    return timezone.localdate().replace(day=1)


def last_month() -> datetime.date:
    return (this_month() - datetime.timedelta(days=1)).replace(day=1)


class _OnTheFirstOfNextMonth:
    """django.utils.timezone as the settlement module sees it once this month has ended."""

    def __getattr__(self, name):
        return getattr(timezone, name)

    def localdate(self, value=None, tz=None):
        if value is not None:
            return timezone.localdate(value, tz)
        return (this_month() + datetime.timedelta(days=32)).replace(day=1)


@contextlib.contextmanager
def month_ended():
    """Settle this month's visits as on the 1st of next month: a statement is refused while
    its month runs, and the visits these tests make are checked out now."""
    with mock.patch("services.allowances.settlements.timezone", _OnTheFirstOfNextMonth()):
        yield
