"""Requests alike in everything the objective sees enter the flow as one class (core._Graph).

The compressed flow must give plans of exactly the objective of the uncompressed one (one
arc per pair) and of brute force; a control merging requests of different priority must
be caught by the same checks.
"""

import random
from collections import Counter

import pytest

from services.matching import core
from services.matching.core import Window, feasible, priority, solve
from tests.services.test_matching_core import _brute_force, _objective, _offering, _request

UNCOMPRESSED = 10**9  # SLOT_MIN_REQUESTS no key reaches: one arc per pair, no classes
COMPRESSED = 1  # every request without a choice of its own in a class


@pytest.fixture(autouse=True)
def _slots_by_size_alone(monkeypatch):
    """SLOT_MIN_REQUESTS alone decides who is in slots here (the instances are small)."""
    monkeypatch.setattr(core, "SLOT_MIN_PAIRS", 0)


def _alike_instance(rng: random.Random, n_requests: int, n_offerings: int):
    """Few communities, hours, weekday patterns and priorities: classes of several requests."""
    place = {1: (37.80, 112.50), 2: (37.83, 112.55)}
    requests = []
    for i in range(n_requests):
        community_id = rng.choice([1, 2])
        requests.append(
            _request(
                i,
                community_id=community_id,
                days_mask=rng.choice([0b1, 0b11, 0b110, 0b1111111]),
                start=8 * 60,
                end=rng.choice([12, 18]) * 60,
                urgent=rng.random() < 0.15,
                living_alone=rng.random() < 0.4,
                days_waited=rng.choice([0, 10, 70, 80]),
                lat=place[community_id][0],
                lon=place[community_id][1],
                preferred_organization_id=1 if rng.random() < 0.1 else None,
            )
        )
    offerings = [
        _offering(
            100 + j,
            organization_id=j,
            served_community_ids=frozenset(rng.sample([1, 2], rng.randint(1, 2))),
            windows=tuple(Window(d, 9 * 60, 11 * 60) for d in rng.sample(range(7), 2)),
            remaining=rng.randint(0, 3),
            lat=37.80 + rng.random() / 20,
            lon=112.50 + rng.random() / 20,
        )
        for j in range(n_offerings)
    ]
    return requests, offerings


def _plan_objective(requests, offerings):
    proposals = solve(requests, offerings)
    assignment = {p.request_id: p.offering_id for p in proposals}
    assert len(assignment) == len(proposals)
    by_request = {r.id: r for r in requests}
    by_offering = {o.id: o for o in offerings}
    for p in proposals:
        assert feasible(by_request[p.request_id], by_offering[p.offering_id])
        assert p.priority == priority(by_request[p.request_id])
    for offering_id, used in Counter(assignment.values()).items():
        assert used <= by_offering[offering_id].remaining
    return _objective(requests, offerings, assignment), proposals


def test_classes_hold_several_requests_and_the_plan_equals_brute_force(monkeypatch):
    monkeypatch.setattr(core, "SLOT_MIN_REQUESTS", COMPRESSED)
    rng = random.Random(15_2026)
    merged = 0
    for _ in range(120):
        requests, offerings = _alike_instance(rng, 7, 3)
        graph = core._Graph.of(requests, offerings)
        merged += int((graph.class_sizes > 1).any())
        objective, _proposals = _plan_objective(requests, offerings)
        assert objective == _brute_force(requests, offerings)
    assert merged >= 20  # the instances do exercise classes of several requests


def _compare(monkeypatch, rng, rounds: int) -> list[bool]:
    """For each instance: does the compressed plan's objective equal the uncompressed one's?"""
    equal = []
    for _ in range(rounds):
        requests, offerings = _alike_instance(rng, 150, 10)
        outcomes = []
        for slot_min in (COMPRESSED, UNCOMPRESSED):
            monkeypatch.setattr(core, "SLOT_MIN_REQUESTS", slot_min)
            outcomes.append(_plan_objective(requests, offerings)[0])
        equal.append(outcomes[0] == outcomes[1])
    return equal


def test_compressed_and_uncompressed_flows_give_the_same_objective(monkeypatch):
    rng = random.Random(7)
    monkeypatch.setattr(core, "SLOT_MIN_REQUESTS", COMPRESSED)
    requests, offerings = _alike_instance(rng, 150, 10)
    graph = core._Graph.of(requests, offerings)
    plain = sum(1 for r in requests if r.preferred_organization_id is None)
    assert len(graph.class_sizes) < 0.6 * plain and graph.class_sizes.max() >= 4
    assert all(_compare(monkeypatch, random.Random(8), 25))


def test_control_merging_different_priorities_is_caught(monkeypatch):
    """Classes keyed by group alone (ranks merged, the class weighed as its highest member)."""
    monkeypatch.setattr(core, "_class_keys", lambda groups, ranks: groups + 1)
    assert not all(_compare(monkeypatch, random.Random(8), 25))


def test_within_a_class_the_longest_waiting_are_served_first(monkeypatch):
    monkeypatch.setattr(core, "SLOT_MIN_REQUESTS", COMPRESSED)
    rng = random.Random(3)
    checked = 0
    # 60 instances: which of several equally good plans the flow returns decides how many
    # classes end up partly served (7 in the first 30 since the hubs, 10+ before).
    for _ in range(60):
        requests, offerings = _alike_instance(rng, 60, 4)
        served = {p.request_id for p in solve(requests, offerings)}
        classes = {}
        for r in requests:
            if r.preferred_organization_id is None:
                key = (r.community_id, r.end, r.days_mask, priority(r))
                classes.setdefault(key, []).append(r)
        for members in classes.values():
            ranked = sorted(members, key=lambda r: (-r.days_waited, r.id))
            flags = [r.id in served for r in ranked]
            # Served members come first: no served one after an unserved one.
            assert flags == sorted(flags, reverse=True)
            checked += 0 < sum(flags) < len(flags)
    assert checked >= 10  # classes only partly served do occur


