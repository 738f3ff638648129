"""Dashboards of the pilot's indicators for civil-affairs, street and community staff.

Every figure comes from reporting.stats, called with the same StatsFilter the API
builds for the same user and query, so a page and /api/v1/stats/ never disagree.
This module only decides the level (city → district → street → community), what
the user may drill into, and how rows are ordered for reading.
"""

import datetime
from dataclasses import dataclass, field

from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from communities.models import Community, District, Street
from communities.queries import communities_visible_to, streets_visible_to
from reporting.stats import (
    ALLOWANCE_BREAKDOWNS,
    StatsFilter,
    stats_allowances,
    stats_by_area,
    stats_overview,
    stats_scope,
    stats_unmet_demand,
    stats_weekly,
)
from sanlian.roles import CITY_WIDE, Role
from services.models import UnservedRequest

# The level shown below each level: its rows are the drill-down links.
CHILD_LEVEL = {"city": "district", "district": "street", "street": "community"}


@dataclass(frozen=True)
class Crumb:
    label: str
    query: dict

    @property
    def url(self) -> str:
        return f"{reverse('dashboard:index')}?{urlencode(self.query)}"


@dataclass
class Dashboard:
    level: str
    title: str
    stats_filter: StatsFilter
    crumbs: list[Crumb] = field(default_factory=list)
    overview: dict = field(default_factory=dict)
    headline: dict = field(default_factory=dict)
    children: list[dict] = field(default_factory=list)
    child_level: str | None = None
    communities: list[dict] = field(default_factory=list)
    weekly: list[dict] = field(default_factory=list)
    allowances: dict = field(default_factory=dict)
    unmet_demand: dict = field(default_factory=dict)

    @property
    def generated_at(self) -> datetime.datetime:
        return datetime.datetime.fromisoformat(self.overview["generated_at"])

    @property
    def current_week(self) -> str:
        """Monday of this week (ISO), whose figures are still growing."""
        today = timezone.localdate()
        return (today - datetime.timedelta(days=today.weekday())).isoformat()

    @property
    def allowance_rows(self) -> list[dict]:
        """The allowance rows of the level below, as the API lists them; none at a community."""
        if self.child_level is None:
            return []
        return self.allowances[ALLOWANCE_BREAKDOWNS[self.child_level]]

    @property
    def missing_target_count(self) -> int:
        return sum(1 for row in self.communities if missing_targets(row))


def missing_targets(row: dict) -> int:
    return (not row["meets_social_worker_target"]) + (not row["meets_facility_target"])


def _worst_first(row: dict) -> tuple:
    return (
        -missing_targets(row),
        row["social_workers_per_community"] or 0,
        row["facility_m2_per_100_households"] or 0,
        row.get("code", ""),
    )


def default_place(user) -> dict:
    """Where a user lands: street staff at their street, community staff at their community."""
    if user.role in CITY_WIDE:
        return {}
    communities = list(communities_visible_to(user).values_list("pk", "street_id"))
    if user.role == Role.COMMUNITY_STAFF and len(communities) == 1:
        return {"community": communities[0][0]}
    streets = {street for _pk, street in communities}
    if len(streets) == 1:
        return {"street": streets.pop()}
    return {}


def _place(user, *, district, street, community):
    """The chosen place, looked up inside the user's scope (404 outside it)."""
    if community:
        found = communities_visible_to(user).filter(pk=community).first()
        if found is None:
            raise Http404
        return "community", found
    if street:
        found = streets_visible_to(user).filter(pk=street).first()
        if found is None:
            raise Http404
        return "street", found
    if district:
        scope = District.objects.filter(pk__in=streets_visible_to(user).values("district_id"))
        found = scope.filter(pk=district).first()
        if found is None or user.role not in CITY_WIDE:
            raise Http404
        return "district", found
    return "city", None


