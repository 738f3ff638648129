"""Dashboard pages: the API's figures, drill-down in scope, missing targets first."""

import datetime
import json

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from reporting.dashboards import dashboard_for
from reporting.rollups import rollups_refresh
from tests import factories as f
from tests.dashboard.conftest import served


def _api(user, path: str, **params) -> dict:
    client = APIClient()
    client.force_authenticate(user)
    return client.get(f"/api/v1/stats/{path}/", params).json()


def _without_time(body: dict) -> dict:
    return {
        k: v for k, v in body.items() if k not in ("generated_at", "computed_at", "age_seconds")
    }


@pytest.mark.parametrize(
    ("who", "params"),
    [
        ("civil", {}),
        ("civil", {"street": "east"}),
        ("civil", {"district": True}),
        ("street_staff", {"street": "east"}),
        ("civil", {"pilot_batch": "city", "date_from": "2020-01-01"}),
    ],
)
def test_dashboard_figures_equal_the_api_for_the_same_filters(client, city, who, params):
    user = getattr(city, who)
    query = dict(params)
    if query.get("street") == "east":
        query["street"] = city.east_street.pk
    if query.get("district"):
        query["district"] = city.east_street.district_id
    client.force_login(user)
    response = client.get(reverse("dashboard:index"), query)
    assert response.status_code == 200
    board = response.context["board"]
    assert _without_time(board.overview) == _without_time(_api(user, "overview", **query))
    assert board.communities == sorted(
        _api(user, "communities", **query)["results"],
        key=lambda row: row["meets_social_worker_target"] and row["meets_facility_target"],
    )
    weekly = _api(user, "weekly", **query)["results"]
    assert board.weekly == weekly
    if board.child_level and board.child_level != "community":
        assert board.children == _api(user, f"{board.child_level}s", **query)["results"]


def test_dashboard_shows_figures_and_chart_data(client, city):
    client.force_login(city.civil)
    response = client.get(reverse("dashboard:index"))
    page = response.content.decode()
    assert 'data-testid="figure-satisfaction"' in page
    # 6 ratings of 5 and 5 of 3: average 4.09, never a cell of fewer than 5 people.
    assert response.context["board"].overview["average_satisfaction"]["value"] == 4.09
    charts = json.loads(page.split('id="dashboard-data" type="application/json">')[1].split("<")[0])
    assert charts["workerTarget"] == 2 and charts["facilityTarget"] == 30
    assert len(charts["weeks"]) == 12
    assert "<script>" not in page  # CSP: no inline script, data travels as json_script


def test_dashboard_says_how_old_its_figures_are(client, city, monkeypatch):
    client.force_login(city.civil)
    started = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: started)
    client.get(reverse("dashboard:index"))  # computed and cached now
    monkeypatch.setattr(timezone, "now", lambda: started + datetime.timedelta(seconds=45))

    page = client.get(reverse("dashboard:index")).content.decode()

    assert "（45 秒前）" in page and "每分钟更新" not in page


def test_the_running_week_is_marked_as_so_far(client, city):
    client.force_login(city.civil)
    page = client.get(reverse("dashboard:index")).content.decode()
    charts = json.loads(page.split('id="dashboard-data" type="application/json">')[1].split("<")[0])
    today = timezone.localdate()
    monday = (today - datetime.timedelta(days=today.weekday())).isoformat()
    assert charts["weeks"][-1] == f"{monday}（本周至今）"
    assert not any("本周至今" in label for label in charts["weeks"][:-1])
    assert page.count("本周至今") == 1  # the weekly table's badge (chart data is JSON-escaped)
    client.post(reverse("set_language"), {"language": "en"})
    charts_en = client.get(reverse("dashboard:index")).content.decode()
    assert f"{monday} (this week so far)" in charts_en


def test_communities_missing_a_target_come_first(city):
    board = dashboard_for(city.civil)
    names = [row["name"] for row in board.communities]
    # The west community has no social worker and 10 m² per 100 households.
    assert names == [city.other_community.name, city.community.name]
    assert board.missing_target_count == 1


def test_drill_down_city_district_street_community(client, city):
    client.force_login(city.civil)
    levels = []
    for query in (
        {},
        {"district": city.east_street.district_id},
        {"street": city.east_street.pk},
        {"community": city.community.pk},
    ):
        board = client.get(reverse("dashboard:index"), query).context["board"]
        levels.append((board.level, board.child_level))
    assert levels == [
        ("city", "district"),
        ("district", "street"),
        ("street", "community"),
        ("community", None),
    ]
    board = client.get(reverse("dashboard:index"), {"community": city.community.pk}).context[
        "board"
    ]
    assert [c.label for c in board.crumbs][-1] == city.community.name
    assert board.overview["communities"] == 1


def test_street_staff_start_at_their_street_and_cannot_leave_it(client, city):
    client.force_login(city.street_staff)
    board = client.get(reverse("dashboard:index")).context["board"]
    assert board.level == "street" and board.title == city.east_street.name
    assert [row["name"] for row in board.communities] == [city.community.name]
    for query in (
        {"street": city.west_street.pk},
        {"community": city.other_community.pk},
        {"district": city.east_street.district_id},
    ):
        assert client.get(reverse("dashboard:index"), query).status_code == 404


def test_community_staff_start_at_their_community(client, city):
    client.force_login(city.community_staff)
    board = client.get(reverse("dashboard:index")).context["board"]
    assert board.level == "community" and board.title == city.community.name
    assert (
        client.get(reverse("dashboard:index"), {"community": city.other_community.pk}).status_code
        == 404
    )


@pytest.mark.parametrize("who", ["member", "resident_user", "family"])
def test_dashboard_refuses_other_roles(client, city, who):
    user = city.resident.user if who == "resident_user" else getattr(city, who)
    client.force_login(user)
    assert client.get(reverse("dashboard:index")).status_code == 403


def test_dashboard_bad_dates_show_an_error_next_to_the_field(client, city):
    client.force_login(city.civil)
    response = client.get(
        reverse("dashboard:index"), {"date_from": "2026-03-10", "date_to": "2026-03-01"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["date_to"]
    assert response.context["board"].stats_filter.date_from is None


def _dashboard_queries(client, user) -> int:
    cache.clear()
    # Fold the changes in first: the refresh's work follows the changes, not the city.
    rollups_refresh()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("dashboard:index")).status_code == 200
    return len(queries)


def test_dashboard_query_count_does_not_grow_with_the_city(client, city):
    client.force_login(city.civil)
    before = _dashboard_queries(client, city.civil)
    for _ in range(3):
        community = f.CommunityFactory(street=city.east_street)
        served(community, 5)
    assert _dashboard_queries(client, city.civil) == before
