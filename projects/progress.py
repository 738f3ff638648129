"""Verified output of a contract, computed from the portal's own visit records.

A visit counts towards a target when it is completed, checked in AND checked out, was
delivered by the contracted organization (its offering's organization), for a resident of
one of the target's communities, of one of the target's service types, and its check-out
falls within the target's period (local dates, Asia/Shanghai, both ends inclusive).
A visit that a social worker's callback (回访, casework) found did not happen as logged is
not counted; visits a callback confirmed are reported apart. Nothing the organization types
in is counted.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone

from projects.models import Contract, ServiceTarget
from services.care.models import Visit

# The callback relation is read by name: casework sits beside projects, not below it.
_DISPUTED = {"callback__status": "done", "callback__happened_as_logged": False}
_CONFIRMED = Q(callback__status="done", callback__happened_as_logged=True)


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def verified_visits(*, target: ServiceTarget, organization_id: int) -> QuerySet[Visit]:
    """The visits that count towards `target` (rules in the module docstring)."""
    return Visit.objects.exclude(**_DISPUTED).filter(
        status=Visit.Status.COMPLETED,
        checked_in_at__isnull=False,
        checked_out_at__isnull=False,
        offering__organization_id=organization_id,
        request__resident__community__in=target.communities.all(),
        request__service_type__in=target.service_types.all(),
        checked_out_at__gte=_day_start(target.starts_on),
        checked_out_at__lt=_day_start(target.ends_on + datetime.timedelta(days=1)),
    )


@dataclass(frozen=True)
class TargetProgress:
    target: ServiceTarget
    delivered: int
    confirmed_by_callback: int
    rated: int
    mean_rating: Decimal | None
    expected_by_now: int
    forecast: int

    @property
    def percent(self) -> int:
        return min(100, self.delivered * 100 // self.target.quantity)

    @property
    def rating_met(self) -> bool | None:
        if self.target.min_mean_rating is None:
            return None
        return self.mean_rating is not None and self.mean_rating >= self.target.min_mean_rating

    @property
    def on_track(self) -> bool:
        return self.forecast >= self.target.quantity


def elapsed_days(
    *, starts_on: datetime.date, ends_on: datetime.date, today: datetime.date
) -> tuple[int, int]:
    """(days of the period gone by today, inclusive and capped; days in the period)."""
    total_days = (ends_on - starts_on).days + 1
    elapsed = max(0, min((today - starts_on).days + 1, total_days))
    return elapsed, total_days


def target_progress(
    *, target: ServiceTarget, organization_id: int, today: datetime.date | None = None
) -> TargetProgress:
    today = today or timezone.localdate()
    figures = verified_visits(target=target, organization_id=organization_id).aggregate(
        delivered=Count("pk", distinct=True),
        confirmed=Count("pk", distinct=True, filter=_CONFIRMED),
        rated=Count("feedback", distinct=True),
        mean=Avg("feedback__rating"),
    )
    delivered = figures["delivered"]
    elapsed, total_days = elapsed_days(
        starts_on=target.starts_on, ends_on=target.ends_on, today=today
    )
    # At the current pace: what has been delivered per elapsed day, over the whole period.
    forecast = delivered * total_days // elapsed if elapsed else 0
    mean = figures["mean"]
    return TargetProgress(
        target=target,
        delivered=delivered,
        confirmed_by_callback=figures["confirmed"],
        rated=figures["rated"],
        mean_rating=None if mean is None else Decimal(str(mean)).quantize(Decimal("0.01")),
        expected_by_now=target.quantity * elapsed // total_days,
        forecast=forecast,
    )


def contract_progress(
    *, contract: Contract, today: datetime.date | None = None
) -> list[TargetProgress]:
    targets = contract.targets.prefetch_related("communities", "service_types")
    return [
        target_progress(target=t, organization_id=contract.organization_id, today=today)
        for t in targets
    ]


def contract_verified_total(*, contract: Contract) -> int:
    """All verified visits across the contract's targets (milestones are gated on it)."""
    return sum(progress.delivered for progress in contract_progress(contract=contract))


def progress_chart(progress: list[TargetProgress]) -> dict:
    """Chart.js data: per target, target vs delivered vs forecast."""
    return {
        "labels": [
            ", ".join(t.name for t in p.target.service_types.all()) or str(p.target)
            for p in progress
        ],
        "target": [p.target.quantity for p in progress],
        "delivered": [p.delivered for p in progress],
        "expected": [p.expected_by_now for p in progress],
        "forecast": [p.forecast for p in progress],
    }
