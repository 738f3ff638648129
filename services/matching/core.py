"""The pure matching core: plain data in, proposals out. No Django, no ORM.

Which pairs are feasible
    Same service type; the offering serves the request's community (an active
    agreement or the offering lists it); and on one of the request's preferred
    weekdays an offering window overlaps the request's preferred hours for at
    least the service's duration. A mere touch of two windows is not enough: the
    visit has to fit.

What is optimised, in strict order (each level outweighs everything below it)
    1. the priority-weighted number of requests served (`priority()`);
    2. the total distance between resident and provider (in 100 m steps);
    (1b. with `fairness`: a bonus for serving communities whose coverage is low, see
        COMMUNITY_FAIRNESS; it can outweigh small priority differences, never urgency;)
    3. load spread: each offering's remaining places are split into tiers whose
       unit cost rises with the share of its capacity already used, so work goes
       to the offering that is least busy relative to its size.

The problem is solved as a min-cost flow with OR-Tools:
source → request (cap 1) → offering (cap 1) → tiers → sink, plus one
source → sink bypass so requests may stay unserved.
"""

import functools
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from ortools.graph.python import min_cost_flow

# Priority weights. Urgency outweighs every other fact put together
# (100 + 80 + 50 + 120 = 350 < 1000), so an urgent request is always served first.
WEIGHT_BASE = 10  # every request is worth serving, even one filed today
WEIGHT_URGENT = 1000
WEIGHT_LIVING_ALONE = 100
WEIGHT_DEPENDENT = 80
WEIGHT_SEMI_DEPENDENT = 40
WEIGHT_AGE_80_PLUS = 50
WEIGHT_PER_DAY_WAITED = 2
DAYS_WAITED_CAP = 60  # beyond two months waiting, other facts decide

DISTANCE_STEP_KM = 0.1
DISTANCE_STEPS_CAP = 1000  # 100 km: anything farther costs the same
DISTANCE_STEPS_UNKNOWN = 50  # no coordinates: treat as 5 km, neither near nor far
LOAD_TIERS = 10
# Community-coverage bonus, in priority points, for the first tenth of a community's requests
# served (falling by a tenth per tenth). Urgency stays first: the most an urgent request can
# lose to a non-urgent one is 360 (all other facts) + 0.9 × COMMUNITY_FAIRNESS = 765 < 1000.
COMMUNITY_FAIRNESS = 450
_MAX_SECONDARY = DISTANCE_STEPS_CAP + LOAD_TIERS

DEPENDENT = "dependent"
SEMI_DEPENDENT = "semi_dependent"


@dataclass(frozen=True)
class Window:
    weekday: int  # 0 = Monday
    start: int  # minutes after midnight
    end: int


@dataclass(frozen=True)
class RequestInput:
    id: int
    service_type_id: int
    community_id: int
    days_mask: int  # bit d set = weekday d preferred
    start: int  # minutes after midnight
    end: int
    urgent: bool = False
    living_alone: bool = False
    care_level: str = "self_reliant"
    age: int = 70
    days_waited: int = 0
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class OfferingInput:
    id: int
    organization_id: int
    service_type_id: int
    served_community_ids: frozenset[int]
    windows: tuple[Window, ...]
    remaining: int
    duration: int = 60  # minutes one visit takes
    home_community_id: int | None = None  # where the offering's venue is
    agreement_community_ids: frozenset[int] = field(default_factory=frozenset)
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class Proposal:
    request_id: int
    offering_id: int
    priority: int
    distance_km: float | None
    reason: str


def priority(request: RequestInput) -> int:
    """The weight of serving `request`; see the WEIGHT_* constants."""
    score = WEIGHT_BASE + WEIGHT_PER_DAY_WAITED * min(max(request.days_waited, 0), DAYS_WAITED_CAP)
    if request.urgent:
        score += WEIGHT_URGENT
    if request.living_alone:
        score += WEIGHT_LIVING_ALONE
    if request.care_level == DEPENDENT:
        score += WEIGHT_DEPENDENT
    elif request.care_level == SEMI_DEPENDENT:
        score += WEIGHT_SEMI_DEPENDENT
    if request.age >= 80:
        score += WEIGHT_AGE_80_PLUS
    return score


