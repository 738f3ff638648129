"""The city-wide statistics are recomputed into the cache by beat, so dashboards never wait."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reporting import stats
from reporting.stats import WARM_SECONDS, StatsFilter
from reporting.tasks import task_warm_stats
from sanlian.celery import app
from sanlian.roles import Role
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


def test_cold_figures_are_computed_once_while_other_readers_wait():
    cache.clear()
    calls, started = [], threading.Event()

    def compute():
        calls.append(threading.get_ident())
        started.set()
        time.sleep(0.3)  # the GROUP BYs of a cold city-wide overview
        return {"figure": len(calls)}

    def read():
        return stats._cached("cold-test", StatsFilter(), compute)

    with ThreadPoolExecutor(max_workers=4) as pool:
        first = pool.submit(read)
        started.wait(timeout=5)
        others = [pool.submit(read) for _ in range(3)]
        results = [first.result(timeout=10)] + [other.result(timeout=10) for other in others]
    assert len(calls) == 1
    assert {result["figure"] for result in results} == {1}
    assert len({result["generated_at"] for result in results}) == 1


def test_a_reader_computes_itself_when_the_computing_one_failed(monkeypatch):
    cache.clear()
    key = StatsFilter().cache_key("cold-test")
    cache.set(f"{key}:computing", 1, 1)  # taken by a process that then died
    monkeypatch.setattr(stats.time, "sleep", lambda _seconds: cache.delete(f"{key}:computing"))
    value = stats._cached("cold-test", StatsFilter(), lambda: {"figure": "here"})
    assert value["figure"] == "here"
    assert cache.get(key)["figure"] == "here"
