"""The router's choices: statistics to the replica when there is one, everything else default."""

import pytest
from django.conf import settings

from communities.models import Community
from sanlian.routers import ReplicaRouter, statistics_database, statistics_reads
from services.models import Match


@pytest.fixture
def replica(monkeypatch):
    """A "replica" alias as DATABASE_REPLICA_URL would add (the router only asks if it exists)."""
    monkeypatch.setitem(settings.DATABASES, "replica", {**settings.DATABASES["default"]})


class _ReportRow:
    read_from_replica = True


def test_router_without_replica_leaves_every_read_to_default():
    router = ReplicaRouter()
    with statistics_reads():
        assert router.db_for_read(Community) is None
        assert Community.objects.all().db == "default"
    assert statistics_database() == "default"


def test_router_sends_statistics_reads_to_the_replica(replica):
    with statistics_reads():
        assert ReplicaRouter().db_for_read(Community) == "replica"
        assert Community.objects.all().db == "replica"
    assert statistics_database() == "replica"


def test_router_keeps_other_reads_on_default_when_a_replica_exists(replica):
    assert ReplicaRouter().db_for_read(Match) == "default"
    assert Match.objects.all().db == "default"


def test_router_honours_a_model_that_asks_for_the_replica(monkeypatch):
    router = ReplicaRouter()
    assert router.db_for_read(_ReportRow) is None
    monkeypatch.setitem(settings.DATABASES, "replica", {**settings.DATABASES["default"]})
    assert router.db_for_read(_ReportRow) == "replica"


def test_router_writes_always_go_to_default(replica):
    with statistics_reads():
        assert ReplicaRouter().db_for_write(Community) == "default"


def test_router_statistics_block_ends_with_the_block(replica):
    with statistics_reads():
        pass
    assert Community.objects.all().db == "default"


def test_router_never_migrates_the_replica():
    router = ReplicaRouter()
    assert router.allow_migrate("default", "communities") is True
    assert router.allow_migrate("replica", "communities") is False


@pytest.mark.django_db
def test_router_relates_objects_read_from_either_alias(cast):
    from_replica = Community.objects.get(pk=cast.community.pk)
    from_replica._state.db = "replica"
    assert ReplicaRouter().allow_relation(from_replica, cast.east_street) is True
    elsewhere = Community(name="x")
    elsewhere._state.db = "archive"
    assert ReplicaRouter().allow_relation(elsewhere, cast.east_street) is None


def test_settings_install_the_router():
    assert "sanlian.routers.ReplicaRouter" in settings.DATABASE_ROUTERS


@pytest.mark.django_db
def test_stats_figures_are_computed_inside_a_statistics_block(replica):
    from reporting.stats import StatsFilter, _cached

    seen = {}

    def compute() -> dict:
        seen["alias"] = ReplicaRouter().db_for_read(Community)
        return {}

    _cached("router-probe", StatsFilter(), compute)
    assert seen["alias"] == "replica"