def times_fit(request: RequestInput, offering: OfferingInput) -> bool:
    for window in offering.windows:
        if not request.days_mask & (1 << window.weekday):
            continue
        if min(window.end, request.end) - max(window.start, request.start) >= offering.duration:
            return True
    return False


def feasible(request: RequestInput, offering: OfferingInput) -> bool:
    return (
        offering.remaining > 0
        and request.service_type_id == offering.service_type_id
        and request.community_id in offering.served_community_ids
        and times_fit(request, offering)
    )


def distance_km(request: RequestInput, offering: OfferingInput) -> float | None:
    """Great-circle distance; None when either side has no coordinates."""
    if None in (request.lat, request.lon, offering.lat, offering.lon):
        return None
    lat1, lon1, lat2, lon2 = map(
        math.radians, (request.lat, request.lon, offering.lat, offering.lon)
    )
    a = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 6371.0 * 2 * math.asin(min(1.0, math.sqrt(a)))


def distance_steps(km: float | None) -> int:
    if km is None:
        return DISTANCE_STEPS_UNKNOWN
    return min(round(km / DISTANCE_STEP_KM), DISTANCE_STEPS_CAP)


def reason(request: RequestInput, offering: OfferingInput, km: float | None) -> str:
    """A sentence a person can read, e.g. "同社区；独居；已等待6天"."""
    facts = [_place_fact(request, offering)]
    if request.urgent:
        facts.append("紧急")
    if request.living_alone:
        facts.append("独居")
    if request.care_level == DEPENDENT:
        facts.append("失能")
    elif request.care_level == SEMI_DEPENDENT:
        facts.append("半失能")
    if request.age >= 80:
        facts.append(f"{request.age}岁")
    if request.days_waited > 0:
        facts.append(f"已等待{request.days_waited}天")
    if km is not None:
        facts.append(f"距离{km:.1f}公里")
    return "；".join(facts)


def _place_fact(request: RequestInput, offering: OfferingInput) -> str:
    if offering.home_community_id == request.community_id:
        return "同社区"
    if request.community_id in offering.agreement_community_ids:
        return "已签入驻协议"
    return "服务覆盖本社区"


