"""/api/v1/stats/: figures, suppression of small counts, scope, caching, dashboard tokens."""

import contextlib
import datetime

import psycopg2
import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from reporting import rollups
from reporting.models import RollupDirty
from reporting.stats import (
    StatsFilter,
    stats_by_area,
    stats_overview,
)
from sanlian.models import User
from sanlian.roles import Role
from services.models import Visit
from tests import factories as f
from tests.api.conftest import client_for


def _served(community, people: int, *, rating: int = 4, days_waited: int = 2):
    """`people` residents of `community`, each with one completed, rated visit."""
    now = timezone.now()
    for _ in range(people):
        request = f.ServiceRequestFactory(
            resident=f.ResidentFactory(community=community),
            created_at=now - datetime.timedelta(days=days_waited),
        )
        visit = f.VisitFactory(
            request=request,
            scheduled_start=now - datetime.timedelta(hours=2),
            checked_in_at=now - datetime.timedelta(hours=2),
            status=Visit.Status.COMPLETED,
        )
        f.FeedbackFactory(visit=visit, rating=rating)


@pytest.fixture
def city(cast):
    cast.community.pilot_batch = "city"
    cast.community.save()
    worker = f.SocialWorkerFactory()
    worker.communities.set([cast.community, cast.other_community])
    _served(cast.community, 6, rating=5, days_waited=3)
    _served(cast.other_community, 2, rating=1)
    return cast


def test_overview_figures(city):
    body = client_for(city.civil).get("/api/v1/stats/overview/").json()
    assert body["communities"] == 2 and body["pilot_communities"] == 1
    assert body["organizations_entered"] == 2
    assert body["social_workers"] == 1
    assert body["residents_60_plus_served"] == {"value": 8, "suppressed": False}
    assert body["visits_by_status"]["completed"] == {"value": 8, "suppressed": False}
    assert body["requests_by_status"]["open"] == {"value": 8, "suppressed": False}
    assert body["requests_by_status"]["cancelled"] == {"value": 0, "suppressed": False}
    assert body["average_satisfaction"] == {"value": 4.0, "suppressed": False}
    assert body["median_days_to_first_visit"]["value"] == pytest.approx(2.9, abs=0.1)
    assert body["generated_at"].endswith("+08:00")


def test_small_counts_suppressed(city):
    # A neighbour in the east street: the east street's total hides beside the small west
    # one (the city total minus it would give west back), and the neighbour beside it, so
    # east's own row stays (tests/api/test_stats_subtraction.py).
    neighbour = f.CommunityFactory(street=city.east_street)
    _served(neighbour, 5)
    url = f"/api/v1/stats/overview/?street={city.west_street.pk}"
    body = client_for(city.civil).get(url).json()
    assert body["residents_60_plus_served"] == {"value": None, "suppressed": True}
    assert body["average_satisfaction"] == {"value": None, "suppressed": True}
    assert body["median_days_to_first_visit"] == {"value": None, "suppressed": True}
    rows = client_for(city.civil).get("/api/v1/stats/communities/").json()["results"]
    west = next(row for row in rows if row["id"] == city.other_community.pk)
    assert west["residents_served"] == {"value": None, "suppressed": True}
    assert west["average_rating"] == {"value": None, "suppressed": True}
    east = next(row for row in rows if row["id"] == city.community.pk)
    assert east["residents_served"] == {"value": 6, "suppressed": False}
    assert east["average_rating"] == {"value": 5.0, "suppressed": False}
    beside = next(row for row in rows if row["id"] == neighbour.pk)
    assert beside["residents_served"] == {"value": None, "suppressed": True}


def test_community_indicators_against_targets(city):
    rows = client_for(city.civil).get("/api/v1/stats/communities/").json()["results"]
    east = next(row for row in rows if row["id"] == city.community.pk)
    # factory community: 650 m² for 2000 households
    assert east["facility_m2_per_100_households"] == 32.5 and east["meets_facility_target"]
    assert east["social_workers"] == 1 and not east["meets_social_worker_target"]
    assert east["organizations_entered"] == 1


