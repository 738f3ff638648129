"""The home page of each role: real figures, always read through the scoped queries.

`home_context(user)` picks one function per role; each returns the template and
its context. Figures are aggregated in the database (one query per panel), never
counted row by row.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Avg, Count, Q, QuerySet, Sum
from django.utils import timezone

from communities.models import (
    FACILITY_M2_PER_100_HOUSEHOLDS_TARGET,
    SOCIAL_WORKER_TARGET,
    Community,
    PilotBatch,
)
from communities.queries import (
    communities_visible_to,
    community_indicator_annotations,
    residents_visible_to,
)
from organizations.models import Agreement, Organization
from organizations.queries import agreements_visible_to, membership_of, organizations_visible_to
from sanlian.roles import Role
from services.care.queries import requests_visible_to, visits_assigned_to, visits_visible_to
from services.matching.queries import matches_visible_to
from services.models import Feedback, Match, ServiceOffering, ServiceRequest, Visit
from services.offerings.queries import offerings_visible_to
from socialworkers.queries import social_workers_visible_to, volunteer_teams_visible_to

LIST_LIMIT = 10
COMMUNITY_LIST_LIMIT = 20
# Requests a resident still waits on; done and cancelled ones are history.
PENDING_REQUEST_STATUSES = (
    ServiceRequest.Status.OPEN,
    ServiceRequest.Status.MATCHED,
    ServiceRequest.Status.SCHEDULED,
)

HomeContext = tuple[str, dict]


@dataclass(frozen=True)
class CommunityIndicators:
    """One community with the two pilot indicators the bureau tracks."""

    community: Community
    social_workers: int
    facility_ratio: Decimal | None

    @property
    def social_workers_met(self) -> bool:
        return self.social_workers >= SOCIAL_WORKER_TARGET

    @property
    def facility_met(self) -> bool:
        return self.community.meets_facility_target

    @property
    def shortfalls(self) -> int:
        return (not self.social_workers_met) + (not self.facility_met)


def home_context(user) -> HomeContext:
    builder = _BUILDERS.get(user.role, _dashboard_home)
    return builder(user)


# --- helpers shared by several roles -------------------------------------------------


def _local_day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _week_bounds() -> tuple[datetime.datetime, datetime.datetime]:
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    return _local_day_start(monday), _local_day_start(monday + datetime.timedelta(days=7))


def _upcoming(visits: QuerySet[Visit], *, days: int) -> QuerySet[Visit]:
    today = timezone.localdate()
    return visits.filter(
        status__in=(Visit.Status.SCHEDULED, Visit.Status.IN_PROGRESS),
        scheduled_start__gte=_local_day_start(today),
        scheduled_start__lt=_local_day_start(today + datetime.timedelta(days=days)),
    ).order_by("scheduled_start", "pk")


def community_indicators(communities: QuerySet[Community]) -> list[CommunityIndicators]:
    """Every community with both indicators; those missing a target come first."""
    rows = communities.annotate(**community_indicator_annotations()).order_by("code")
    indicators = [
        CommunityIndicators(
            community=row,
            social_workers=row.social_worker_count,
            facility_ratio=row.facility_m2_per_100_households,
        )
        for row in rows
    ]
    return sorted(indicators, key=_worst_first)


def _worst_first(item: CommunityIndicators) -> tuple:
    return (-item.shortfalls, item.social_workers, item.facility_ratio or 0)


def _pilot_figures(communities: QuerySet[Community]) -> dict:
    pilot = ~Q(pilot_batch=PilotBatch.NONE)
    return communities.aggregate(
        communities_total=Count("pk"),
        pilot_province=Count("pk", filter=Q(pilot_batch=PilotBatch.PROVINCE)),
        pilot_city=Count("pk", filter=Q(pilot_batch=PilotBatch.CITY)),
        elderly_in_pilots=Sum("residents_60_plus", filter=pilot, default=0),
    )


def _organization_figures(user) -> dict:
    status = Organization.Status
    # Entered = an active agreement with a community of the user's own scope, as the
    # dashboard and the statistics API count it (not an agreement anywhere in the city).
    entered = Q(
        agreements__status=Agreement.Status.ACTIVE,
        agreements__community__in=communities_visible_to(user).values("pk"),
    )
    return organizations_visible_to(user).aggregate(
        organizations_submitted=Count("pk", filter=Q(status=status.SUBMITTED), distinct=True),
        organizations_approved=Count("pk", filter=Q(status=status.APPROVED), distinct=True),
        organizations_entered=Count("pk", filter=entered, distinct=True),
    )


def _request_figures(user) -> dict:
    is_open = Q(status=ServiceRequest.Status.OPEN)
    return requests_visible_to(user).aggregate(
        requests_open=Count("pk", filter=is_open),
        requests_open_urgent=Count("pk", filter=is_open & Q(urgent=True)),
    )


def _service_figures(user) -> dict:
    visits = visits_visible_to(user)
    week_start, week_end = _week_bounds()
    feedback = Feedback.objects.filter(visit__in=visits.values("pk")).aggregate(
        satisfaction=Avg("rating"), feedback_count=Count("pk")
    )
    return {
        "visits_this_week": visits.filter(
            scheduled_start__gte=week_start, scheduled_start__lt=week_end
        ).count(),
        "satisfaction": feedback["satisfaction"],
        "feedback_count": feedback["feedback_count"],
    }


def _area_figures(user, *, pilots_only: bool) -> dict:
    """The figures civil-affairs and street staff share, scoped to what the user sees."""
    communities = communities_visible_to(user)
    listed = communities.exclude(pilot_batch=PilotBatch.NONE) if pilots_only else communities
    indicators = community_indicators(listed)
    return {
        **_pilot_figures(communities),
        # Said on the page: most cards count every community, the pilot ones only pilots.
        "communities_total": communities.count(),
        **_organization_figures(user),
        **_request_figures(user),
        **_service_figures(user),
        "social_workers": social_workers_visible_to(user).filter(active=True).count(),
        # Beside "60+ in pilot communities": those of the same communities on the portal.
        "residents_registered": residents_visible_to(user)
        .exclude(community__pilot_batch=PilotBatch.NONE)
        .count(),
        "below_social_worker_target": sum(not i.social_workers_met for i in indicators),
        "below_facility_target": sum(not i.facility_met for i in indicators),
        "indicators": indicators,
        "indicator_total": len(indicators),
        "social_worker_target": SOCIAL_WORKER_TARGET,
        "facility_target": FACILITY_M2_PER_100_HOUSEHOLDS_TARGET,
    }


# --- one function per role ------------------------------------------------------------


def _civil_affairs_home(user) -> HomeContext:
    # The city has hundreds of communities; the targets are the pilots' targets.
    figures = _area_figures(user, pilots_only=True)
    figures["indicators"] = figures["indicators"][:COMMUNITY_LIST_LIMIT]
    return "home/civil_affairs.html", figures


def _street_staff_home(user) -> HomeContext:
    streets = (
        communities_visible_to(user).values_list("street__name", flat=True).distinct().order_by()
    )
    return "home/street_staff.html", {
        **_area_figures(user, pilots_only=False),
        "street_names": sorted(streets),
    }


def _community_staff_home(user) -> HomeContext:
    communities = communities_visible_to(user)
    today = timezone.localdate()
    visits = visits_visible_to(user).select_related("request__resident")
    open_requests = (
        requests_visible_to(user)
        .filter(status=ServiceRequest.Status.OPEN)
        .order_by("-urgent", "created_at", "pk")
    )
    return "home/community_staff.html", {
        "indicators": community_indicators(communities),
        "residents_registered": residents_visible_to(user).count(),
        **_request_figures(user),
        "open_requests": open_requests[:LIST_LIMIT],
        "visits_today": list(_upcoming(visits, days=1)),
        "visits_tomorrow": list(
            _upcoming(visits, days=2).filter(
                scheduled_start__gte=_local_day_start(today + datetime.timedelta(days=1))
            )
        ),
        "entered_agreements": agreements_visible_to(user)
        .filter(status=Agreement.Status.ACTIVE)
        .order_by("organization__name"),
        "social_worker_target": SOCIAL_WORKER_TARGET,
        "facility_target": FACILITY_M2_PER_100_HOUSEHOLDS_TARGET,
    }


def _organization_home(user) -> HomeContext:
    membership = membership_of(user)
    if membership is None:
        return "home/organization.html", {"organization": None}
    organization = membership.organization
    return "home/organization.html", {
        "organization": organization,
        "offerings": _count_by_status(
            offerings_visible_to(user).filter(organization=organization),
            ServiceOffering.Status,
        ),
        "agreements": _count_by_status(
            agreements_visible_to(user).filter(organization=organization), Agreement.Status
        ),
        "matches_waiting": matches_visible_to(user)
        .filter(offering__organization=organization, status=Match.Status.CONFIRMED)
        .order_by("week_start", "pk")[:LIST_LIMIT],
        "upcoming_visits": _upcoming(
            visits_visible_to(user).filter(offering__organization=organization), days=7
        )[:LIST_LIMIT],
    }


def _count_by_status(queryset: QuerySet, statuses) -> list[tuple[str, str, int]]:
    """(value, label, count) for every status, zeros included, from one GROUP BY query."""
    counts = dict(queryset.order_by().values_list("status").annotate(n=Count("pk")))
    return [(value, label, counts.get(value, 0)) for value, label in statuses.choices]


# What home/_visit_list.html shows of each visit.
_VISIT_LIST_RELATED = (
    "request__resident",
    "request__service_type",
    "offering__organization",
    "social_worker",
    "volunteer",
)


def _worker_home(user) -> HomeContext:
    # The worker's own visits, as "我的上门" lists them; a team leader sees the visits of
    # the team's volunteers apart, so the two pages agree on what is "mine".
    own = visits_assigned_to(user)
    week = list(_upcoming(own.select_related(*_VISIT_LIST_RELATED), days=7))
    team = visits_visible_to(user).exclude(pk__in=own.values("pk"))
    today = timezone.localdate()
    return "home/worker.html", {
        "visits_today": [v for v in week if timezone.localdate(v.scheduled_start) == today],
        "visits_later": [v for v in week if timezone.localdate(v.scheduled_start) != today],
        "team_visits": list(
            _upcoming(team.select_related(*_VISIT_LIST_RELATED), days=7)[:LIST_LIMIT]
        ),
        "teams": volunteer_teams_visible_to(user).annotate(member_count=Count("members")),
    }


def _resident_home(user) -> HomeContext:
    visits = visits_visible_to(user)
    return "home/resident.html", {
        "residents": residents_visible_to(user),
        "upcoming_visits": _upcoming(visits, days=60)[:LIST_LIMIT],
        "pending_requests": requests_visible_to(user)
        .filter(status__in=PENDING_REQUEST_STATUSES)
        .order_by("-created_at", "-pk")[:LIST_LIMIT],
        "visits_to_rate": visits.filter(
            status=Visit.Status.COMPLETED, feedback__isnull=True
        ).order_by("-scheduled_start", "-pk")[:LIST_LIMIT],
    }


def _dashboard_home(user) -> HomeContext:
    return "home/dashboard.html", {}


_BUILDERS: dict[str, Callable[..., HomeContext]] = {
    Role.CIVIL_AFFAIRS: _civil_affairs_home,
    Role.STREET_STAFF: _street_staff_home,
    Role.COMMUNITY_STAFF: _community_staff_home,
    Role.ORGANIZATION: _organization_home,
    Role.SOCIAL_WORKER: _worker_home,
    Role.VOLUNTEER: _worker_home,
    Role.RESIDENT: _resident_home,
    Role.FAMILY: _resident_home,
    Role.DASHBOARD: _dashboard_home,
}
