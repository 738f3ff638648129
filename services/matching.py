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
    3. load spread: each offering's remaining places are split into tiers whose
       unit cost rises with the share of its capacity already used, so work goes
       to the offering that is least busy relative to its size.

The problem is solved as a min-cost flow with OR-Tools:
source → request (cap 1) → offering (cap 1) → tiers → sink, plus one
source → sink bypass so requests may stay unserved.
"""

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

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


def load_tiers(remaining: int) -> list[tuple[int, int]]:
    """(places, unit cost) pairs: the fuller the offering, the dearer the next place."""
    tiers: dict[int, int] = defaultdict(int)
    for used in range(remaining):
        tiers[used * LOAD_TIERS // remaining] += 1
    return sorted((places, cost) for cost, places in tiers.items())


def feasible_pairs(
    requests: Sequence[RequestInput], offerings: Iterable[OfferingInput]
) -> list[tuple[int, int]]:
    """Index pairs (request, offering) that may be matched; indexed to avoid n × m checks."""
    by_key: dict[tuple[int, int], list[int]] = defaultdict(list)
    offerings = list(offerings)
    for j, offering in enumerate(offerings):
        for community_id in offering.served_community_ids:
            by_key[(offering.service_type_id, community_id)].append(j)
    return [
        (i, j)
        for i, request in enumerate(requests)
        for j in by_key.get((request.service_type_id, request.community_id), ())
        if feasible(request, offerings[j])
    ]


def solve(requests: Sequence[RequestInput], offerings: Sequence[OfferingInput]) -> list[Proposal]:
    """The optimal proposals; each request at most once, no offering over its remaining places."""
    pairs = feasible_pairs(requests, offerings)
    if not pairs:
        return []
    # Lexicographic costs: one unit of priority outweighs all secondary costs together.
    scale = (_MAX_SECONDARY + 1) * (len(requests) + 1)
    flow, arcs = _build_flow(requests, offerings, pairs, scale)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed with status {status}")
    return [_proposal(requests[i], offerings[j]) for arc, (i, j) in arcs if flow.flow(arc)]


def _build_flow(requests, offerings, pairs, scale):
    n, m = len(requests), len(offerings)
    source, sink = n + m, n + m + 1
    flow = min_cost_flow.SimpleMinCostFlow()
    for i in range(n):
        flow.add_arc_with_capacity_and_unit_cost(source, i, 1, 0)
    arcs = []
    for i, j in pairs:
        cost = -priority(requests[i]) * scale + distance_steps(
            distance_km(requests[i], offerings[j])
        )
        arcs.append((flow.add_arc_with_capacity_and_unit_cost(i, n + j, 1, cost), (i, j)))
    for j, offering in enumerate(offerings):
        for places, cost in load_tiers(offering.remaining):
            flow.add_arc_with_capacity_and_unit_cost(n + j, sink, places, cost)
    flow.add_arc_with_capacity_and_unit_cost(source, sink, n, 0)  # the unserved bypass
    flow.set_node_supply(source, n)
    flow.set_node_supply(sink, -n)
    return flow, arcs


def _proposal(request: RequestInput, offering: OfferingInput) -> Proposal:
    km = distance_km(request, offering)
    return Proposal(
        request_id=request.id,
        offering_id=offering.id,
        priority=priority(request),
        distance_km=None if km is None else round(km, 2),
        reason=reason(request, offering, km),
    )


def greedy(requests: Sequence[RequestInput], offerings: Sequence[OfferingInput]) -> list[Proposal]:
    """Highest priority first, nearest feasible offering: the baseline for timing."""
    left = {offering.id: offering.remaining for offering in offerings}
    by_request: dict[int, list[int]] = defaultdict(list)
    for i, j in feasible_pairs(requests, offerings):
        by_request[i].append(j)
    proposals = []
    for i in sorted(range(len(requests)), key=lambda i: -priority(requests[i])):
        options = [j for j in by_request[i] if left[offerings[j].id] > 0]
        if options:
            j = min(options, key=lambda j: distance_steps(distance_km(requests[i], offerings[j])))
            left[offerings[j].id] -= 1
            proposals.append(_proposal(requests[i], offerings[j]))
    return proposals
