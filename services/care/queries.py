"""Who sees which offerings, requests, matches and visits; who may be assigned to a visit."""

import dataclasses
import datetime

from django.contrib.auth import get_user_model
from django.db.models import Case, F, IntegerField, Q, QuerySet, When
from django.utils import timezone

from communities.queries import residents_of, staff_community_ids
from sanlian.roles import FIELD_WORKERS, LOCAL_STAFF, RESIDENT_SIDE, Role
from services.models import Feedback, Match, ServiceRequest, Visit
from socialworkers.models import SocialWorker, Volunteer


def requests_visible_to(user) -> QuerySet[ServiceRequest]:
    requests = ServiceRequest.objects.select_related(
        "resident__community__street",
        "service_type",
        "filed_by",
        "preferred_organization",
        "excluded_organization",
    )
    if not user.is_authenticated:
        return requests.none()
    if user.role == Role.CIVIL_AFFAIRS:
        return requests
    if user.role in LOCAL_STAFF:
        return requests.filter(resident__community_id__in=staff_community_ids(user))
    if user.role == Role.ORGANIZATION:
        mine = ServiceRequest.objects.filter(
            Q(
                matches__offering__organization__members__user=user,
                matches__status__in=("confirmed", "accepted", "declined", "expired"),
            )
            | Q(visits__offering__organization__members__user=user)
        )
        return requests.filter(pk__in=mine.values("pk"))
    if user.role in FIELD_WORKERS:
        return requests.filter(pk__in=visits_visible_to(user).values("request_id"))
    if user.role in RESIDENT_SIDE:
        return requests.filter(resident__in=residents_of(user).values("pk"))
    return requests.none()


def visits_visible_to(user) -> QuerySet[Visit]:
    visits = Visit.objects.select_related(
        "request__resident__community",
        "request__service_type",
        "offering__organization",
        "social_worker",
        "volunteer",
        "venue",
    )
    if not user.is_authenticated:
        return visits.none()
    if user.role == Role.CIVIL_AFFAIRS:
        return visits
    if user.role in LOCAL_STAFF:
        return visits.filter(request__resident__community_id__in=staff_community_ids(user))
    if user.role == Role.ORGANIZATION:
        return visits.filter(offering__organization__members__user=user)
    if user.role == Role.SOCIAL_WORKER:
        return visits.filter(
            Q(social_worker__user=user)
            | Q(staff_member=user)
            | Q(volunteer__team__leader__user=user)
        )
    if user.role == Role.VOLUNTEER:
        return visits.filter(Q(volunteer__user=user) | Q(staff_member=user))
    if user.role in RESIDENT_SIDE:
        return visits.filter(request__resident__in=residents_of(user).values("pk"))
    return visits.none()


def visits_assigned_to(user) -> QuerySet[Visit]:
    """The visits a worker carries out in person (not those of the teams they lead)."""
    assigned = Q(social_worker__user=user) | Q(volunteer__user=user) | Q(staff_member=user)
    return visits_visible_to(user).filter(assigned)


def visits_for_review(user) -> QuerySet[Visit]:
    """Flagged visits a reviewer looks at (`rules.is_reviewer`): the organization's, or
    those in the communities a social worker serves; never the reviewer's own."""
    visits = Visit.objects.select_related(
        "request__resident__community", "request__service_type", "reviewed_by"
    ).exclude(review_state="")
    if not user.is_authenticated:
        return visits.none()
    if user.role == Role.ORGANIZATION:
        visits = visits.filter(offering__organization__members__user=user)
    elif user.role == Role.SOCIAL_WORKER:
        served = SocialWorker.objects.filter(user=user, active=True).values("communities")
        visits = visits.filter(request__resident__community__in=served)
    else:
        return visits.none()
    return visits.exclude(Q(social_worker__user=user) | Q(volunteer__user=user)).exclude(
        staff_member=user
    )


def feedback_visible_to(user) -> QuerySet[Feedback]:
    return Feedback.objects.select_related("visit").filter(
        visit__in=visits_visible_to(user).values("pk")
    )


@dataclasses.dataclass(frozen=True)
class AssignableWorkers:
    social_workers: QuerySet
    volunteers: QuerySet
    staff_members: QuerySet


def assignable_workers(match: Match) -> AssignableWorkers:
    """Who may carry out a visit of `match`: the one rule the schedule form offers and
    `visit_schedule` checks.

    Active social workers of the offering's organization or serving the resident's
    community; volunteers of a team in that community or led by one of the organization's
    social workers; the organization's own members.
    """
    organization_id = match.offering.organization_id
    community_id = match.request.resident.community_id
    return AssignableWorkers(
        social_workers=SocialWorker.objects.filter(active=True)
        .filter(Q(organization_id=organization_id) | Q(communities=community_id))
        .distinct(),
        volunteers=Volunteer.objects.filter(
            Q(team__community_id=community_id) | Q(team__leader__organization_id=organization_id)
        ).distinct(),
        staff_members=get_user_model()
        .objects.filter(memberships__organization_id=organization_id)
        .distinct(),
    )


# --- Monetary elderly care: care accounts, ledger entries and settlement statements ---------


def visits_upcoming_first(visits: QuerySet[Visit]) -> QuerySet[Visit]:
    """Today's and later visits soonest first, then past ones latest first.

    Staff open the list to see what is coming; last summer's completed visits used to
    fill the first pages (issue 21, item 13).
    """
    today = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time()))
    upcoming = Q(scheduled_start__gte=today)
    return visits.annotate(
        is_past=Case(When(upcoming, then=0), default=1, output_field=IntegerField())
    ).order_by(
        "is_past",
        Case(When(upcoming, then=F("scheduled_start"))).asc(nulls_last=True),
        F("scheduled_start").desc(),
        "id",
    )