def _crumbs(user, place) -> list[Crumb]:
    """Links up the hierarchy, from the highest level the user may see."""
    chain: list[Crumb] = []
    street = district = None
    if isinstance(place, Community):
        street = place.street
    elif isinstance(place, Street):
        street = place
    if street is not None:
        district = street.district
    elif isinstance(place, District):
        district = place
    if user.role in CITY_WIDE:
        chain.append(Crumb(str(_("全市")), {}))
        if district is not None:
            chain.append(Crumb(district.name, {"district": district.pk}))
    if street is not None and user.role != Role.COMMUNITY_STAFF:
        chain.append(Crumb(street.name, {"street": street.pk}))
    if isinstance(place, Community):
        chain.append(Crumb(place.name, {"community": place.pk}))
    return chain


def dashboard_for(
    user,
    *,
    district: int | None = None,
    street: int | None = None,
    community: int | None = None,
    pilot_batch: str | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> Dashboard:
    """The figures of one place for `user`; raises Http404 for a place outside their scope."""
    level, place = _place(user, district=district, street=street, community=community)
    scope = stats_scope(user)
    if level == "community":
        scope = frozenset({place.pk})
    stats_filter = StatsFilter(
        district=district if level == "district" else None,
        street=street if level == "street" else None,
        pilot_batch=pilot_batch or None,
        date_from=date_from,
        date_to=date_to,
        community_ids=scope,
    )
    child_level = CHILD_LEVEL.get(level)
    communities = stats_by_area(stats_filter, level="community")["results"]
    return Dashboard(
        level=level,
        title=place.name if place is not None else str(_("全市")),
        stats_filter=stats_filter,
        crumbs=_crumbs(user, place),
        overview=stats_overview(stats_filter),
        headline=stats_by_area(stats_filter, level="city")["results"][0],
        child_level=child_level,
        children=stats_by_area(stats_filter, level=child_level)["results"] if child_level else [],
        communities=sorted(communities, key=_worst_first),
        weekly=stats_weekly(stats_filter)["results"],
        allowances=stats_allowances(stats_filter, breakdown=child_level or "district"),
        unmet_demand=stats_unmet_demand(stats_filter),
    )


def _week_label(week_start: str, dashboard: Dashboard) -> str:
    # The running week has only its first days: say so, or its dip reads as a decline.
    if week_start == dashboard.current_week:
        return str(_("%(week)s（本周至今）") % {"week": week_start})
    return week_start


def chart_data(dashboard: Dashboard) -> dict:
    """Plain lists for Chart.js (static/js/dashboard.js); suppressed figures are null."""
    rows = dashboard.children or dashboard.communities
    return {
        "labels": [row.get("name", "") for row in rows],
        "workers": [row["social_workers_per_community"] for row in rows],
        "workerTarget": rows[0]["social_worker_target"] if rows else None,
        "facility": [row["facility_m2_per_100_households"] for row in rows],
        "facilityTarget": rows[0]["facility_target"] if rows else None,
        "weeks": [_week_label(week["week_start"], dashboard) for week in dashboard.weekly],
        "requests": [week["requests"]["value"] for week in dashboard.weekly],
        "visits": [week["visits_completed"]["value"] for week in dashboard.weekly],
        "ratings": [week["average_rating"]["value"] for week in dashboard.weekly],
        "unmet": _unmet_chart(dashboard.unmet_demand),
    }


UNMET_CHART_TYPES = 12  # the services with most unmet demand; the table below lists all


def _unmet_chart(unmet: dict) -> dict:
    """Stacked bars: one per service type, one stack per reason; suppressed counts are null."""
    kinds = (unmet.get("by_service_type") or [])[:UNMET_CHART_TYPES]
    return {
        "labels": [kind["service_type_name"] for kind in kinds],
        "reasons": [
            {
                "code": code,
                "label": str(label),
                "values": [kind["reasons"][code]["value"] for kind in kinds],
            }
            for code, label in UnservedRequest.Code.choices
        ],
    }
