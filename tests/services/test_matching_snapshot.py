"""A run reads a snapshot, solves with no transaction open, then writes re-checking it.

Real transactions on PostgreSQL (tests/services/_races.py): what happens while the solve
runs is committed by other code, as it would be by another request or worker.
"""

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.db.models import Count

from communities.models import Resident
from services.care.domain.requests import request_cancel
from services.matching import core, io
from services.models import Match, OfferingWeek, ServiceRequest, UnservedRequest
from tests import factories as f
from tests.services._races import RACES_ON_POSTGRESQL

pytestmark = RACES_ON_POSTGRESQL


def _scene(cast, requests: int = 6, capacity: int = 6):
    visits = f.ServiceTypeFactory(code="visits", name="探访")
    offering = f.OfferingFactory(
        organization=cast.organization, service_type=visits, weekly_capacity=capacity
    )
    f.OfferingWindowFactory(offering=offering, weekday=0)
    made = [
        f.ServiceRequestFactory(
            resident=f.ResidentFactory(community=cast.community), service_type=visits
        )
        for _ in range(requests)
    ]
    return offering, made


def _during_solve(monkeypatch, action):
    """Run `action` inside the solve, recording whether a transaction was open."""
    real_plan = core.plan
    seen = {}

    def plan(*args, **kwargs):
        seen["in_transaction"] = connection.in_atomic_block
        action()
        return real_plan(*args, **kwargs)

    monkeypatch.setattr(core, "plan", plan)
    return seen


def test_solve_runs_with_no_transaction_open(cast, clock, monkeypatch):
    _scene(cast)
    seen = _during_solve(monkeypatch, lambda: None)
    io.matching_run(user=cast.civil, community=cast.community, week_start=clock.next_monday)
    assert seen == {"in_transaction": False}


def test_request_cancelled_during_the_solve_is_not_proposed(cast, clock, monkeypatch):
    _offering, requests = _scene(cast)
    victim = requests[0]
    seen = _during_solve(
        monkeypatch,
        lambda: request_cancel(service_request=victim, actor=cast.civil, reason="已住院"),
    )

    run = io.matching_run(user=cast.civil, community=cast.community, week_start=clock.next_monday)

    assert seen == {"in_transaction": False}
    assert ServiceRequest.objects.get(pk=victim.pk).status == ServiceRequest.Status.CANCELLED
    assert not Match.objects.filter(request=victim).exists()
    assert not UnservedRequest.objects.filter(request=victim).exists()
    assert run.matches.count() == 5
    assert run.stats["skipped"] == {"request_changed": 1, "offering_changed": 0}
    assert run.stats["served"] == 5


def test_request_whose_resident_moved_out_of_scope_during_the_solve_is_not_proposed(
    cast, clock, monkeypatch
):
    """The re-check locks the scope's open requests by community: one that left the scope
    since the snapshot gets neither a proposal nor a verdict from this run."""
    _offering, requests = _scene(cast)
    mover = requests[0].resident

    def moved():
        Resident.objects.filter(pk=mover.pk).update(community=cast.other_community)

    _during_solve(monkeypatch, moved)

    run = io.matching_run(user=cast.civil, community=cast.community, week_start=clock.next_monday)

    assert not Match.objects.filter(request=requests[0]).exists()
    assert not UnservedRequest.objects.filter(request=requests[0]).exists()
    assert run.matches.count() == 5
    assert run.stats["skipped"] == {"request_changed": 1, "offering_changed": 0}


def test_places_lost_during_the_solve_keep_the_highest_priority(cast, clock, monkeypatch):
    offering, requests = _scene(cast, requests=4, capacity=4)
    ServiceRequest.objects.filter(pk=requests[2].pk).update(urgent=True)

    def confirm_elsewhere():
        OfferingWeek.objects.create(
            offering=offering, week_start=clock.next_monday, capacity=4, reserved=3
        )

    _during_solve(monkeypatch, confirm_elsewhere)
    run = io.matching_run(user=cast.civil, community=cast.community, week_start=clock.next_monday)

    assert list(run.matches.values_list("request_id", flat=True)) == [requests[2].pk]
    changed = UnservedRequest.objects.filter(run=run, code=UnservedRequest.Code.CHANGED)
    assert changed.count() == 3
    assert run.stats["skipped"] == {"request_changed": 0, "offering_changed": 3}
    assert run.stats["unserved"] == {"changed": 3}


def test_a_failed_solve_writes_nothing_and_releases_the_scope(cast, clock, monkeypatch):
    _scene(cast)

    def boom():
        raise RuntimeError("solver died")

    _during_solve(monkeypatch, boom)
    with pytest.raises(RuntimeError):
        io.matching_run(user=cast.civil, community=cast.community, week_start=clock.next_monday)
    assert not Match.objects.exists()
    monkeypatch.undo()
    run = io.matching_run(user=cast.civil, community=cast.community, week_start=clock.next_monday)
    assert run.matches.count() == 6


def _open_proposals_per_request():
    return (
        Match.objects.filter(status=Match.Status.PROPOSED)
        .values("request")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )


@pytest.mark.parametrize(
    "scopes",
    [
        [{"community": "community"}, {"community": "community"}],
        [{"city": True}, {"street": "east_street"}],
    ],
    ids=["same-scope", "city-and-street"],
)
def test_two_runs_at_once_leave_no_duplicate_open_proposals(cast, clock, monkeypatch, scopes):
    _scene(cast, requests=10, capacity=6)
    real_plan = core.plan
    both_reading = threading.Barrier(2, timeout=20)

    def plan(*args, **kwargs):
        time.sleep(0.3)  # widen the window in which both runs are inside
        return real_plan(*args, **kwargs)

    monkeypatch.setattr(core, "plan", plan)
    outcomes: list[str] = []

    def run(scope):
        resolved = {k: getattr(cast, v) if isinstance(v, str) else v for k, v in scope.items()}
        try:
            both_reading.wait()
            io.matching_run(user=cast.civil, week_start=clock.next_monday, **resolved)
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

    assert len(outcomes) == 2 and "ran" in outcomes
    assert all(o == "ran" or "正在进行" in o for o in outcomes)
    assert not _open_proposals_per_request().exists()
    assert Match.objects.filter(status=Match.Status.PROPOSED).count() == 6
    assert UnservedRequest.objects.filter(current=True).count() == 4


def test_runs_one_after_another_replace_proposals(cast, clock):
    _scene(cast, requests=10, capacity=6)
    for _ in range(3):
        io.matching_run(user=cast.civil, city=True, week_start=clock.next_monday)
    assert not _open_proposals_per_request().exists()
    assert Match.objects.filter(status=Match.Status.PROPOSED).count() == 6
