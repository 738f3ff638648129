"""The pure matching core: optimality against brute force, priorities, hard rules, reasons."""

import itertools
import random
from collections import Counter

from bench.baselines import greedy
from services.matching.core import (
    DAYS_WAITED_CAP,
    WEIGHT_URGENT,
    OfferingInput,
    RequestInput,
    Window,
    distance_km,
    distance_steps,
    feasible,
    load_tiers,
    priority,
    reason,
    solve,
)

MORNING = (Window(0, 9 * 60, 12 * 60),)


def _request(id, **kwargs) -> RequestInput:
    values = {
        "service_type_id": 1,
        "community_id": 1,
        "days_mask": 0b1111111,
        "start": 8 * 60,
        "end": 18 * 60,
    }
    return RequestInput(id=id, **{**values, **kwargs})


def _offering(id, **kwargs) -> OfferingInput:
    values = {
        "organization_id": 1,
        "service_type_id": 1,
        "served_community_ids": frozenset({1}),
        "windows": MORNING,
        "remaining": 1,
    }
    return OfferingInput(id=id, **{**values, **kwargs})


def _random_instance(rng: random.Random, n_requests: int, n_offerings: int):
    requests = [
        _request(
            i,
            service_type_id=rng.choice([1, 2]),
            community_id=rng.choice([1, 2, 3]),
            days_mask=rng.randint(1, 127),
            start=rng.choice([8, 10, 14]) * 60,
            end=rng.choice([12, 16, 18]) * 60 + 60,
            urgent=rng.random() < 0.2,
            living_alone=rng.random() < 0.3,
            care_level=rng.choice(["self_reliant", "semi_dependent", "dependent"]),
            age=rng.randint(60, 95),
            days_waited=rng.randint(0, 90),
            lat=37.8 + rng.random() / 10,
            lon=112.5 + rng.random() / 10,
        )
        for i in range(n_requests)
    ]
    offerings = [
        _offering(
            100 + j,
            organization_id=j,
            service_type_id=rng.choice([1, 2]),
            served_community_ids=frozenset(rng.sample([1, 2, 3], rng.randint(1, 3))),
            windows=tuple(
                Window(rng.randint(0, 6), h * 60, h * 60 + rng.choice([60, 120, 180]))
                for h in rng.sample([8, 9, 13, 15], rng.randint(1, 3))
            ),
            remaining=rng.randint(0, 3),
            lat=37.8 + rng.random() / 10,
            lon=112.5 + rng.random() / 10,
        )
        for j in range(n_offerings)
    ]
    return requests, offerings


def _objective(requests, offerings, assignment: dict[int, int]) -> tuple[int, int]:
    """(priority served, secondary cost): what the solver maximises, then minimises."""
    by_id = {o.id: o for o in offerings}
    served = sum(priority(r) for r in requests if r.id in assignment)
    secondary = sum(
        distance_steps(distance_km(r, by_id[assignment[r.id]]))
        for r in requests
        if r.id in assignment
    )
    for offering_id, used in Counter(assignment.values()).items():
        costs = sorted(
            c for places, c in load_tiers(by_id[offering_id].remaining) for _ in range(places)
        )
        secondary += sum(costs[:used])
    return served, secondary


def _brute_force(requests, offerings) -> tuple[int, int]:
    options = [[None] + [o.id for o in offerings if feasible(r, o)] for r in requests]
    capacity = {o.id: o.remaining for o in offerings}
    best = (0, 0)
    for choice in itertools.product(*options):
        used = Counter(c for c in choice if c is not None)
        if any(used[o] > capacity[o] for o in used):
            continue
        assignment = {r.id: c for r, c in zip(requests, choice, strict=True) if c is not None}
        served, secondary = _objective(requests, offerings, assignment)
        if (served, -secondary) > (best[0], -best[1]):
            best = (served, secondary)
    return best


def test_solve_equals_brute_force_optimum_on_random_instances():
    rng = random.Random(20260312)
    for _ in range(150):
        requests, offerings = _random_instance(rng, 5, 3)
        proposals = solve(requests, offerings)
        assignment = {p.request_id: p.offering_id for p in proposals}
        assert _objective(requests, offerings, assignment) == _brute_force(requests, offerings)


