"""Verified output of a contract, computed from the portal's own visit records.

A visit counts towards a target when it is completed, checked in AND checked out, was
delivered by the contracted organization (its offering's organization), for a resident of
one of the target's communities, of one of the target's service types, and its check-out
falls within the target's period (local dates, Asia/Shanghai, both ends inclusive).
A visit that a social worker's callback (回访, casework) found did not happen as logged is
not counted; visits a callback confirmed are reported apart. Nothing the organization types
in is counted.

The other kinds of target are counted from the activities and casework records:
- activities held: activities hosted by the organization, or by a volunteer team that one of
  its social workers leads, in the target's communities, not cancelled, already ended, with at
  least one attendee recorded at the door, ending within the period;
- residents assessed: distinct residents of the target's communities whose capability
  assessment was signed (and took effect) within the period, signed by a social worker of the
  organization.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone

from activities.models import Activity
from casework.models import Assessment
from projects.models import Contract, ServiceTarget
from services.care.models import Visit

# The callback relation is read by name: casework sits beside projects, not below it.
_DISPUTED = {"callback__status": "done", "callback__happened_as_logged": False}
_CONFIRMED = Q(callback__status="done", callback__happened_as_logged=True)


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _in_period(field: str, target: ServiceTarget) -> dict:
    return {
        f"{field}__gte": _day_start(target.starts_on),
        f"{field}__lt": _day_start(target.ends_on + datetime.timedelta(days=1)),
    }


def verified_visits(*, target: ServiceTarget, organization_id: int) -> QuerySet[Visit]:
    """The visits that count towards `target` (rules in the module docstring)."""
    return Visit.objects.exclude(**_DISPUTED).filter(
        status=Visit.Status.COMPLETED,
        checked_in_at__isnull=False,
        checked_out_at__isnull=False,
        offering__organization_id=organization_id,
        request__resident__community__in=target.communities.all(),
        request__service_type__in=target.service_types.all(),
        **_in_period("checked_out_at", target),
    )


def held_activities(
    *, target: ServiceTarget, organization_id: int, now: datetime.datetime | None = None
) -> QuerySet[Activity]:
    """Activities that count towards an "activities held" target."""
    attended = Activity.objects.filter(signups__attended_at__isnull=False).values("pk")
    return Activity.objects.filter(
        Q(organization_id=organization_id) | Q(team__leader__organization_id=organization_id),
        pk__in=attended,
        status=Activity.Status.PUBLISHED,
        community__in=target.communities.all(),
        ends_at__lte=now or timezone.now(),
        **_in_period("ends_at", target),
    )


def assessed_residents(*, target: ServiceTarget, organization_id: int) -> QuerySet:
    """Ids of the residents that count towards a "residents assessed" target."""
    return (
        Assessment.objects.filter(
            status=Assessment.Status.SIGNED,
            signed_by__social_worker__organization_id=organization_id,
            resident__community__in=target.communities.all(),
            **_in_period("effective_at", target),
        )
        .order_by()
        .values("resident_id")
        .distinct()
    )


def _figures(*, target: ServiceTarget, organization_id: int) -> dict:
    if target.kind == ServiceTarget.Kind.ACTIVITIES_HELD:
        held = held_activities(target=target, organization_id=organization_id).count()
        return {"delivered": held, "confirmed": 0, "rated": 0, "mean": None}
    if target.kind == ServiceTarget.Kind.RESIDENTS_ASSESSED:
        assessed = assessed_residents(target=target, organization_id=organization_id).count()
        return {"delivered": assessed, "confirmed": 0, "rated": 0, "mean": None}
    return verified_visits(target=target, organization_id=organization_id).aggregate(
        delivered=Count("pk", distinct=True),
        confirmed=Count("pk", distinct=True, filter=_CONFIRMED),
        rated=Count("feedback", distinct=True),
        mean=Avg("feedback__rating"),
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
    figures = _figures(target=target, organization_id=organization_id)
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
    """All verified visits across the contract's visit targets (milestones are gated on it)."""
    return sum(
        progress.delivered
        for progress in contract_progress(contract=contract)
        if progress.target.kind == ServiceTarget.Kind.COMPLETED_VISITS
    )


def progress_chart(progress: list[TargetProgress]) -> dict:
    """Chart.js data: per target, target vs delivered vs forecast."""
    return {
        "labels": [
            ", ".join(t.name for t in p.target.service_types.all()) or p.target.get_kind_display()
            for p in progress
        ],
        "target": [p.target.quantity for p in progress],
        "delivered": [p.delivered for p in progress],
        "expected": [p.expected_by_now for p in progress],
        "forecast": [p.forecast for p in progress],
    }