def test_street_and_district_rollups(city):
    client = client_for(city.civil)
    streets = client.get("/api/v1/stats/streets/").json()["results"]
    assert {row["id"] for row in streets} == {city.east_street.pk, city.west_street.pk}
    districts = client.get("/api/v1/stats/districts/").json()["results"]
    assert len(districts) == 1
    district = districts[0]
    assert district["communities"] == 2
    # one worker serving both communities is counted once
    assert district["social_workers"] == 1
    assert district["residents_served"] == {"value": 8, "suppressed": False}


def test_filters_pilot_batch_and_dates(city):
    client = client_for(city.civil)
    pilot = client.get("/api/v1/stats/overview/?pilot_batch=city").json()
    assert pilot["communities"] == 1
    # The city's 8 minus the pilots' 6 would give the west community's 2 back: hidden.
    assert pilot["residents_60_plus_served"] == {"value": None, "suppressed": True}
    f.CommunityFactory(street=city.west_street)  # no effect on figures: cached or not
    cache.clear()
    _served(city.other_community, 3)  # west now has 5: nothing small left to protect
    pilot = client.get("/api/v1/stats/overview/?pilot_batch=city").json()
    assert pilot["residents_60_plus_served"] == {"value": 6, "suppressed": False}
    old = client.get("/api/v1/stats/overview/?date_from=2000-01-01&date_to=2000-12-31").json()
    assert old["residents_60_plus_served"] == {"value": 0, "suppressed": False}
    # A period given the other way round is the same period (the schema cannot refuse it).
    reversed_ = client.get("/api/v1/stats/overview/?date_from=2000-12-31&date_to=2000-01-01")
    assert reversed_.status_code == 200
    assert reversed_.json()["filters"] == old["filters"]
    assert reversed_.json()["residents_60_plus_served"] == old["residents_60_plus_served"]
    year_end = f"{timezone.localdate().year}-12-31"
    forward = client.get(f"/api/v1/stats/overview/?date_from=2000-01-01&date_to={year_end}")
    backward = client.get(f"/api/v1/stats/overview/?date_from={year_end}&date_to=2000-01-01")
    served = forward.json()["residents_60_plus_served"]
    assert served["value"] > 0 and backward.json()["residents_60_plus_served"] == served


def test_weekly_series(city):
    body = client_for(city.civil).get("/api/v1/stats/weekly/").json()
    weeks = body["results"]
    assert len(weeks) == 12
    this_week = weeks[-1]
    monday = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday())
    assert this_week["week_start"] == monday.isoformat()
    total = sum(week["visits_completed"]["value"] or 0 for week in weeks)
    assert total == 8 or any(week["visits_completed"]["suppressed"] for week in weeks)


def test_street_staff_scoped_to_their_communities(city):
    rows = client_for(city.street_staff).get("/api/v1/stats/communities/").json()["results"]
    assert [row["id"] for row in rows] == [city.community.pk]
    overview = client_for(city.street_staff).get("/api/v1/stats/overview/").json()
    assert overview["residents_60_plus_served"]["value"] == 6


@pytest.mark.parametrize("username", ["alice", "grandma", "daughter"])
def test_stats_refused_to_non_staff(city, username):
    user = User.objects.get(username=username)
    assert client_for(user).get("/api/v1/stats/overview/").status_code == 403
    assert client_for().get("/api/v1/stats/overview/").status_code in (401, 403)


def test_figures_count_every_committed_change_and_say_when(city):
    client = client_for(city.civil)
    began = timezone.now()
    first = client.get("/api/v1/stats/overview/").json()
    _served(city.community, 5)
    second = client.get("/api/v1/stats/overview/").json()
    assert first["visits_by_status"]["completed"] == {"value": 8, "suppressed": False}
    assert second["visits_by_status"]["completed"] == {"value": 13, "suppressed": False}
    assert second["generated_at"] == second["computed_at"]
    # The allowance block (counted from the ledger, kept a minute) is as old as the first read.
    assert second["age_seconds"] <= (timezone.now() - began).total_seconds() + 1
    assert "cache_seconds" not in second


@contextlib.contextmanager
def _refresh_running_elsewhere():
    """Another process holds the refresh lock (a slow refresh), on its own connection."""
    settings = connection.settings_dict
    other = psycopg2.connect(
        dbname=settings["NAME"], user=settings["USER"], password=settings["PASSWORD"] or None,
        host=settings["HOST"] or None, port=settings["PORT"] or None,
    )  # fmt: skip
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [rollups._LOCK])
        yield
    finally:
        other.close()


