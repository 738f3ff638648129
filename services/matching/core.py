"""The pure matching core: plain data in, proposals out. No Django, no ORM.

Which pairs are feasible
    Same service type; the offering serves the request's community (an agreement in
    force that week or the offering lists it); and on one of the request's preferred
    weekdays an offering window overlaps the request's preferred hours for at least
    the service's duration. A mere touch of two windows is not enough: the visit has
    to fit. An offering with no place left takes no proposal.

What is optimised (DESIGN.md section 5), in this order
    1. need: the priority-weighted number of requests served (`priority()`). This
       level is strictly lexicographic: a request's weight is the rank of its
       priority among the distinct ones (which plans serve the most depends on their
       order alone: `_priority_ranks`), and one rank is scaled, per instance, above all
       the lower levels can gain on any single exchange of requests (`_need_scale`),
       so no amount of fairness, continuity, distance or load ever displaces a request
       of higher priority, or serves fewer priority points;
    2. fairness between communities: a community's requests enter through ten
       coverage tiers, the first tenth served costing nothing, each further tenth one
       step more, so places go where coverage is lowest;
    3. continuity and choice: the organization the resident named (0), one that
       served the resident before (1), any other (2), the one the resident excluded
       (4; soft: used only when no other place is left);
    4. shorter distance (100 m steps, capped at 100 km);
    5. load spread: each offering's places are split into ten tiers whose unit cost
       rises with the share of its capacity already used.
    Levels 2 to 5 are weighted so that one step of a level outweighs everything the
    levels below it can add to a single proposal. Between whole plans they trade
    off: a plan may accept, say, a longer total distance over several proposals to
    raise one community's coverage tier. Only level 1 is lexicographic over the
    whole plan; the int64 headroom that needs is checked on every instance.

Why a request stays unserved (`Unserved.code`), from the same pairs
    no_offering (no offering of its type serves the community), no_agreement (one
    would, but the agreement is not in force that week), no_window (offerings
    exist, but no window fits the preferred days and hours), full (every fitting
    offering had no place left before the run), taken (every place of every fitting
    offering went to a request of equal or higher priority: `blocking` of them).

The problem is solved as a min-cost flow with OR-Tools: source → community coverage
tiers → request (cap 1) → offering (cap 1 per pair) → load tiers → sink, plus one
source → sink bypass so requests may stay unserved. Requests alike in everything the
objective sees (type, community, place, hours, weekdays, priority rank, no choice of
their own) enter as one class of capacity = its size, through shared slot nodes
(`_Graph`), and a place's slots reach offerings through hubs shared by its hours
(`_hubs`): the same pairs at the same costs, so the same optimum, with far fewer nodes
and arcs.
"""

import functools
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from django.utils.translation import gettext_noop
from ortools.graph.python import min_cost_flow

from sanlian.stored_text import source, text

# Priority weights. Urgency outweighs every other fact put together
# (120 + 100 + 80 + 50 = 350 < 1000), so an urgent request is always served first.
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
LOAD_TIERS = 10  # also the number of community coverage tiers

# Level 3, continuity and choice: the cost of a pair by how the resident stands to the
# organization. Exclusion is soft: a place with the excluded organization still beats none.
CHOICE_PREFERRED = 0
CHOICE_SERVED_BEFORE = 1
CHOICE_NEUTRAL = 2
CHOICE_EXCLUDED = 4

# OR-Tools scales every cost by (nodes + 1) internally; stay well inside int64.
_COST_LIMIT = 2**62

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
    # Continuity and choice (level 3): organizations that served the resident before, the
    # one the resident or family named, and the one they asked not to be sent again.
    served_by_organization_ids: frozenset[int] = frozenset()
    preferred_organization_id: int | None = None
    excluded_organization_id: int | None = None


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
    # The pair itself, kept so the reason is written when first asked for (by the run's
    # write), not by the solve: 15k reasons were ~0.25 s of a 20k solve's ~1.7 s.
    request: RequestInput | None = field(default=None, repr=False, compare=False)
    offering: OfferingInput | None = field(default=None, repr=False, compare=False)
    km: float | None = field(default=None, repr=False, compare=False)  # unrounded

    @functools.cached_property
    def reason_facts(self) -> tuple:
        if self.request is None or self.offering is None:
            return ()
        return tuple(reason_facts(self.request, self.offering, self.km))

    @functools.cached_property
    def reason(self) -> str:
        """The facts as one Chinese sentence."""
        return source(list(self.reason_facts))


class UnservedCode:
    NO_OFFERING = "no_offering"
    NO_AGREEMENT = "no_agreement"
    NO_WINDOW = "no_window"
    FULL = "full"
    TAKEN = "taken"


@dataclass(frozen=True)
class Unserved:
    """A request left without a proposal, and why (see the module docstring)."""

    request_id: int
    code: str
    blocking: int = 0  # for "taken": requests of equal or higher priority holding the places


@dataclass(frozen=True)
class Plan:
    proposals: list[Proposal]
    unserved: list[Unserved]


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


# The facts without parameters are built once: a reason is written for every proposal.
_URGENT, _ALONE = text(gettext_noop("紧急")), text(gettext_noop("独居"))
_DEPENDENT, _SEMI = text(gettext_noop("失能")), text(gettext_noop("半失能"))
_AGE, _WAITED, _DISTANCE = (
    gettext_noop("%(age)s岁"),
    gettext_noop("已等待%(days)s天"),
    gettext_noop("距离%(km).1f公里"),
)


def reason_facts(request: RequestInput, offering: OfferingInput, km: float | None) -> list[dict]:
    """Why this pair, as facts (sanlian.stored_text) shown in the reader's language."""
    facts = [_PLACE_FACTS[_place_fact(request, offering)]]
    if fact := _CHOICE_FACTS.get(choice(request, offering)):
        facts.append(fact)
    if request.urgent:
        facts.append(_URGENT)
    if request.living_alone:
        facts.append(_ALONE)
    if request.care_level == DEPENDENT:
        facts.append(_DEPENDENT)
    elif request.care_level == SEMI_DEPENDENT:
        facts.append(_SEMI)
    if request.age >= 80:
        facts.append({"t": _AGE, "p": {"age": request.age}})
    if request.days_waited > 0:
        facts.append({"t": _WAITED, "p": {"days": request.days_waited}})
    if km is not None:
        facts.append({"t": _DISTANCE, "p": {"km": km}})
    return facts


def reason(request: RequestInput, offering: OfferingInput, km: float | None) -> str:
    """A sentence a person can read, e.g. "同社区；独居；已等待6天"."""
    return source(reason_facts(request, offering, km))