@functools.lru_cache(maxsize=512)
def load_tiers(remaining: int) -> tuple[tuple[int, int], ...]:
    """(places, unit cost) pairs: the fuller the offering, the dearer the next place."""
    tiers: dict[int, int] = defaultdict(int)
    for used in range(remaining):
        tiers[used * LOAD_TIERS // remaining] += 1
    return tuple(sorted((places, cost) for cost, places in tiers.items()))


def feasible_pairs(
    requests: Sequence[RequestInput], offerings: Iterable[OfferingInput]
) -> list[tuple[int, int]]:
    """Index pairs (request, offering) that may be matched."""
    pair_requests, pair_offerings = _pair_arrays(requests, list(offerings))
    return list(zip(pair_requests.tolist(), pair_offerings.tolist(), strict=True))


def _pair_arrays(requests: Sequence[RequestInput], offerings: Sequence[OfferingInput]):
    """`feasible_pairs` as two index arrays, in numpy: no Python object per candidate pair.

    Candidates come from a join on (service type, community), so the work grows with the
    pairs that share both, not with requests × offerings; the windows are then checked
    for all candidates at once.
    """
    keys: dict[tuple[int, int], int] = {}
    offering_keys, offering_index = [], []
    for j, offering in enumerate(offerings):
        if offering.remaining <= 0:
            continue
        for community_id in offering.served_community_ids:
            key = keys.setdefault((offering.service_type_id, community_id), len(keys))
            offering_keys.append(key)
            offering_index.append(j)
    request_keys = np.fromiter(
        (keys.get((r.service_type_id, r.community_id), -1) for r in requests),
        np.int64,
        len(requests),
    )
    pair_requests, pair_offerings = _join(request_keys, offering_keys, offering_index)
    fits = _times_fit(requests, offerings, pair_requests, pair_offerings)
    return pair_requests[fits], pair_offerings[fits]


def _join(request_keys, offering_keys, offering_index):
    order = np.argsort(np.asarray(offering_keys, np.int64), kind="stable")
    sorted_keys = np.asarray(offering_keys, np.int64)[order]
    sorted_offerings = np.asarray(offering_index, np.int64)[order]
    first = np.searchsorted(sorted_keys, request_keys, "left")
    counts = np.searchsorted(sorted_keys, request_keys, "right") - first
    counts[request_keys < 0] = 0
    pair_requests = np.repeat(np.arange(len(request_keys)), counts)
    within = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    return pair_requests, sorted_offerings[np.repeat(first, counts) + within]


_PAIR_CHUNK = 250_000  # bounds the temporary (pairs × windows) arrays to a few MB each


def _times_fit(requests, offerings, pair_requests, pair_offerings) -> np.ndarray:
    n, m = len(requests), len(offerings)
    days = np.fromiter((r.days_mask for r in requests), np.int32, n)
    starts = np.fromiter((r.start for r in requests), np.int32, n)
    ends = np.fromiter((r.end for r in requests), np.int32, n)
    durations = np.fromiter((o.duration for o in offerings), np.int32, m)
    width = max((len(o.windows) for o in offerings), default=0) or 1
    # Padding windows fall on "weekday 7", a bit no request sets.
    weekday = np.full((m, width), 7, np.int32)
    window_start = np.zeros((m, width), np.int32)
    window_end = np.zeros((m, width), np.int32)
    for j, offering in enumerate(offerings):
        for k, window in enumerate(offering.windows):
            weekday[j, k], window_start[j, k], window_end[j, k] = (
                window.weekday,
                window.start,
                window.end,
            )
    fits = np.zeros(len(pair_requests), bool)
    for lo in range(0, len(pair_requests), _PAIR_CHUNK):
        i, j = pair_requests[lo : lo + _PAIR_CHUNK], pair_offerings[lo : lo + _PAIR_CHUNK]
        on_day = (days[i, None] >> weekday[j]) & 1
        overlap = np.minimum(window_end[j], ends[i, None]) - np.maximum(
            window_start[j], starts[i, None]
        )
        fits[lo : lo + _PAIR_CHUNK] = ((overlap >= durations[j, None]) & (on_day == 1)).any(axis=1)
    return fits


def _distance_steps(requests, offerings, pair_requests, pair_offerings) -> np.ndarray:
    """`distance_steps(distance_km(...))` for every pair at once."""

    def coordinates(items):
        lat = np.array([np.nan if x.lat is None else x.lat for x in items], np.float64)
        lon = np.array([np.nan if x.lon is None else x.lon for x in items], np.float64)
        return np.radians(lat), np.radians(lon)

    request_lat, request_lon = coordinates(requests)
    offering_lat, offering_lon = coordinates(offerings)
    lat1, lon1 = request_lat[pair_requests], request_lon[pair_requests]
    lat2, lon2 = offering_lat[pair_offerings], offering_lon[pair_offerings]
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    km = 6371.0 * 2 * np.arcsin(np.minimum(1.0, np.sqrt(a)))
    steps = np.minimum(np.rint(km / DISTANCE_STEP_KM), DISTANCE_STEPS_CAP)
    return np.where(np.isnan(km), DISTANCE_STEPS_UNKNOWN, steps).astype(np.int64)


def solve(
    requests: Sequence[RequestInput],
    offerings: Sequence[OfferingInput],
    *,
    fairness: int = 0,
) -> list[Proposal]:
    """The optimal proposals; each request at most once, no offering over its remaining places.

    `fairness` > 0 adds the community-coverage bonus (see COMMUNITY_FAIRNESS); 0 optimises
    priority alone, which is what the exactness tests compare against brute force.
    """
    pair_requests, pair_offerings = _pair_arrays(requests, offerings)
    if not len(pair_requests):
        return []
    flow, pair_arcs = _build_flow(requests, offerings, pair_requests, pair_offerings, fairness)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed with status {status}")
    chosen = flow.flows(pair_arcs) > 0
    return [
        _proposal(requests[i], offerings[j])
        for i, j in zip(
            pair_requests[chosen].tolist(), pair_offerings[chosen].tolist(), strict=True
        )
    ]


def _build_flow(requests, offerings, pair_requests, pair_offerings, fairness):
    """source → community tiers → request (cap 1) → offering (cap 1) → load tiers → sink.

    Plus the source → sink bypass for requests left unserved. Node numbers: requests,
    offerings, source, sink, then one node per community.
    """
    n, m = len(requests), len(offerings)
    source, sink = n + m, n + m + 1
    weights = np.fromiter((priority(r) for r in requests), np.int64, n)
    # Lexicographic costs: one unit of priority outweighs all secondary costs together.
    scale = (_MAX_SECONDARY + 1) * (n + 1)
    pair_costs = -weights[pair_requests] * scale + _distance_steps(
        requests, offerings, pair_requests, pair_offerings
    )
    entry_tails, entry_heads, entry_places, entry_costs = _entries(
        requests, source, n + m + 2, fairness
    )
    tier_offerings, tier_places, tier_costs = [], [], []
    for j, offering in enumerate(offerings):
        for places, cost in load_tiers(max(offering.remaining, 0)):
            tier_offerings.append(j)
            tier_places.append(places)
            tier_costs.append(cost)
    tails = np.concatenate(
        [entry_tails, pair_requests, np.asarray(tier_offerings, np.int64) + n, [source]]
    )
    heads = np.concatenate(
        [entry_heads, pair_offerings + n, np.full(len(tier_offerings), sink), [sink]]
    )
    capacities = np.concatenate(
        [entry_places, np.ones(len(pair_requests), np.int64), tier_places, [n]]
    )
    costs = np.concatenate([entry_costs * scale, pair_costs, tier_costs, [0]])
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32),
        heads.astype(np.int32),
        capacities.astype(np.int64),
        costs.astype(np.int64),
    )
    flow.set_node_supply(source, n)
    flow.set_node_supply(sink, -n)
    first_pair = len(entry_tails)
    return flow, arcs[first_pair : first_pair + len(pair_requests)]