def _hub_instance(rng: random.Random, n_requests: int, n_offerings: int):
    """Several hours per place and windows that fit some of them: hubs shared and merged."""
    place = {1: (37.80, 112.50), 2: (37.83, 112.55)}
    hours = [(8, 12), (13, 18), (8, 18), (9, 17)]
    requests = []
    for i in range(n_requests):
        community_id = rng.choice([1, 2])
        start, end = rng.choice(hours)
        requests.append(
            _request(
                i,
                community_id=community_id,
                days_mask=rng.choice([0b1, 0b10, 0b11, 0b101, 0b1111111]),
                start=start * 60,
                end=end * 60,
                urgent=rng.random() < 0.15,
                days_waited=rng.choice([0, 10, 70]),
                lat=place[community_id][0],
                lon=place[community_id][1],
                preferred_organization_id=1 if rng.random() < 0.1 else None,
            )
        )
    offerings = []
    for j in range(n_offerings):
        start, end = rng.choice([(9, 11), (14, 17), (9, 12), (10, 16)])
        offerings.append(
            _offering(
                100 + j,
                organization_id=j,
                served_community_ids=frozenset(rng.sample([1, 2], rng.randint(1, 2))),
                windows=tuple(Window(d, start * 60, end * 60) for d in rng.sample(range(3), 2)),
                remaining=rng.randint(0, 3),
                lat=37.80 + rng.random() / 20,
                lon=112.50 + rng.random() / 20,
            )
        )
    return requests, offerings


def test_hubs_keep_the_pairs_and_the_plan(monkeypatch):
    """Slot arcs through hubs (shared by a place's hours, merged where slots have the same
    hubs, where a slot has one hub or a hub one slot, and requests of twin slots in one
    class): brute force on small instances, one arc per pair on larger ones."""
    monkeypatch.setattr(core, "SLOT_MIN_REQUESTS", COMPRESSED)
    rng = random.Random(2026_12_04)
    for _ in range(80):
        requests, offerings = _hub_instance(rng, 6, 3)
        objective, _proposals = _plan_objective(requests, offerings)
        assert objective == _brute_force(requests, offerings)
    shapes = Counter()
    for _ in range(20):
        requests, offerings = _hub_instance(rng, 150, 10)
        graph = core._Graph.of(requests, offerings)
        shapes["links"] += len(graph.link_tails) > 0  # slots reaching several shared hubs
        shapes["fewer arcs"] += len(graph.slot_ids) + len(graph.link_tails) < _slot_pairs(graph)
        members = [requests[i] for i in graph.plain.tolist()]
        ends = core.np.cumsum(graph.class_sizes).tolist()
        hours = [
            {(r.start, r.end) for r in members[e - k : e]}
            for e, k in zip(ends, graph.class_sizes.tolist(), strict=True)
        ]
        shapes["classes across hours"] += any(len(h) > 1 for h in hours)  # twin slots
        outcomes = []
        for slot_min in (COMPRESSED, UNCOMPRESSED):
            monkeypatch.setattr(core, "SLOT_MIN_REQUESTS", slot_min)
            outcomes.append(_plan_objective(requests, offerings)[0])
        monkeypatch.setattr(core, "SLOT_MIN_REQUESTS", COMPRESSED)
        assert outcomes[0] == outcomes[1]
    assert shapes["links"] >= 15 and shapes["fewer arcs"] >= 15
    assert shapes["classes across hours"] >= 15


def _slot_pairs(graph) -> int:
    """Slot → offering arcs without hubs: each slot's offerings, through links and hubs."""
    reach = {}
    for node, offering in zip(graph.slot_ids.tolist(), graph.slot_offerings.tolist(), strict=True):
        reach.setdefault(node, set()).add(offering)
    linked = {}
    for tail, head in zip(graph.link_tails.tolist(), graph.link_heads.tolist(), strict=True):
        linked.setdefault(tail, set()).update(reach[head])
    for node, offerings in linked.items():
        reach[node] = reach.get(node, set()) | offerings
    targets = graph.class_targets.tolist()
    entered = set(graph.group_slots.tolist()) | {t for t in targets if t < graph.slots}
    return sum(len(reach[node]) for node in entered)


def test_control_hubs_ignoring_the_hours_are_caught(monkeypatch):
    """Every slot linked to every hub of its place and weekday (the hours ignored): a slot
    would reach offerings whose windows do not fit its hours. The same checks catch it."""
    real = core._links

    def hours_ignored(hub_keys, distinct_masks, place, within, hub_count):
        links = real(hub_keys, distinct_masks, place, within, hub_count).tolist()
        hub_days = (hub_keys // len(distinct_masks)).tolist()
        slots = {link // hub_count for link in links}
        links += [
            slot * hub_count + hub
            for slot in slots
            for hub, day in enumerate(hub_days)
            if day == int(place[slot // 7]) * 7 + slot % 7
        ]
        return core.np.unique(core.np.asarray(links, core.np.int64))

    monkeypatch.setattr(core, "SLOT_MIN_REQUESTS", COMPRESSED)
    monkeypatch.setattr(core, "_links", hours_ignored)
    rng = random.Random(2026_12_04)
    caught = 0
    for _ in range(80):
        requests, offerings = _hub_instance(rng, 6, 3)
        try:
            objective, _proposals = _plan_objective(requests, offerings)
        except AssertionError:  # a proposal the windows do not allow
            caught += 1
            continue
        caught += objective != _brute_force(requests, offerings)
    assert caught > 0