_CHOICE_FACTS = {
    CHOICE_PREFERRED: text(gettext_noop("居民指定的机构")),
    CHOICE_SERVED_BEFORE: text(gettext_noop("曾为该居民服务")),
    CHOICE_EXCLUDED: text(gettext_noop("居民曾要求回避该机构，别无名额")),
}
_SAME_COMMUNITY, _AGREED, _SERVES = (
    gettext_noop("同社区"),
    gettext_noop("已签入驻协议"),
    gettext_noop("服务覆盖本社区"),
)


_PLACE_FACTS = {place: text(place) for place in (_SAME_COMMUNITY, _AGREED, _SERVES)}


def choice(request: RequestInput, offering: OfferingInput) -> int:
    """Level 3's cost of the pair: the resident's named organization is cheapest."""
    organization = offering.organization_id
    if organization == request.excluded_organization_id:
        return CHOICE_EXCLUDED
    if organization == request.preferred_organization_id:
        return CHOICE_PREFERRED
    if organization in request.served_by_organization_ids:
        return CHOICE_SERVED_BEFORE
    return CHOICE_NEUTRAL


def _place_fact(request: RequestInput, offering: OfferingInput) -> str:
    if offering.home_community_id == request.community_id:
        return _SAME_COMMUNITY
    if request.community_id in offering.agreement_community_ids:
        return _AGREED
    return _SERVES


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
    """`feasible_pairs` as two index arrays, in numpy: no Python object per candidate pair."""
    pairs = _Pairs.of(requests, offerings)
    return pairs.requests[pairs.open], pairs.offerings[pairs.open]


@dataclass
class _Pairs:
    """Every (request, offering) pair of the same type and community, as index arrays.

    Candidates come from a join on (service type, community), so the work grows with the
    pairs that share both, not with requests × offerings; the windows are then checked
    for all candidates at once. Full offerings are kept (`open` is False) so an unserved
    request can be told "full" rather than "nobody".
    """

    requests: np.ndarray
    offerings: np.ndarray
    fits: np.ndarray  # the windows fit
    open: np.ndarray  # the windows fit and the offering has a place left

    @classmethod
    def of(cls, requests, offerings, table: "_Offerings | None" = None) -> "_Pairs":
        table = table or _Offerings.of(offerings)
        pair_requests, pair_offerings = table.candidates(requests)
        fits = _times_fit(requests, table, pair_requests, pair_offerings)
        return cls(
            pair_requests, pair_offerings, fits, fits & (table.remaining[pair_offerings] > 0)
        )


@dataclass
class _Offerings:
    """What the pairs need of the offerings, as arrays: built once per solve, used by all."""

    keys: dict[tuple[int, int], int]  # (service type, community) → key number
    sorted_keys: np.ndarray  # one entry per (offering, community served), by key
    sorted_offerings: np.ndarray
    weekday: np.ndarray  # (m × widest) windows; padding falls on "weekday 7"
    window_start: np.ndarray
    window_end: np.ndarray
    durations: np.ndarray
    remaining: np.ndarray

    @classmethod
    def of(cls, offerings) -> "_Offerings":
        keys: dict[tuple[int, int], int] = {}
        offering_keys, offering_index = [], []
        for j, offering in enumerate(offerings):
            for community_id in offering.served_community_ids:
                key = keys.setdefault((offering.service_type_id, community_id), len(keys))
                offering_keys.append(key)
                offering_index.append(j)
        order = np.argsort(np.asarray(offering_keys, np.int64), kind="stable")
        m = len(offerings)
        return cls(
            keys,
            np.asarray(offering_keys, np.int64)[order],
            np.asarray(offering_index, np.int64)[order],
            *_window_arrays(offerings, m),
            np.fromiter((o.remaining for o in offerings), np.int64, m),
        )

    def candidates(self, requests):
        """(request, offering) index arrays of every pair of the same type and community."""
        request_keys = np.fromiter(
            (self.keys.get((r.service_type_id, r.community_id), -1) for r in requests),
            np.int64,
            len(requests),
        )
        first = np.searchsorted(self.sorted_keys, request_keys, "left")
        counts = np.searchsorted(self.sorted_keys, request_keys, "right") - first
        counts[request_keys < 0] = 0
        pair_requests = np.repeat(np.arange(len(request_keys)), counts)
        within = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        return pair_requests, self.sorted_offerings[np.repeat(first, counts) + within]


SLOT_MIN_REQUESTS = 4  # below this, a key's slots cost more than its pairs (measured, dense 20k)
SLOT_MIN_PAIRS = 64  # nor below this many requests × offerings of the key (measured)
_PAIR_CHUNK = 250_000  # bounds the temporary (pairs × windows) arrays to a few MB each


def _window_arrays(offerings, m: int):
    """Offerings' windows as (m × widest) arrays; padding falls on "weekday 7"."""
    durations = np.fromiter((o.duration for o in offerings), np.int32, m)
    width = max((len(o.windows) for o in offerings), default=0) or 1
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
    return weekday, window_start, window_end, durations


def _times_fit(requests, table: _Offerings, pair_requests, pair_offerings) -> np.ndarray:
    n = len(requests)
    days = np.fromiter((r.days_mask for r in requests), np.int32, n)
    starts = np.fromiter((r.start for r in requests), np.int32, n)
    ends = np.fromiter((r.end for r in requests), np.int32, n)
    # Padding windows fall on "weekday 7", a bit no request sets.
    weekday, window_start, window_end = table.weekday, table.window_start, table.window_end
    fits = np.zeros(len(pair_requests), bool)
    for lo in range(0, len(pair_requests), _PAIR_CHUNK):
        i, j = pair_requests[lo : lo + _PAIR_CHUNK], pair_offerings[lo : lo + _PAIR_CHUNK]
        on_day = (days[i, None] >> weekday[j]) & 1
        overlap = np.minimum(window_end[j], ends[i, None]) - np.maximum(
            window_start[j], starts[i, None]
        )
        fits[lo : lo + _PAIR_CHUNK] = ((overlap >= table.durations[j, None]) & (on_day == 1)).any(
            axis=1
        )
    return fits


def _distance_steps(requests, offerings, pair_requests, pair_offerings) -> np.ndarray:
    """`distance_steps(distance_km(...))` for every pair at once."""
    km = _distances_km(requests, offerings, pair_requests, pair_offerings)
    steps = np.minimum(np.rint(km / DISTANCE_STEP_KM), DISTANCE_STEPS_CAP)
    return np.where(np.isnan(km), DISTANCE_STEPS_UNKNOWN, steps).astype(np.int64)


