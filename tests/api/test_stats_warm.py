"""The city-wide statistics are recomputed into the cache by beat, so dashboards never wait."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from reporting import stats
from reporting.models import DailyFigures, RollupDirty
from reporting.stats import WARM_SECONDS, StatsFilter
from reporting.tasks import task_warm_stats
from sanlian.celery import app
from sanlian.roles import Role
from services.models import ServiceRequest
from tests import factories as f
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db


def test_warm_stats_is_scheduled_every_minute():
    entry = app.conf.beat_schedule["warm-stats"]
    assert (entry["task"], entry["schedule"]) == ("sanlian.warm_stats", 60)


def test_warmed_overview_reads_the_rollups_not_the_raw_tables(cast):
    cache.clear()
    f.ServiceRequestFactory(resident=cast.resident)
    task_warm_stats.delay()
    assert not RollupDirty.objects.exists()  # beat folded the change into the rollups
    dashboard = f.UserFactory(role=Role.DASHBOARD)
    with CaptureQueriesContext(connection) as queries:
        body = client_for(dashboard).get("/api/v1/stats/overview/").json()
    assert body["requests_by_status"]["open"] == {"value": None, "suppressed": True}
    raw = ("services_servicerequest", "services_visit", "services_feedback")
    assert not any(table in q["sql"] for q in queries.captured_queries for table in raw)
    assert any("reporting_dailyfigures" in q["sql"] for q in queries.captured_queries)


def test_warming_folds_waiting_changes_into_the_rollups(cast):
    cache.clear()
    civil = client_for(cast.civil)
    before = civil.get("/api/v1/stats/overview/").json()["requests_by_status"]["open"]
    for _ in range(5):
        f.ServiceRequestFactory(resident=cast.resident)
    assert RollupDirty.objects.filter(family="r").exists()
    task_warm_stats.delay()
    assert not RollupDirty.objects.exists()
    opened = DailyFigures.objects.aggregate(n=Sum("requests_open"))["n"]
    assert opened == ServiceRequest.objects.filter(status="open").count() >= 5
    after = civil.get("/api/v1/stats/overview/").json()["requests_by_status"]["open"]
    assert after == {"value": (before["value"] or 0) + 5, "suppressed": False}
    assert WARM_SECONDS > 60


def test_street_staff_figures_are_not_the_city_ones(cast):
    cache.clear()
    f.ServiceRequestFactory(resident=cast.other_resident)
    task_warm_stats.delay()
    street = client_for(cast.street_staff).get("/api/v1/stats/overview/").json()
    city = client_for(cast.civil).get("/api/v1/stats/overview/").json()
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