def test_stats_age_is_the_age_of_the_oldest_change_not_yet_counted(city):
    """While a refresh runs elsewhere, readers serve the rollups as they are, saying since
    when changes wait: 187 s old, not "cached for 60 s"."""
    client = client_for(city.civil)
    noted = timezone.now() - datetime.timedelta(seconds=187)
    RollupDirty.objects.update(noted_at=noted)  # the city's 8 served, noted 187 s ago
    with _refresh_running_elsewhere():
        body = client.get("/api/v1/stats/overview/").json()
    computed_at = datetime.datetime.fromisoformat(body["computed_at"])
    assert abs(computed_at - noted) < datetime.timedelta(seconds=1)
    assert 187 <= body["age_seconds"] <= 190
    # The figure as counted so far (none of the 8 yet), not what the tables hold now.
    assert body["residents_60_plus_served"] == {"value": 0, "suppressed": False}
    after = client.get("/api/v1/stats/overview/").json()  # the lock is free again
    assert after["residents_60_plus_served"] == {"value": 8, "suppressed": False}
    assert after["age_seconds"] <= 1


def test_stats_age_of_a_fresh_figure_is_zero(city):
    body = client_for(city.civil).get("/api/v1/stats/streets/").json()

    assert body["age_seconds"] == 0
    assert abs(datetime.datetime.fromisoformat(body["computed_at"]) - timezone.now()) < (
        datetime.timedelta(seconds=5)
    )


def test_stats_queries_do_not_grow_with_communities(cast):
    def queries(level):
        cache.clear()
        # Fold the changes in first: the refresh's work follows the changes, not the city.
        rollups.rollups_refresh()
        with CaptureQueriesContext(connection) as captured:
            stats_by_area(StatsFilter(date_from=datetime.date(2000, 1, 1)), level=level)
        return len(captured)

    first = queries("community")  # the city's first read registers its suppression scope
    small = queries("community")
    for _ in range(10):
        _served(f.CommunityFactory(street=cast.east_street), 1)
    # The rows' sums, the scope's map and id, as-of, and the stored suppression cells; the
    # refresh (not the read) re-registered the city on its new map.
    assert queries("community") == small <= 12
    assert first > small
    assert len(stats_overview(StatsFilter())["requests_by_status"]) == 5


def test_dashboard_token_issued_by_civil_sees_only_stats(city):
    issued = client_for(city.civil).post("/api/v1/dashboard-tokens/", {"name": "市民政局大屏"})
    assert issued.status_code == 201
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issued.json()['token']}")
    assert client.get("/api/v1/stats/overview/").status_code == 200
    assert client.get("/api/v1/stats/communities/").status_code == 200
    for name in ("residents", "communities", "visits", "organizations", "dashboard-tokens"):
        assert client.get(f"/api/v1/{name}/").status_code == 403
    listed = client_for(city.civil).get("/api/v1/dashboard-tokens/").json()["results"]
    assert [row["name"] for row in listed] == ["市民政局大屏"]
    assert "token" not in listed[0]


def test_dashboard_token_refused_to_other_roles_and_revocable(city):
    before = User.objects.filter(role=Role.DASHBOARD).count()
    for user in (city.street_staff, city.member):
        assert client_for(user).post("/api/v1/dashboard-tokens/", {"name": "x"}).status_code == 403
    assert User.objects.filter(role=Role.DASHBOARD).count() == before
    issued = client_for(city.civil).post("/api/v1/dashboard-tokens/", {"name": "大屏"}).json()
    assert (
        client_for(city.civil).delete(f"/api/v1/dashboard-tokens/{issued['id']}/").status_code
        == 204
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issued['token']}")
    assert client.get("/api/v1/stats/overview/").status_code in (401, 403)
    assert not User.objects.get(pk=issued["id"]).is_active


def test_dashboard_token_needs_a_name(city):
    response = client_for(city.civil).post("/api/v1/dashboard-tokens/", {"name": ""})
    assert response.status_code == 400
    assert "name" in response.json()["errors"]