def test_solve_always_respects_capacity_and_feasibility():
    rng = random.Random(7)
    for _ in range(60):
        requests, offerings = _random_instance(rng, 40, 8)
        proposals = solve(requests, offerings)
        by_request = {r.id: r for r in requests}
        by_offering = {o.id: o for o in offerings}
        assert len({p.request_id for p in proposals}) == len(proposals)
        for offering_id, used in Counter(p.offering_id for p in proposals).items():
            assert used <= by_offering[offering_id].remaining
        for p in proposals:
            assert feasible(by_request[p.request_id], by_offering[p.offering_id])


def test_solve_serves_the_higher_priorities_when_places_are_short():
    requests = [
        _request(1, days_waited=3),
        _request(2, urgent=True),
        _request(3, living_alone=True, age=85),
        _request(4, care_level="dependent"),
    ]
    proposals = solve(requests, [_offering(10, remaining=2)])
    assert {p.request_id for p in proposals} == {2, 3}


def test_priority_urgency_outweighs_every_other_fact():
    most_vulnerable = _request(
        1, living_alone=True, care_level="dependent", age=99, days_waited=10_000
    )
    assert priority(_request(2, urgent=True)) > priority(most_vulnerable)
    assert priority(most_vulnerable) - priority(_request(3)) < WEIGHT_URGENT


def test_priority_days_waited_is_capped():
    assert priority(_request(1, days_waited=DAYS_WAITED_CAP)) == priority(
        _request(2, days_waited=DAYS_WAITED_CAP + 30)
    )
    assert priority(_request(3, days_waited=5)) > priority(_request(4, days_waited=4))


def test_feasible_requires_type_community_and_a_window_long_enough():
    offering = _offering(10, duration=60, windows=(Window(2, 9 * 60, 11 * 60),))
    wednesday = 1 << 2
    assert feasible(_request(1, days_mask=wednesday), offering)
    assert not feasible(_request(2, days_mask=1 << 3), offering)  # Thursday only
    assert not feasible(_request(3, days_mask=wednesday, start=10 * 60 + 30), offering)
    assert not feasible(_request(4, days_mask=wednesday, service_type_id=2), offering)
    assert not feasible(_request(5, days_mask=wednesday, community_id=9), offering)
    assert not feasible(_request(6, days_mask=wednesday), _offering(11, remaining=0))


def test_solve_prefers_the_nearer_offering_when_priorities_tie():
    request = _request(1, lat=37.85, lon=112.55)
    near = _offering(10, lat=37.851, lon=112.551)
    far = _offering(11, lat=37.95, lon=112.65)
    assert [p.offering_id for p in solve([request], [far, near])] == [10]


def test_solve_spreads_load_over_offerings_of_equal_distance():
    requests = [_request(i) for i in range(4)]
    proposals = solve(requests, [_offering(10, remaining=4), _offering(11, remaining=4)])
    assert Counter(p.offering_id for p in proposals) == {10: 2, 11: 2}


def test_reason_lists_the_facts_in_readable_chinese():
    request = _request(1, living_alone=True, days_waited=6, community_id=1)
    offering = _offering(10, home_community_id=1)
    assert reason(request, offering, None) == "同社区；独居；已等待6天"
    urgent = _request(2, urgent=True, care_level="dependent", age=83, community_id=2)
    agreed = _offering(11, served_community_ids=frozenset({2}), agreement_community_ids={2})
    assert reason(urgent, agreed, 1.234) == "已签入驻协议；紧急；失能；83岁；距离1.2公里"
    listed = _offering(12, served_community_ids=frozenset({1}))
    assert (
        reason(_request(3, care_level="semi_dependent"), listed, None) == "服务覆盖本社区；半失能"
    )


def test_solve_returns_nothing_without_feasible_pairs():
    assert solve([_request(1, service_type_id=2)], [_offering(10)]) == []
    assert solve([], []) == []


def test_greedy_never_serves_more_priority_than_solve():
    rng = random.Random(11)
    for _ in range(40):
        requests, offerings = _random_instance(rng, 30, 6)
        by_id = {r.id: r for r in requests}
        optimal = sum(priority(by_id[p.request_id]) for p in solve(requests, offerings))
        baseline = sum(priority(by_id[p.request_id]) for p in greedy(requests, offerings))
        assert baseline <= optimal
