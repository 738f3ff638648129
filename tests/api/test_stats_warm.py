"""The city-wide statistics are recomputed into the cache by beat, so dashboards never wait."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sanlian.celery import app
from sanlian.models import Role
from sanlian.stats import WARM_SECONDS, StatsFilter
from sanlian.tasks_stats import task_warm_stats
from tests import factories as f
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db


def test_warm_stats_is_scheduled_every_minute():
    entry = app.conf.beat_schedule["warm-stats"]
    assert (entry["task"], entry["schedule"]) == ("sanlian.warm_stats", 60)


def test_warmed_overview_is_served_without_aggregating(cast):
    cache.clear()
    f.ServiceRequestFactory(resident=cast.resident)
    task_warm_stats.delay()
    warmed = cache.get(StatsFilter().cache_key("overview"))
    assert warmed["requests_by_status"]["open"] == {"value": None, "suppressed": True}
    dashboard = f.UserFactory(role=Role.DASHBOARD)
    with CaptureQueriesContext(connection) as queries:
        body = client_for(dashboard).get("/api/v1/stats/overview/").json()
    assert body["generated_at"] == warmed["generated_at"]
    assert not any("services_" in q["sql"] for q in queries.captured_queries)


def test_warming_replaces_stale_figures(cast):
    cache.clear()
    civil = client_for(cast.civil)
    before = civil.get("/api/v1/stats/overview/").json()["requests_by_status"]["open"]
    for _ in range(5):
        f.ServiceRequestFactory(resident=cast.resident)
    assert civil.get("/api/v1/stats/overview/").json()["requests_by_status"]["open"] == before
    task_warm_stats.delay()
    after = civil.get("/api/v1/stats/overview/").json()["requests_by_status"]["open"]
    assert after == {"value": before["value"] + 5 if before["value"] else 5, "suppressed": False}
    assert WARM_SECONDS > 60


def test_street_staff_figures_are_not_the_warmed_city_ones(cast):
    cache.clear()
    f.ServiceRequestFactory(resident=cast.other_resident)
    task_warm_stats.delay()
    street = client_for(cast.street_staff).get("/api/v1/stats/overview/").json()
    city = cache.get(StatsFilter().cache_key("overview"))
    assert street["communities"] < city["communities"]