def _distances_km(requests, offerings, pair_requests, pair_offerings) -> np.ndarray:
    """`distance_km(...)` for every pair at once; NaN where a side has no coordinates."""

    def coordinates(items):  # None (no coordinates) becomes NaN
        lat = np.array([x.lat for x in items], np.float64)
        lon = np.array([x.lon for x in items], np.float64)
        return np.radians(lat), np.radians(lon)

    request_lat, request_lon = coordinates(requests)
    offering_lat, offering_lon = coordinates(offerings)
    lat1, lon1 = request_lat[pair_requests], request_lon[pair_requests]
    lat2, lon2 = offering_lat[pair_offerings], offering_lon[pair_offerings]
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 6371.0 * 2 * np.arcsin(np.minimum(1.0, np.sqrt(a)))


def solve(
    requests: Sequence[RequestInput],
    offerings: Sequence[OfferingInput],
    *,
    fairness: bool = True,
) -> list[Proposal]:
    """The optimal proposals; each request at most once, no offering over its remaining places.

    The proposals of `plan`, without the reasons of the requests left out (not asked for).
    """
    return _optimum(requests, offerings, fairness)[0]


def plan(
    requests: Sequence[RequestInput],
    offerings: Sequence[OfferingInput],
    *,
    fairness: bool = True,
    lapsed: frozenset[tuple[int, int]] = frozenset(),
) -> Plan:
    """The optimal proposals and, for every request left out, why.

    `lapsed` holds the (service type, community) keys an offering would serve under an
    agreement that is not in force that week. `fairness=False` drops level 2 (the
    benchmark's plain objective); the order of the other levels is unchanged.
    """
    proposals, pair_requests, pair_offerings = _optimum(requests, offerings, fairness)
    used = np.bincount(pair_offerings, minlength=len(offerings))
    return Plan(proposals, _unserved(requests, offerings, pair_requests, used, lapsed))


def _optimum(requests, offerings, fairness: bool):
    """The optimal proposals, and the (request, offering) index arrays they stand for."""
    graph = _Graph.of(requests, offerings)
    pair_requests, pair_offerings = np.zeros(0, np.int64), np.zeros(0, np.int64)
    if graph.arcs:
        flow, handles = _build_flow(requests, offerings, graph, fairness)
        status = flow.solve()
        if status != flow.OPTIMAL:
            raise RuntimeError(f"min-cost flow failed with status {status}")
        pair_requests, pair_offerings = graph.assignment(
            *(flow.flows(handle) for handle in handles)
        )
    km = _distances_km(requests, offerings, pair_requests, pair_offerings)
    rounded = np.round(km, 2).tolist()
    points = graph.priorities[pair_requests].tolist()
    proposals = [
        Proposal(
            request_id=requests[i].id,
            offering_id=offerings[j].id,
            priority=p,
            distance_km=None if d != d else r,  # NaN: no coordinates
            request=requests[i],
            offering=offerings[j],
            km=None if d != d else d,
        )
        for i, j, p, d, r in zip(
            pair_requests.tolist(),
            pair_offerings.tolist(),
            points,
            km.tolist(),
            rounded,
            strict=True,
        )
    ]
    return proposals, pair_requests, pair_offerings


def _unserved(requests, offerings, served, used, lapsed) -> list[Unserved]:
    """Why each request outside `served` found nothing, strongest cause first.

    "taken" is sound because the plan is optimal on priority: a fitting offering with a
    free place, or holding a request of lower priority, would have served this one. The
    pairs are enumerated for the requests left out only.
    """
    left_out = np.ones(len(requests), bool)
    left_out[served] = False
    index = np.flatnonzero(left_out).tolist()
    subset = [requests[i] for i in index]
    n = len(subset)
    pairs = _Pairs.of(subset, offerings)
    candidates = np.bincount(pairs.requests, minlength=n)
    fitting = np.bincount(pairs.requests, weights=pairs.fits, minlength=n)
    open_ = np.bincount(pairs.requests, weights=pairs.open, minlength=n)
    blocking = np.bincount(
        pairs.requests[pairs.open], weights=used[pairs.offerings[pairs.open]], minlength=n
    )
    result = []
    for k, request in enumerate(subset):
        if not candidates[k]:
            lapsed_only = (request.service_type_id, request.community_id) in lapsed
            code = UnservedCode.NO_AGREEMENT if lapsed_only else UnservedCode.NO_OFFERING
            result.append(Unserved(request.id, code))
        elif not fitting[k]:
            result.append(Unserved(request.id, UnservedCode.NO_WINDOW))
        elif not open_[k]:
            result.append(Unserved(request.id, UnservedCode.FULL))
        else:
            result.append(Unserved(request.id, UnservedCode.TAKEN, int(blocking[k])))
    return result


def _choices(requests, offerings, pair_requests, pair_offerings) -> np.ndarray:
    """`choice()` for every pair at once."""
    organizations = np.fromiter((o.organization_id for o in offerings), np.int64, len(offerings))
    pair_organizations = organizations[pair_offerings]
    costs = np.full(len(pair_requests), CHOICE_NEUTRAL, np.int64)
    # (request index, organization) as one int64 key, so membership is one np.isin.
    width = int(pair_organizations.max(initial=0)) + 1
    served_before = [
        i * width + organization
        for i, r in enumerate(requests)
        for organization in r.served_by_organization_ids
        if organization < width
    ]
    if served_before:
        keys = pair_requests * width + pair_organizations
        costs[np.isin(keys, np.asarray(served_before, np.int64))] = CHOICE_SERVED_BEFORE
    for attribute, cost in (
        ("preferred_organization_id", CHOICE_PREFERRED),
        ("excluded_organization_id", CHOICE_EXCLUDED),
    ):
        named = np.fromiter(
            (-1 if getattr(r, attribute) is None else getattr(r, attribute) for r in requests),
            np.int64,
            len(requests),
        )
        costs[named[pair_requests] == pair_organizations] = cost
    return costs


def _chooses(request: RequestInput) -> bool:
    return bool(
        request.served_by_organization_ids
        or request.preferred_organization_id is not None
        or request.excluded_organization_id is not None
    )