def _entries(requests, source: int, first_free_node: int, fairness: int):
    """Arcs by which flow enters the requests: (tails, heads, capacities, costs in priority units).

    Without fairness, source → request. With it, source → the request's community by
    coverage tiers → request: the first tenth of a community's requests earns
    `fairness` points each, the next tenth 9/10 of that, and so on, so a place goes
    where coverage is lowest unless priority says otherwise by more than the gap.
    """
    n = len(requests)
    if not fairness:
        return np.full(n, source), np.arange(n), np.ones(n, np.int64), np.zeros(n, np.int64)
    community_index: dict[int, int] = {}
    members = np.fromiter(
        (community_index.setdefault(r.community_id, len(community_index)) for r in requests),
        np.int64,
        n,
    )
    sizes = np.bincount(members)
    tier_tails, tier_heads, tier_places, tier_costs = [], [], [], []
    for c, size in enumerate(sizes.tolist()):
        for places, tier in load_tiers(size):
            tier_tails.append(source)
            tier_heads.append(first_free_node + c)
            tier_places.append(places)
            tier_costs.append(-fairness * (LOAD_TIERS - tier) // LOAD_TIERS)
    return (
        np.concatenate([tier_tails, members + first_free_node]),
        np.concatenate([tier_heads, np.arange(n)]),
        np.concatenate([tier_places, np.ones(n, np.int64)]),
        np.concatenate([tier_costs, np.zeros(n, np.int64)]),
    )


def _proposal(request: RequestInput, offering: OfferingInput) -> Proposal:
    km = distance_km(request, offering)
    return Proposal(
        request_id=request.id,
        offering_id=offering.id,
        priority=priority(request),
        distance_km=None if km is None else round(km, 2),
        reason=reason(request, offering, km),
    )
