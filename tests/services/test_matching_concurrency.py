"""Two runs over an overlapping scope and week never both propose (PostgreSQL only)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import Count

from services.matching import core, io
from services.models import Match, UnservedRequest
from tests import factories as f
from tests.services._races import RACES_ON_POSTGRESQL

pytestmark = RACES_ON_POSTGRESQL

# Matching plans next week (clock.next_monday): it refuses weeks that have already passed.


def _scene(cast, requests: int = 12):
    visits = f.ServiceTypeFactory(code="visits", name="探访")
    offering = f.OfferingFactory(
        organization=cast.organization, service_type=visits, weekly_capacity=requests // 2
    )
    f.OfferingWindowFactory(offering=offering, weekday=0)
    for _ in range(requests):
        f.ServiceRequestFactory(
            resident=f.ResidentFactory(community=cast.community), service_type=visits
        )


def _run_at_once(scopes, user, week) -> list[str]:
    start = threading.Barrier(len(scopes), timeout=20)
    outcomes: list[str] = []

    def run(scope):
        try:
            start.wait()
            io.matching_run(user=user, week_start=week, **scope)
            outcomes.append("ran")
        except ValidationError as error:
            outcomes.append(error.messages[0])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(scope,)) for scope in scopes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def _no_duplicate_proposals() -> None:
    doubled = (
        Match.objects.filter(status=Match.Status.PROPOSED)
        .values("request")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert not doubled.exists()


def test_concurrent_runs_over_overlapping_scopes_never_both_propose(cast, clock):
    _scene(cast)
    scopes = [
        {"street": cast.east_street},
        {"community": cast.community},
        {"street": cast.east_street},
    ]
    outcomes = _run_at_once(scopes, cast.civil, clock.next_monday)
    assert "ran" in outcomes and len(outcomes) == 3
    assert all(o == "ran" or "正在进行" in o for o in outcomes)
    _no_duplicate_proposals()
    assert Match.objects.filter(status=Match.Status.PROPOSED).count() == 6
    assert UnservedRequest.objects.filter(current=True).count() == 6


def test_a_run_that_overlaps_a_running_one_is_refused_with_a_message(cast, clock, monkeypatch):
    _scene(cast)
    solving, release = threading.Event(), threading.Event()
    real_plan = core.plan

    def slow_plan(*args, **kwargs):
        solving.set()
        release.wait(timeout=20)
        return real_plan(*args, **kwargs)

    monkeypatch.setattr(core, "plan", slow_plan)
    first: list[str] = []

    def run_first():
        try:
            io.matching_run(user=cast.civil, street=cast.east_street, week_start=clock.next_monday)
            first.append("ran")
        finally:
            connections.close_all()

    thread = threading.Thread(target=run_first)
    thread.start()
    assert solving.wait(timeout=20)
    monkeypatch.setattr(core, "plan", real_plan)
    with pytest.raises(ValidationError, match="正在进行"):
        io.matching_run(user=cast.civil, community=cast.community, week_start=clock.next_monday)
    release.set()
    thread.join(timeout=60)
    assert first == ["ran"]
    _no_duplicate_proposals()