@dataclass
class _Graph:
    """The arcs from requests to offerings, shared where many requests are alike.

    A request without a choice of its own (no named, excluded or earlier organization)
    costs the same with an offering as every other such request of its type, community,
    place and hours: only its weekdays differ. Those requests share "slot" nodes, one per
    (type, community, place, hours, weekday), and every open offering with a window that
    day fitting the hours leaves the slot (cost of the pair). A request reaches exactly
    the offerings it is feasible with, at the same cost, so the plan is the same as with
    one arc per pair; the arcs are far fewer. Requests with a choice, and those of a key
    shared by fewer than SLOT_MIN_REQUESTS or with fewer than SLOT_MIN_PAIRS requests ×
    offerings, keep one arc per pair (`direct_*`): which way is faster, not the plan.

    Requests in slots are further merged into **classes**: the same place (type,
    community, coordinates), the same nodes reached on each of their weekdays (`_hubs`
    merges the slots of hours that reach the same hubs, so requests of different hours
    may share a class) and the same priority rank. Every arc and every cost of the flow
    — community tier, need, the slots and so their offerings — is the same for the
    members of a class, so a class enters the graph by one arc of capacity =
    its size and cost = one member's, with no request nodes: a class flow of k stands
    for k members served, and any plan of the requests maps to one of the classes at
    the same cost and back. The members served are the first k in a fixed order (the
    longest waiting, then the lowest id: `_tie_break`). A class's arc ends at a
    "group" node (the nodes of its weekdays) that fans out to them, or at the node itself
    when the group has one weekday.
    """

    priorities: np.ndarray  # every request's priority (points)
    weights: np.ndarray  # every request's priority rank (level 1)
    direct: np.ndarray  # requests with one arc per pair; flow node k is direct[k]
    direct_nodes: np.ndarray  # pair arcs: direct node → offering
    direct_offerings: np.ndarray
    direct_steps: np.ndarray
    direct_choices: np.ndarray
    plain: np.ndarray  # requests in classes, by class, within one by `_tie_break`
    class_sizes: np.ndarray
    class_ranks: np.ndarray
    class_groups: np.ndarray
    class_targets: np.ndarray  # a slot id, or slots + group node for groups of 2+ weekdays
    class_communities: np.ndarray  # request index of one member (its community)
    group_tails: np.ndarray  # group → slot fan-out, sorted by group
    group_slots: np.ndarray
    group_real: np.ndarray  # an arc of the flow (the group has a node), else implied
    groups: int
    group_nodes: int
    slot_ids: np.ndarray  # node → offering arcs (tails: routing nodes, see `_hubs`)
    slot_offerings: np.ndarray
    slot_steps: np.ndarray
    link_tails: np.ndarray  # slot → hub arcs (routing nodes)
    link_heads: np.ndarray
    slots: int  # routing nodes: slots and hubs that have a node of their own

    @property
    def arcs(self) -> int:
        return len(self.direct_nodes) + len(self.slot_ids)

    @classmethod
    def of(cls, requests, offerings) -> "_Graph":
        n = len(requests)
        priorities = np.fromiter((priority(r) for r in requests), np.int64, n)
        weights = _priority_ranks(priorities)
        all_keys: dict[tuple, int] = {}
        key_of_all = np.fromiter(
            (
                all_keys.setdefault(
                    (r.service_type_id, r.community_id, r.lat, r.lon, r.start, r.end),
                    len(all_keys),
                )
                for r in requests
            ),
            np.int64,
            n,
        )
        table = _Offerings.of(offerings)
        by_index = list(all_keys)
        sizes = np.bincount(key_of_all, minlength=len(all_keys))
        candidates = np.flatnonzero(sizes >= SLOT_MIN_REQUESTS)
        slot_ids, slot_offerings, slot_steps = _slot_arcs(
            [by_index[k] for k in candidates.tolist()], offerings, table
        )
        # Slots pay off only when enough requests share them, each with enough offerings:
        # the others keep one arc per pair (at ~4 offerings a request, as in the sparse
        # family, slots and groups add more nodes than the arcs they save).
        m = len(offerings)
        reach = np.bincount(
            np.unique(slot_ids // 7 * m + slot_offerings) // m, minlength=len(candidates)
        )
        slotted = np.zeros(len(all_keys), bool)
        slotted[candidates[reach * sizes[candidates] >= SLOT_MIN_PAIRS]] = True
        choosing = np.fromiter((_chooses(r) for r in requests), bool, n)
        choosing |= ~slotted[key_of_all]
        direct = np.flatnonzero(choosing)
        chosen = [requests[i] for i in direct]
        pairs = _Pairs.of(chosen, offerings, table)
        sub_requests, sub_offerings = pairs.requests[pairs.open], pairs.offerings[pairs.open]
        direct_steps = _distance_steps(chosen, offerings, sub_requests, sub_offerings)
        direct_choices = _choices(chosen, offerings, sub_requests, sub_offerings)
        plain = np.flatnonzero(~choosing)
        used_keys, key_of = np.unique(key_of_all[plain], return_inverse=True)
        key_of = key_of.reshape(-1)
        keys = [by_index[k] for k in used_keys.tolist()]
        # Slot ids from the candidates' numbering to the used keys'.
        position = np.full(len(all_keys), -1, np.int64)
        position[used_keys] = np.arange(len(used_keys))
        arc_keys = position[candidates[slot_ids // 7]]
        used = arc_keys >= 0
        slot_ids = arc_keys[used] * 7 + slot_ids[used] % 7
        slot_offerings, slot_steps = slot_offerings[used], slot_steps[used]
        has_slot = np.zeros(len(keys) * 7, bool)
        has_slot[slot_ids] = True
        # The weekdays of a key that have a slot, as a mask; a request's other days add nothing.
        key_days = (has_slot.reshape(-1, 7) << np.arange(7)).sum(axis=1) if keys else has_slot
        masks = np.fromiter((requests[i].days_mask for i in plain), np.int64, len(plain))
        days = masks & key_days[key_of] if len(plain) else masks
        reaching = days > 0
        plain, key_of, days = plain[reaching], key_of[reaching], days[reaching]
        slots = len(keys) * 7
        alike, alike_of = np.unique(key_of * 128 + days, return_inverse=True)
        fan_tails, fan_slots = [], []  # (key, weekdays) → the slots of those weekdays
        for day in range(7):
            on = np.flatnonzero(((alike % 128) >> day) & 1)
            fan_tails.append(on)
            fan_slots.append(alike[on] // 128 * 7 + day)
        fan_tails, fan_slots = np.concatenate(fan_tails), np.concatenate(fan_slots)
        # A slot no request enters adds no pair: dropped, so the arcs (and the cost units
        # taken from them) are exactly those of the feasible pairs.
        entered = np.zeros(slots, bool)
        entered[fan_slots] = True
        kept = entered[slot_ids]
        hubs = _hubs(keys, slot_ids[kept], slot_offerings[kept], slot_steps[kept], len(offerings))
        # A group: requests whose weekdays reach the same nodes, one per weekday (merged
        # slots make keys of one place alike across hours). Rows by weekday, −1 for none.
        reached = np.full((len(alike), 7), -1, np.int64)
        reached[fan_tails, fan_slots % 7] = hubs["slot_node"][fan_slots]
        group_rows, group_of = np.unique(reached, axis=0, return_inverse=True)
        group_of = group_of.reshape(-1)[alike_of.reshape(-1)]
        class_key = _class_keys(group_of, weights[plain])
        order = np.lexsort((_tie_break(requests, plain), -weights[plain], class_key))
        plain, class_key, group_of = plain[order], class_key[order], group_of[order]
        starts = np.flatnonzero(np.diff(class_key, prepend=-1))  # keys are ≥ 1
        class_sizes = np.diff(np.r_[starts, len(plain)]).astype(np.int64)
        class_groups = group_of[starts]
        # Fan-out of each group to its nodes, sorted by group.
        group_tails, group_days = np.nonzero(group_rows >= 0)
        group_slots = group_rows[group_tails, group_days]
        fan = np.bincount(group_tails, minlength=len(group_rows))
        several = fan > 1
        group_node = np.full(len(group_rows), -1, np.int64)
        group_node[several] = hubs["nodes"] + np.arange(int(several.sum()))
        single_slot = np.zeros(len(group_rows), np.int64)
        single_slot[group_tails[~several[group_tails]]] = group_slots[~several[group_tails]]
        class_targets = np.where(
            several[class_groups], group_node[class_groups], single_slot[class_groups]
        )
        return cls(
            priorities=priorities,
            weights=weights,
            direct=direct,
            direct_nodes=sub_requests,
            direct_offerings=sub_offerings,
            direct_steps=direct_steps,
            direct_choices=direct_choices,
            plain=plain,
            class_sizes=class_sizes,
            class_ranks=weights[plain[starts]],  # the highest of the class (sorted so)
            class_groups=class_groups,
            class_targets=class_targets,
            class_communities=plain[starts],
            group_tails=group_tails,
            group_slots=group_slots,
            group_real=several[group_tails],
            groups=len(group_rows),
            group_nodes=int(several.sum()),
            slot_ids=hubs["tails"],
            slot_offerings=hubs["offerings"],
            slot_steps=hubs["steps"],
            link_tails=hubs["link_tails"],
            link_heads=hubs["link_heads"],
            slots=hubs["nodes"],
        )

    def assignment(self, direct_flows, class_flows, group_flows, slot_flows, link_flows):
        """(request, offering) index arrays of the proposals, from the arcs' flows.

        A class flow of k serves its first k members; a group's served members go to its
        slots as the group's arcs carry them (all have those weekdays), then along the
        links and to offerings as those arcs carry them: every request at a routing node
        fits every offering reachable from it at the same cost, so they pair in any order.
        """
        by_direct = direct_flows > 0
        starts = np.cumsum(self.class_sizes) - self.class_sizes
        within = np.arange(len(self.plain)) - np.repeat(starts, self.class_sizes)
        picked = within < np.repeat(class_flows, self.class_sizes)
        served = self.plain[picked]
        served_groups = np.repeat(self.class_groups, self.class_sizes)[picked]
        fan_flows = np.zeros(len(self.group_tails), np.int64)
        fan_flows[self.group_real] = group_flows
        implied = ~self.group_real
        fan_flows[implied] = np.bincount(served_groups, minlength=self.groups)[
            self.group_tails[implied]
        ]
        if not np.array_equal(np.repeat(self.group_tails, fan_flows), served_groups):
            raise RuntimeError("min-cost flow broke conservation at a group")
        at = np.repeat(self.group_slots, fan_flows)  # routing node of each of `served`
        tails = np.concatenate([self.link_tails, self.slot_ids])
        heads = np.concatenate([self.link_heads, self.slots + self.slot_offerings])
        flows = np.concatenate([link_flows, slot_flows])
        # Slots with links first (their merged hubs' offerings too), then the hubs.
        first = np.zeros(self.slots, bool)
        first[self.link_tails] = True
        at = _route(at, tails, heads, flows, first)
        at = _route(at, tails, heads, flows, ~first)
        if len(at) and at.min() < self.slots:
            raise RuntimeError("min-cost flow broke conservation at a slot")
        return (
            np.concatenate([self.direct[self.direct_nodes[by_direct]], served]),
            np.concatenate([self.direct_offerings[by_direct], at - self.slots]),
        )


def _route(at, tails, heads, flows, moving):
    """Move the items at the nodes `moving` along those nodes' arcs, as the flows say.

    `at` holds node numbers; those ≥ len(moving) are past the nodes (offerings) and stay.
    """
    waiting = np.flatnonzero(at < len(moving))  # the others have reached an offering
    movers = waiting[moving[at[waiting]]]
    movers = movers[np.argsort(at[movers], kind="stable")]
    arcs = np.flatnonzero(moving[tails] & (flows > 0))
    arcs = arcs[np.argsort(tails[arcs], kind="stable")]
    if not np.array_equal(np.repeat(tails[arcs], flows[arcs]), at[movers]):
        raise RuntimeError("min-cost flow broke conservation at a slot")
    moved = at.copy()
    moved[movers] = np.repeat(heads[arcs], flows[arcs])
    return moved


def _tie_break(requests, indexes: np.ndarray) -> np.ndarray:
    """Each request's place among `indexes` in who is served first within a class: the
    longest waiting, then the lowest id."""
    waited = np.fromiter((requests[i].days_waited for i in indexes), np.int64, len(indexes))
    ids = np.fromiter((requests[i].id for i in indexes), np.int64, len(indexes))
    position = np.empty(len(indexes), np.int64)
    position[np.lexsort((ids, -waited))] = np.arange(len(indexes))
    return position


def _class_keys(groups: np.ndarray, ranks: np.ndarray) -> np.ndarray:
    """The class of each request in slots: its group (nodes per weekday) *and* its rank.

    Merging different ranks would be wrong: the class would be weighed as its highest
    member while the flow may serve the lower ones (the control in the tests does this).
    """
    return groups * (int(ranks.max(initial=0)) + 1) + ranks


def _slot_arcs(keys: list[tuple], offerings, table: _Offerings):
    """(slot id, offering, distance steps) for each slot and open offering fitting it.

    Slot id = key index × 7 + weekday. An offering fits a slot when it serves the
    key's community with its type and one of its windows that weekday overlaps the
    key's hours for at least the service's duration (`_fitting_days`: a key's pair with
    no such weekday is no pair, as `_times_fit` says for a request of every weekday).
    """
    reps = [
        RequestInput(
            id=k,
            service_type_id=t,
            community_id=c,
            days_mask=0b1111111,
            start=start,
            end=end,
            lat=lat,
            lon=lon,
        )
        for k, (t, c, lat, lon, start, end) in enumerate(keys)
    ]
    pair_keys, pair_offerings = table.candidates(reps)
    days = _fitting_days(reps, table, pair_keys, pair_offerings)
    fitting = (days > 0) & (table.remaining[pair_offerings] > 0)
    pair_keys, pair_offerings, days = pair_keys[fitting], pair_offerings[fitting], days[fitting]
    steps = _distance_steps(reps, offerings, pair_keys, pair_offerings)
    slot_ids, slot_offerings, slot_steps = [], [], []
    for day in range(7):
        on = ((days >> day) & 1).astype(bool)
        slot_ids.append(pair_keys[on] * 7 + day)
        slot_offerings.append(pair_offerings[on])
        slot_steps.append(steps[on])
    return np.concatenate(slot_ids), np.concatenate(slot_offerings), np.concatenate(slot_steps)


_HUB_KEYS = 62  # keys of one place sharing hubs: their hours are bits of an int64 mask


def _hubs(keys: list[tuple], slot_ids, slot_offerings, slot_steps, m: int) -> dict:
    """Slot → offering arcs factored through "hubs": the same pairs with far fewer arcs.

    A slot is (key, weekday) and a key is (type, community, place, hours). Keys of one
    (type, community, place) differ in hours only, and a pair's cost does not depend on
    the hours: an offering fits some of those keys' hours that weekday, at one cost for
    all. A hub is (type, community, place, weekday, the set of keys fitting): each slot
    whose key is in the set → the hub (cost 0), and the hub → each offering with exactly
    that set (the pair's cost). A slot reaches through its hubs exactly the offerings it
    reached before, at the same costs, and each through one hub only (an offering has one
    set per weekday), so the plan is the same. At the reference density three hours fit
    each window: ~150k slot arcs become ~60k hub arcs and ~12k links.

    Nodes are then merged, which keeps every path and cost: slots of one place and
    weekday reaching the same hubs are one node (`_twins`: at the reference density the
    two longer hours fit every window the shorter ones do), a slot with one hub *is* that
    hub, and a hub fed by one slot is that slot. Returns the routing nodes
    (`slot_node[slot id]`, −1 for a slot without arcs), the links between them, and the
    arcs to offerings (`tails` are routing nodes).
    """
    place_ids: dict[tuple, int] = {}
    place = np.fromiter(
        (place_ids.setdefault(k[:4], len(place_ids)) for k in keys), np.int64, len(keys)
    )
    per_place = np.bincount(place, minlength=len(place_ids))
    # A place with more hours than a mask holds gets no shared hubs: each key on its own.
    crowded = per_place[place] > _HUB_KEYS
    place = np.where(crowded, len(place_ids) + np.arange(len(keys)), place)
    by_place = np.argsort(place, kind="stable")
    within = np.zeros(len(keys), np.int64)
    firsts = np.flatnonzero(np.diff(place[by_place], prepend=-1))
    within[by_place] = np.arange(len(keys)) - np.repeat(firsts, np.diff(np.r_[firsts, len(keys)]))
    arc_keys, days = slot_ids // 7, slot_ids % 7
    cells, cell_of = np.unique(
        (place[arc_keys] * 7 + days) * m + slot_offerings, return_inverse=True
    )
    cell_of = cell_of.reshape(-1)
    masks = np.zeros(len(cells), np.int64)  # per cell, the set of its place's keys fitting
    np.bitwise_or.at(masks, cell_of, np.int64(1) << within[arc_keys])
    cell_steps = np.zeros(len(cells), np.int64)
    cell_steps[cell_of] = slot_steps  # one place: every key's pair costs the same
    distinct_masks, mask_of = np.unique(masks, return_inverse=True)
    hub_keys, hub_of = np.unique(
        cells // m * len(distinct_masks) + mask_of.reshape(-1), return_inverse=True
    )
    hub_of = hub_of.reshape(-1)
    hub_count = len(hub_keys)
    links = _links(hub_keys, distinct_masks, place, within, hub_count)
    twin_of, slots = _twins(
        links // hub_count, links % hub_count, hub_keys // len(distinct_masks), len(keys) * 7
    )
    links = np.unique(twin_of[links // hub_count] * hub_count + links % hub_count)
    link_slots, link_hubs = links // hub_count, links % hub_count
    fan_out = np.bincount(link_slots, minlength=slots)
    fan_in = np.bincount(link_hubs, minlength=hub_count)
    own_slots = np.flatnonzero(fan_out > 1)  # slots keeping a node: links to several hubs
    merged = fan_in[link_hubs] == 1  # a hub fed by one slot becomes that slot...
    merged &= fan_out[link_slots] > 1  # ...unless the slot has one hub and becomes the hub
    hub_node = np.full(hub_count, -1, np.int64)
    own_hubs = np.ones(hub_count, bool)
    own_hubs[link_hubs[merged]] = False
    hub_node[own_hubs] = len(own_slots) + np.arange(int(own_hubs.sum()))
    slot_node = np.full(slots, -1, np.int64)
    slot_node[own_slots] = np.arange(len(own_slots))
    hub_node[link_hubs[merged]] = slot_node[link_slots[merged]]
    single = fan_out[link_slots] == 1
    slot_node[link_slots[single]] = hub_node[link_hubs[single]]
    kept = (fan_out[link_slots] > 1) & ~merged
    return {
        "slot_node": np.append(slot_node, -1)[twin_of],  # −1: no links, no node
        "nodes": len(own_slots) + int(own_hubs.sum()),
        "link_tails": slot_node[link_slots[kept]],
        "link_heads": hub_node[link_hubs[kept]],
        "tails": hub_node[hub_of],
        "offerings": cells % m,
        "steps": cell_steps,
    }


def _links(hub_keys, distinct_masks, place, within, hub_count: int) -> np.ndarray:
    """(slot id × hub_count + hub) of each slot → hub link, sorted: every key in a hub's
    set, on the hub's weekday. Read from the hubs' masks, not from the slot arcs."""
    place_days, masks = (
        hub_keys // len(distinct_masks),
        distinct_masks[hub_keys % len(distinct_masks)],
    )
    key_at = np.full((int(place.max(initial=0)) + 1) * 64, -1, np.int64)
    key_at[place * 64 + within] = np.arange(len(place))
    links = []
    for bit in range(int(within.max(initial=0)) + 1):
        hubs = np.flatnonzero((masks >> bit) & 1)
        keys = key_at[place_days[hubs] // 7 * 64 + bit]
        links.append((keys * 7 + place_days[hubs] % 7) * hub_count + hubs)
    return np.sort(np.concatenate(links)) if links else np.zeros(0, np.int64)


def _twins(link_slots: np.ndarray, link_hubs: np.ndarray, hub_days: np.ndarray, slots: int):
    """Slots with the same hubs (so of one place and weekday) as one number: (per slot id
    its number, −1 for a slot without links; how many numbers).

    Hubs come numbered by (place and weekday, set): a hub's rank within its place and
    weekday is a bit, and a slot's hubs a mask. A place and weekday with more hubs than a
    mask holds keeps every slot on its own.
    """
    starts = np.flatnonzero(np.diff(hub_days, prepend=-1))
    rank = np.arange(len(hub_days)) - np.repeat(starts, np.diff(np.r_[starts, len(hub_days)]))
    bits = np.zeros(slots, np.int64)
    np.bitwise_or.at(bits, link_slots, np.int64(1) << np.minimum(rank[link_hubs], 62))
    day = np.full(slots, -1, np.int64)
    day[link_slots] = hub_days[link_hubs]  # a slot's hubs share its place and weekday
    linked = np.unique(link_slots)
    _bits, bits_of = np.unique(bits[linked], return_inverse=True)
    signature = day[linked] * (len(_bits) + 1) + bits_of.reshape(-1)
    wide = np.zeros(slots, bool)
    wide[link_slots[rank[link_hubs] >= 62]] = True
    signature = np.where(wide[linked], -1 - linked, signature)
    _signatures, twin = np.unique(signature, return_inverse=True)
    twin_of = np.full(slots, -1, np.int64)
    twin_of[linked] = twin.reshape(-1)
    return twin_of, len(_signatures)


def _fitting_days(requests, table: _Offerings, pair_requests, pair_offerings) -> np.ndarray:
    """For each pair, the weekdays (bit d) on which a window of the offering fits the hours."""
    n = len(requests)
    starts = np.fromiter((r.start for r in requests), np.int32, n)
    ends = np.fromiter((r.end for r in requests), np.int32, n)
    weekday, window_start, window_end = table.weekday, table.window_start, table.window_end
    durations = table.durations
    days = np.zeros(len(pair_requests), np.int64)
    for lo in range(0, len(pair_requests), _PAIR_CHUNK):
        i, j = pair_requests[lo : lo + _PAIR_CHUNK], pair_offerings[lo : lo + _PAIR_CHUNK]
        overlap = np.minimum(window_end[j], ends[i, None]) - np.maximum(
            window_start[j], starts[i, None]
        )
        bits = np.where(overlap >= durations[j, None], np.int64(1) << weekday[j], 0)
        days[lo : lo + _PAIR_CHUNK] = np.bitwise_or.reduce(bits, axis=1) & 0b1111111
    return days


def _build_flow(requests, offerings, graph: _Graph, fairness: bool):
    """source → community tiers → request or class → offering → load tiers → sink.

    A request with a choice (or of a thin key) is a node of its own with one arc per
    pair; the others enter as classes (`_Graph`) and reach offerings through slots.
    Plus the source → sink bypass for requests left unserved. Node numbers: the direct
    requests, offerings, source, sink, one node per community, the slots, then the group
    nodes. A request's priority is the cost of the arc entering it (or its class): its
    rank among the distinct priorities (`_priority_ranks`) times `_need_scale(...)`,
    which outweighs whatever the lower levels can gain on one exchange of requests (see
    there), so the plan is lexicographic on need.
    """
    n, m, nd = len(requests), len(offerings), len(graph.direct)
    source, sink = nd + m, nd + m + 1
    community_index: dict[int, int] = {}
    members = np.fromiter(
        (community_index.setdefault(r.community_id, len(community_index)) for r in requests),
        np.int64,
        n,
    )
    communities = len(community_index) if fairness else 0
    first_slot = nd + m + 2 + communities
    nodes = first_slot + graph.slots + graph.group_nodes
    steps = np.concatenate([graph.direct_steps, graph.slot_steps])
    choices = np.concatenate(
        [graph.direct_choices, np.full(len(graph.slot_ids), CHOICE_NEUTRAL, np.int64)]
    )
    distance_unit = LOAD_TIERS  # load adds at most LOAD_TIERS - 1 to one proposal
    choice_unit = distance_unit * (int(steps.max(initial=0)) + 1)
    fairness_unit = choice_unit * (int(choices.max(initial=0)) + 1) if fairness else 0
    pair_costs = choices * choice_unit + steps * distance_unit
    remaining = np.fromiter((max(o.remaining, 0) for o in offerings), np.int64, m)
    reached = np.zeros(m, bool)
    reached[graph.direct_offerings] = True
    reached[graph.slot_offerings] = True
    types = np.fromiter((o.service_type_id for o in offerings), np.int64, m)[reached]
    # An exchange path stays within one service type and meets each offering once.
    _types, per_type = np.unique(types, return_counts=True)
    scale = _need_scale(fairness_unit, pair_costs, offerings_on_a_path=int(per_type.max(initial=0)))
    _check_headroom(int(graph.weights.max(initial=0)) * scale, nodes=nodes)
    entry_heads = np.concatenate([np.arange(nd), graph.class_targets + first_slot])
    entry_places = np.concatenate([np.ones(nd, np.int64), graph.class_sizes])
    entry_weights = np.concatenate([graph.weights[graph.direct], graph.class_ranks])
    entry_members = members[np.concatenate([graph.direct, graph.class_communities])]
    tier_tails, tier_heads, tier_places, tier_costs = _community_tiers(
        members, source, nd + m + 2, fairness
    )
    entry_tails = entry_members + nd + m + 2 if fairness else np.full(len(entry_heads), source)
    tier_offerings = np.flatnonzero(reached)
    tiers = [load_tiers(int(remaining[j])) for j in tier_offerings.tolist()]
    tier_counts = np.fromiter((len(t) for t in tiers), np.int64, len(tiers))
    tier_flat = np.asarray([tier for t in tiers for tier in t], np.int64).reshape(-1, 2)
    direct_costs = graph.direct_choices * choice_unit + graph.direct_steps * distance_unit
    slot_costs = CHOICE_NEUTRAL * choice_unit + graph.slot_steps * distance_unit
    group_arcs = graph.group_real
    parts = [
        (tier_tails, tier_heads, tier_places, tier_costs * fairness_unit),
        (
            graph.direct_nodes,
            graph.direct_offerings + nd,
            np.ones(len(graph.direct_nodes), np.int64),
            direct_costs,
        ),
        (entry_tails, entry_heads, entry_places, -entry_weights * scale),
        (
            graph.slots
            + first_slot
            + np.searchsorted(
                np.flatnonzero(np.bincount(graph.group_tails, minlength=graph.groups) > 1),
                graph.group_tails[group_arcs],
            ),
            graph.group_slots[group_arcs] + first_slot,
            np.full(int(group_arcs.sum()), n, np.int64),
            np.zeros(int(group_arcs.sum()), np.int64),
        ),
        (
            graph.slot_ids + first_slot,
            graph.slot_offerings + nd,
            np.full(len(graph.slot_ids), n, np.int64),
            slot_costs,
        ),
        (
            graph.link_tails + first_slot,
            graph.link_heads + first_slot,
            np.full(len(graph.link_tails), n, np.int64),
            np.zeros(len(graph.link_tails), np.int64),
        ),
        (
            np.repeat(tier_offerings, tier_counts) + nd,
            np.full(len(tier_flat), sink, np.int64),
            tier_flat[:, 0],
            tier_flat[:, 1],
        ),
        (np.asarray([source]), np.asarray([sink]), np.asarray([n]), np.asarray([0])),
    ]
    tails, heads, capacities, costs = (
        np.concatenate([np.asarray(part[k], np.int64) for part in parts]) for k in range(4)
    )
    number = _solver_numbers(nd, m, first_slot, graph.slots, nodes)
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(
        number[tails].astype(np.int32), number[heads].astype(np.int32), capacities, costs
    )
    flow.set_node_supply(int(number[source]), n)
    flow.set_node_supply(int(number[sink]), -n)
    bounds = np.cumsum([0, *(len(part[0]) for part in parts)])
    direct, entries, groups, slots, links = (arcs[bounds[k] : bounds[k + 1]] for k in range(1, 6))
    return flow, [direct, entries[nd:], groups, slots, links]


def _solver_numbers(nd: int, m: int, first_slot: int, slots: int, nodes: int) -> np.ndarray:
    """The number OR-Tools knows each node by: groups, slots and hubs, communities, sink,
    source, offerings, direct requests (ours: direct, offerings, source, sink, communities,
    slots and hubs, groups).

    Any numbering gives the same optimum; this one is a matter of speed. OR-Tools' cost
    scaling took 0.46 s instead of 0.56 s (median of 9, dense 20k, 2026-12-04) with the
    nodes requests enter first and the offerings last (measured; why lies inside OR-Tools'
    push-relabel and was not studied). Other instances may favour another order.
    """
    order = np.concatenate(
        [
            np.arange(first_slot + slots, nodes),  # groups
            np.arange(first_slot, first_slot + slots),  # slots and hubs
            np.arange(nd + m + 2, first_slot),  # communities
            [nd + m + 1, nd + m],  # sink, source
            np.arange(nd, nd + m),  # offerings
            np.arange(nd),  # direct requests
        ]
    ).astype(np.int64)
    number = np.empty(nodes, np.int64)
    number[order] = np.arange(nodes)
    return number


def _priority_ranks(priorities: np.ndarray) -> np.ndarray:
    """Each priority's rank among the distinct ones (1 = lowest): level 1's unit weights.

    The sets of requests that can be served together are the independent sets of a
    matroid (a gammoid: requests matched into offerings' places), and every priority is
    positive. Which plans serve the most priority then depends on the order of the
    priorities alone, not on their values: a plan is best exactly when, for every
    priority p, it serves as many requests of priority ≥ p as can be served together
    (the greedy criterion). Ranks keep that order with far fewer digits than the points,
    and the solver's work grows with the digits of the largest cost.
    """
    _distinct, rank = np.unique(priorities, return_inverse=True)
    return rank.reshape(-1).astype(np.int64) + 1


def _need_scale(fairness_unit: int, pair_costs: np.ndarray, *, offerings_on_a_path: int) -> int:
    """One rank of priority in cost units: more than the lower levels gain on one exchange.

    If a plan did not serve the most priority, some single exchange would improve it
    (matroid exchange): a request e enters and one of lower priority f leaves (or a free
    place takes e), along a path e → o1 ← f1 → o2 ← f2 … → ok ← f on which each request
    moves to the next offering. A shortest such path meets each offering once, so it
    has at most `offerings_on_a_path` new pairs and one fewer removed ones: the pairs'
    costs change by at most k·(max − min) + max. e's community coverage tier costs at
    most LOAD_TIERS − 1 fairness units (f's can only refund), and only a path ending at
    a free place fills one more load tier. The min-cost flow would take that exchange
    if one rank of priority outweighed all that, so at the optimum none is left: the
    plan serves the most priority (in the order of priorities), and among such plans the
    least lower-level cost.
    """
    if not len(pair_costs):
        return 1
    most, least = int(pair_costs.max()), int(pair_costs.min())
    return (
        fairness_unit * (LOAD_TIERS - 1) + offerings_on_a_path * (most - least) + most + LOAD_TIERS
    )


def _check_headroom(largest_cost: int, *, nodes: int) -> None:
    """Refuse an instance whose lexicographic costs could overflow inside OR-Tools."""
    if largest_cost * (nodes + 1) >= _COST_LIMIT:
        raise OverflowError(
            f"matching instance too large for exact priority order: cost {largest_cost} "
            f"× {nodes + 1} nodes exceeds int64 headroom; split the scope"
        )


def _community_tiers(members: np.ndarray, source: int, first_community: int, fairness: bool):
    """Arcs source → community by coverage tiers: (tails, heads, capacities, tier costs).

    The first tenth of a community's requests enters at tier 0, the next tenth at tier
    1, and so on, so a place goes where coverage is lowest. Without fairness, none.
    """
    if not fairness:
        empty = np.zeros(0, np.int64)
        return empty, empty, empty, empty
    tier_tails, tier_heads, tier_places, tier_costs = [], [], [], []
    for c, size in enumerate(np.bincount(members).tolist()):
        for places, tier in load_tiers(size):
            tier_tails.append(source)
            tier_heads.append(first_community + c)
            tier_places.append(places)
            tier_costs.append(tier)
    return (
        np.asarray(tier_tails, np.int64),
        np.asarray(tier_heads, np.int64),
        np.asarray(tier_places, np.int64),
        np.asarray(tier_costs, np.int64),
    )


def _proposal(request: RequestInput, offering: OfferingInput, km: float | None) -> Proposal:
    return Proposal(
        request_id=request.id,
        offering_id=offering.id,
        priority=priority(request),
        distance_km=None if km is None else round(km, 2),
        request=request,
        offering=offering,
        km=km,
    )
