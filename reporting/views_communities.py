"""Community pages for government staff: the list with indicators, and a community's detail
with the organizations, social workers and teams serving it."""

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from activities.models import Suggestion
from activities.queries import suggestions_visible_to
from communities import rules as community_rules
from communities.forms import CommunityFilterForm
from communities.models import FACILITY_M2_PER_100_HOUSEHOLDS_TARGET, SOCIAL_WORKER_TARGET
from communities.queries import (
    communities_for_list,
    communities_with_indicators,
    streets_visible_to,
)
from organizations.models import Agreement
from organizations.queries import agreements_visible_to
from sanlian.view_helpers import paginate, predicate_required
from socialworkers.queries import social_workers_visible_to, volunteer_teams_visible_to

TARGETS = {
    "social_worker_target": SOCIAL_WORKER_TARGET,
    "facility_target": FACILITY_M2_PER_100_HOUSEHOLDS_TARGET,
}


@predicate_required(community_rules.may_view_communities)
def community_list(request: HttpRequest) -> HttpResponse:
    form = CommunityFilterForm(request.GET or None, streets=streets_visible_to(request.user))
    filters = form.cleaned_data if form.is_valid() else {}
    communities = communities_for_list(
        request.user,
        search=filters.get("q", ""),
        street_id=filters["street"].pk if filters.get("street") else None,
        pilot_batch=filters.get("pilot_batch", ""),
        below_target=filters.get("below_target", False),
    )
    context = {"form": form, "page_obj": paginate(request, communities), **TARGETS}
    return render(request, "reporting/community_list.html", context)


@predicate_required(community_rules.may_view_communities)
def community_detail(request: HttpRequest, pk: int) -> HttpResponse:
    community = get_object_or_404(communities_with_indicators(request.user), pk=pk)
    context = {
        "community": community,
        "venues": community.venues.all(),
        "agreements": agreements_visible_to(request.user).filter(
            community=community, status=Agreement.Status.ACTIVE
        ),
        "social_workers": social_workers_visible_to(request.user).filter(communities=community),
        "teams": volunteer_teams_visible_to(request.user).filter(community=community),
        "social_workers_met": community.social_worker_count >= SOCIAL_WORKER_TARGET,
        "suggestions": _suggestion_counts(request.user, community),
        **TARGETS,
    }
    return render(request, "reporting/community_detail.html", context)


def _suggestion_counts(user, community) -> list[tuple[str, str, int]]:
    """(status, label, count) of the community's suggestions this user may see; one query."""
    counts = dict(
        suggestions_visible_to(user)
        .filter(community=community)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    return [(status, label, counts.get(status, 0)) for status, label in Suggestion.Status.choices]
