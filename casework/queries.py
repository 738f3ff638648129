"""Scoped reads of assessments, cases and callbacks: the one place these rules live.

Progress notes have no scoped list here on purpose: they are read only through
`casework.domain.case_notes_read`, which checks `rules.may_read_notes` and logs the read.
"""

import datetime

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import (
    Avg,
    Count,
    DateTimeField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from casework.models import Assessment, Callback, Case
from communities.models import Resident
from communities.queries import residents_visible_to, staff_community_ids
from sanlian.roles import CASE_WORKERS, LOCAL_STAFF, Role
from services.models import Feedback, Visit
from socialworkers.models import SocialWorker


def social_worker_of(user) -> SocialWorker | None:
    if not user.is_authenticated or user.role not in CASE_WORKERS:
        return None
    return SocialWorker.objects.filter(user=user, active=True).first()


def _served_community_ids(user) -> QuerySet:
    return SocialWorker.objects.filter(user=user, active=True).values("communities")


def residents_assessable_by(user) -> QuerySet[Resident]:
    """Residents of the communities an active social worker serves."""
    if not user.is_authenticated or user.role not in CASE_WORKERS:
        return Resident.objects.none()
    return Resident.objects.filter(
        community_id__in=_served_community_ids(user), anonymised_at__isnull=True
    ).select_related("community")


def assessments_visible_to(user) -> QuerySet[Assessment]:
    assessments = Assessment.objects.select_related(
        "resident__community", "assessor", "signed_by", "second_signed_by"
    )
    if not user.is_authenticated:
        return assessments.none()
    if user.role == Role.CIVIL_AFFAIRS:
        return assessments
    if user.role in LOCAL_STAFF:
        return assessments.filter(resident__community_id__in=staff_community_ids(user))
    if user.role in CASE_WORKERS:
        return assessments.filter(resident__community_id__in=_served_community_ids(user))
    return assessments.none()


def latest_effective(resident_id: int) -> Assessment | None:
    return (
        Assessment.objects.filter(resident_id=resident_id, status=Assessment.Status.SIGNED)
        .order_by("-effective_at", "-id")
        .first()
    )


def reassessment_cutoff(today: datetime.date) -> datetime.date:
    """Assessments effective before this day are due within ASSESSMENT_DUE_SOON_DAYS or overdue."""
    soon = today + datetime.timedelta(days=settings.ASSESSMENT_DUE_SOON_DAYS)
    return soon - relativedelta(months=settings.ASSESSMENT_VALID_MONTHS)


# Before any assessment: a flag on a never-assessed resident's visit counts too.
_EPOCH = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


def with_assessment_state(residents: QuerySet[Resident]) -> QuerySet[Resident]:
    """Annotate the latest signed assessment (`last_assessed`, `last_level`) and the first
    visit since then whose log flagged a change of condition (`changed_at`, `changed_visit`,
    `changed_note`): one query however many residents."""
    latest = Assessment.objects.filter(
        resident=OuterRef("pk"), status=Assessment.Status.SIGNED
    ).order_by("-effective_at")
    since = Coalesce(OuterRef("last_assessed"), Value(_EPOCH), output_field=DateTimeField())
    flagged = Visit.objects.filter(
        request__resident=OuterRef("pk"), condition_changed_at__gt=since
    ).order_by("condition_changed_at", "pk")
    return residents.annotate(
        last_assessed=Subquery(latest.values("effective_at")[:1]),
        last_level=Subquery(latest.values("level_name")[:1]),
        last_rank=Subquery(latest.values("level_rank")[:1]),
    ).annotate(
        changed_at=Subquery(flagged.values("condition_changed_at")[:1]),
        changed_visit=Subquery(flagged.values("pk")[:1]),
        changed_note=Subquery(flagged.values("condition_note")[:1]),
    )


def assessments_due(user, *, today: datetime.date, community_id: int | None = None):
    """Residents in the user's scope never assessed, whose assessment falls due soon, or
    whose condition a visit log flagged as changed since their latest assessment."""
    residents = residents_visible_to(user).filter(anonymised_at__isnull=True)
    if user.role in CASE_WORKERS:
        residents = Resident.objects.filter(pk__in=residents_assessable_by(user).values("pk"))
    if community_id:
        residents = residents.filter(community_id=community_id)
    residents = with_assessment_state(residents).filter(
        Q(last_assessed__isnull=True)
        | Q(last_assessed__date__lt=reassessment_cutoff(today))
        | Q(changed_at__isnull=False)
    )
    return residents.select_related("community").order_by("community__name", "last_assessed", "pk")


def reassessment_due_on(
    last_assessed: datetime.datetime | None, changed_at: datetime.datetime | None = None
) -> datetime.date | None:
    """When the next assessment is due: a year (ASSESSMENT_VALID_MONTHS) after the last, or
    ASSESSMENT_CHANGE_DAYS after a visit flagged a change, whichever is sooner; None = now."""
    if last_assessed is None:
        return None
    due = last_assessed.date() + relativedelta(months=settings.ASSESSMENT_VALID_MONTHS)
    if changed_at is not None:
        flagged = timezone.localdate(changed_at)
        due = min(due, flagged + datetime.timedelta(days=settings.ASSESSMENT_CHANGE_DAYS))
    return due


def cases_visible_to(user) -> QuerySet[Case]:
    cases = Case.objects.select_related("resident__community")
    if not user.is_authenticated:
        return cases.none()
    if user.role == Role.CIVIL_AFFAIRS:
        return cases
    if user.role in LOCAL_STAFF:
        return cases.filter(resident__community_id__in=staff_community_ids(user))
    if user.role in CASE_WORKERS:
        mine = Q(social_workers__user=user)
        supervised = Q(social_workers__supervisors__supervisor__user=user)
        return cases.filter(pk__in=Case.objects.filter(mine | supervised).values("pk"))
    return cases.none()


def caseload(user, *, social_worker: SocialWorker | None = None) -> QuerySet[Case]:
    """A social worker's open cases (their own, or a supervisee's) with the next review."""
    cases = cases_visible_to(user).exclude(status=Case.Status.CLOSED)
    if social_worker is not None:
        cases = cases.filter(pk__in=Case.objects.filter(social_workers=social_worker).values("pk"))
    return cases.annotate(
        next_review=Min("reviews__due_on", filter=Q(reviews__done_at__isnull=True)),
        planned=Count("planned_services", distinct=True),
    ).order_by("next_review", "pk")


def callbacks_visible_to(user) -> QuerySet[Callback]:
    callbacks = Callback.objects.select_related(
        "visit__offering__organization",
        "visit__request__resident__community",
        "visit__request__service_type",
        "social_worker",
    )
    if not user.is_authenticated:
        return callbacks.none()
    if user.role == Role.CIVIL_AFFAIRS:
        return callbacks
    if user.role in LOCAL_STAFF:
        return callbacks.filter(
            visit__request__resident__community_id__in=staff_community_ids(user)
        )
    if user.role in CASE_WORKERS:
        return callbacks.filter(social_worker__user=user)
    if user.role == Role.ORGANIZATION:
        return callbacks.filter(visit__offering__organization__members__user=user)
    return callbacks.none()


def organization_mean_ratings(*, since: datetime.datetime) -> dict[int, float]:
    rows = (
        Feedback.objects.filter(created_at__gte=since)
        .values("visit__offering__organization_id")
        .annotate(mean=Avg("rating"))
    )
    return {r["visit__offering__organization_id"]: float(r["mean"]) for r in rows}
