"""Helpers shared by the allowance and settlement tests."""

import datetime

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
