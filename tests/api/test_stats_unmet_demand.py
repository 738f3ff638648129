"""/api/v1/stats/unmet-demand/ and the dashboard table: matching's unserved requests, counted."""

from django.urls import reverse

from services.matching.io import matching_run
from services.models import Match, ServiceRequest
from tests import factories as f
from tests.api.conftest import client_for

# Matching plans next week (clock.next_monday): it refuses weeks that have already passed.


def _open_requests(community, service_type, count):
    return [
        f.ServiceRequestFactory(
            resident=f.ResidentFactory(community=community), service_type=service_type
        )
        for _ in range(count)
    ]


def _scene(cast, clock):
    bathing = f.ServiceTypeFactory(code="bathing", name="助浴")
    visits = f.ServiceTypeFactory(code="visits", name="探访")
    offering = f.OfferingFactory(
        organization=cast.organization, service_type=visits, weekly_capacity=2
    )
    f.OfferingWindowFactory(offering=offering, weekday=0)
    ours = _open_requests(cast.community, bathing, 6)
    _open_requests(cast.community, visits, 8)
    _open_requests(cast.other_community, bathing, 2)
    for community in (cast.community, cast.other_community):
        matching_run(user=cast.civil, community=community, week_start=clock.next_monday)
    # Confirmed by hand since: no longer unmet, though its verdict is still the latest.
    ServiceRequest.objects.filter(pk=ours[0].pk).update(status=ServiceRequest.Status.MATCHED)
    return bathing, visits


def _unmet_in_database(service_type, community) -> int:
    """Open requests of that type and community with no proposal or holding match."""
    return (
        ServiceRequest.objects.filter(
            status=ServiceRequest.Status.OPEN, service_type=service_type,
            resident__community=community,
        )
        .exclude(matches__status__in=[Match.Status.PROPOSED, *Match.HOLDING])
        .count()
    )  # fmt: skip


def test_unmet_demand_equals_a_count_from_the_database(cast, clock):
    bathing, visits = _scene(cast, clock)
    body = client_for(cast.civil).get("/api/v1/stats/unmet-demand/").json()
    rows = {(row["service_type"], row["community"]): row for row in body["results"]}
    ours = rows[(bathing.pk, cast.community.pk)]
    assert ours["total"] == {
        "value": _unmet_in_database(bathing, cast.community),
        "suppressed": False,
    }
    assert ours["total"]["value"] == 5
    assert ours["reasons"]["no_offering"]["value"] == 5
    taken = rows[(visits.pk, cast.community.pk)]
    assert taken["total"]["value"] == _unmet_in_database(visits, cast.community) == 6
    assert taken["reasons"]["taken"]["value"] == 6
    # Two people in the other community: counted in the total, suppressed in their row.
    assert rows[(bathing.pk, cast.other_community.pk)]["total"] == {
        "value": None,
        "suppressed": True,
    }
    assert body["total"]["value"] == 13
    assert body["reason_labels"]["no_offering"] == "本社区暂无提供该服务的组织"


def test_unmet_demand_is_held_to_the_callers_scope(cast, clock):
    _scene(cast, clock)
    body = client_for(cast.other_street_staff).get("/api/v1/stats/unmet-demand/").json()
    assert {row["community"] for row in body["results"]} <= {cast.other_community.pk}
    assert body["total"] == {"value": None, "suppressed": True}


def test_dashboard_shows_the_unmet_demand_table(client, cast, clock):
    _scene(cast, clock)
    client.force_login(cast.civil)
    page = client.get(reverse("dashboard:index")).content.decode()
    assert 'data-testid="unmet-table"' in page
    assert "助浴" in page and "未满足的需求" in page


def test_dashboard_chart_of_unmet_demand_equals_database_counts(client, cast, clock):
    """Bars per service type (summed over communities, then suppressed), stacked by reason."""
    bathing, visits = _scene(cast, clock)
    client.force_login(cast.civil)
    response = client.get(reverse("dashboard:index"))
    page = response.content.decode()
    chart = response.context["charts"]["unmet"]

    assert 'id="chart-unmet"' in page and 'id="dashboard-data"' in page
    assert '"unmet"' in page  # the data travels in the json_script block, not inline code
    bars = dict(zip(chart["labels"], range(len(chart["labels"])), strict=True))
    reasons = {reason["code"]: reason["values"] for reason in chart["reasons"]}
    bathing_unmet = _unmet_in_database(bathing, cast.community) + _unmet_in_database(
        bathing, cast.other_community
    )
    assert bathing_unmet == 7
    # 5 in ours + 2 in the other community: 7 together, shown though the 2 alone are not.
    assert reasons["no_offering"][bars["助浴"]] == bathing_unmet
    assert reasons["taken"][bars["探访"]] == _unmet_in_database(visits, cast.community) == 6
    assert reasons["full"] == [0, 0]
    assert chart["labels"] == ["助浴", "探访"]  # most unmet first


def test_dashboard_chart_is_held_to_the_viewers_scope(client, cast, clock):
    _scene(cast, clock)
    client.force_login(cast.other_street_staff)
    chart = client.get(reverse("dashboard:index")).context["charts"]["unmet"]
    # West street: 2 bathing requests, suppressed as too few to show.
    assert chart["labels"] == ["助浴"]
    assert {reason["code"]: reason["values"] for reason in chart["reasons"]}["no_offering"] == [
        None
    ]
