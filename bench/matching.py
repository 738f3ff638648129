"""Matching at city scale: the min-cost-flow solver against two greedy baselines.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sanlian_bench .venv/bin/python -m bench.matching

Per size (open requests × offerings) it reports the solver's time, the end-to-end
time of `services.matching.io.matching_run` on the database (read candidates → solve
→ write proposals) and that run's peak memory (max RSS of a fresh subprocess), and,
for the solver and both baselines: requests served, the priority-weighted objective,
the share of urgent requests served and the worst community's coverage against the
overall rate. `--sizes 1000x100,5000x500` picks sizes; `--family sparse|dense|both`
the instance family.

Each size also builds a plain OR-Tools min-cost flow over the *same* feasible pairs (no
fairness, continuity, distance or load: priority alone) in the same process: the floor.
The solver is timed as the run calls it (`plan`: the proposals and every unserved
request's reason). Solver and floor are timed interleaved (`--repeat`, at least 3),
reported as median and spread; the floor must serve exactly the solver's priority total
(both are optimal on priority, level 1 of the objective), or the run fails.

Families: **sparse** (today's demo-shaped instance, ~4 feasible pairs per request) and
**dense** (the reference city density: 60 communities per 20k requests, every home-visit
offering serving all communities within DENSE_RADIUS_KM of its venue, ~25 feasible pairs
per request).

The instances are synthetic but shaped like the demo: communities clustered in
streets, organizations with agreements in their street, offerings listing nearby
communities, weekly windows, service durations, ~5 % urgent requests, and about
three places for every four requests, so priorities decide who waits.
"""

import argparse
import datetime
import json
import math
import random
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np

from bench.baselines import greedy, greedy_in_order
from bench.common import (
    best_of,
    database_vendor,
    django_setup,
    emit,
    machine,
    peak_rss_mib,
    ratio,
    say,
)

SIZES = ((1_000, 100), (5_000, 500), (20_000, 2_000), (50_000, 5_000))
TARGET_SIZE = (20_000, 2_000)
TARGETS = {"solver_s": 2.0, "end_to_end_s": 10.0, "peak_rss_mib": 1024.0, "fairness": 0.8}
DENSE_RADIUS_KM = 8.0
DENSE_SPREAD_DEGREES = 0.9  # for 60 communities; grows with the square root of their number
DENSE_REQUESTS_PER_COMMUNITY = 333  # 60 communities at 20k requests
MIN_REPEAT = 3


def next_monday() -> datetime.date:
    """The Monday of next week in Asia/Shanghai: matching refuses weeks that have ended."""
    from zoneinfo import ZoneInfo

    today = datetime.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    return today + datetime.timedelta(days=7 - today.weekday())


WEEK = next_monday()  # passed to the child process, so both sides use the same week
SEED = 20260312
COMMUNITIES_PER_STREET = 10
REQUESTS_PER_COMMUNITY = 100
PLACES_PER_REQUEST = 0.75

# (duration minutes, share of requests, home visit?) — like the demo's service types.
SERVICE_TYPES = (
    (30, 14, True),  # haircut
    (20, 16, True),  # blood pressure
    (60, 14, True),  # companionship
    (90, 16, True),  # cleaning
    (60, 10, True),  # bathing
    (240, 8, False),  # day care at the community centre
    (90, 8, False),  # interest class
    (60, 14, True),  # hotline-dispatched home service
)
HOME_WINDOWS = ((510, 690), (840, 1050), (540, 720))
CLASS_WINDOWS = ((540, 660), (870, 990), (480, 1050))
REQUEST_HOURS = ((480, 720), (780, 1080), (480, 1080), (540, 1020))


@dataclass
class Instance:
    requests: list
    offerings: list
    communities: dict  # id → (street index, lat, lon)
    organizations: dict  # id → home community id
    agreements: list  # (organization id, community id)
    listed: dict  # offering id → community ids it lists itself


# --- the synthetic instance ---------------------------------------------------


def instance_build(
    n_requests: int, n_offerings: int, seed: int = SEED, *, family: str = "sparse"
) -> Instance:
    from services.matching.core import OfferingInput, RequestInput, Window

    rng = random.Random(seed * 1_000_003 + n_requests)
    per_community = DENSE_REQUESTS_PER_COMMUNITY if family == "dense" else REQUESTS_PER_COMMUNITY
    count = max(COMMUNITIES_PER_STREET, n_requests // per_community)
    # Dense: the city grows with its communities (same density at every size), so an
    # offering serving everything within DENSE_RADIUS_KM reaches ~25 pairs per request.
    spread = DENSE_SPREAD_DEGREES * math.sqrt(count / 60) if family == "dense" else 0.2
    communities = _communities(rng, count, spread=spread)
    nearby = _nearby(communities) if family == "dense" else None
    by_street = defaultdict(list)
    for community_id, (street, _lat, _lon) in communities.items():
        by_street[street].append(community_id)
    # Demand differs up to 4 × between communities; organizations settle where it is.
    demand = {c: 0.5 + 1.5 * rng.random() for c in communities}
    organizations, agreements = _organizations(rng, max(1, n_offerings // 4), by_street, demand)
    agreed, orgs_by_street = defaultdict(set), defaultdict(list)
    for organization_id, home in organizations.items():
        orgs_by_street[communities[home][0]].append(organization_id)
    for organization_id, community_id in agreements:
        agreed[organization_id].add(community_id)
    places = round(PLACES_PER_REQUEST * n_requests / n_offerings)
    offerings, listed = [], {}
    for offering_id in range(1, n_offerings + 1):
        # Supply follows demand: the venue is where demand is, run by an organization nearby.
        home = rng.choices(list(demand), list(demand.values()))[0]
        organization_id = rng.choice(orgs_by_street[communities[home][0]] or list(organizations))
        type_index = rng.choices(range(len(SERVICE_TYPES)), [t[1] for t in SERVICE_TYPES])[0]
        duration, _share, home_visit = SERVICE_TYPES[type_index]
        street = by_street[communities[home][0]]
        if not home_visit:
            listed[offering_id] = frozenset({home})
        elif nearby is not None:
            listed[offering_id] = nearby[home]
        else:
            listed[offering_id] = frozenset(
                [*rng.sample(street, rng.randint(1, min(6, len(street)))), home]
            )
        offerings.append(
            OfferingInput(
                id=offering_id,
                organization_id=organization_id,
                service_type_id=type_index + 1,
                served_community_ids=listed[offering_id] | agreed[organization_id],
                windows=tuple(Window(*w) for w in _windows(rng, home_visit)),
                remaining=rng.randint(max(1, places // 3), places * 5 // 3 + 1),
                duration=duration,
                home_community_id=home,
                agreement_community_ids=frozenset(agreed[organization_id]),
                lat=communities[home][1],
                lon=communities[home][2],
            )
        )
    requests = [
        _request(RequestInput, rng, request_id, communities, demand)
        for request_id in range(1, n_requests + 1)
    ]
    return Instance(requests, offerings, communities, organizations, agreements, listed)


def _communities(rng: random.Random, count: int, *, spread: float = 0.2) -> dict:
    """Streets' centres scattered over `spread` degrees square, communities around them."""
    streets = math.ceil(count / COMMUNITIES_PER_STREET)
    centres = [
        (37.78 + spread * rng.random(), 112.45 + spread * rng.random()) for _ in range(streets)
    ]
    return {
        c: (
            (c - 1) // COMMUNITIES_PER_STREET,
            round(centres[(c - 1) // COMMUNITIES_PER_STREET][0] + rng.uniform(-0.012, 0.012), 6),
            round(centres[(c - 1) // COMMUNITIES_PER_STREET][1] + rng.uniform(-0.012, 0.012), 6),
        )
        for c in range(1, count + 1)
    }


def _nearby(communities: dict) -> dict[int, frozenset[int]]:
    """Community id → the communities within DENSE_RADIUS_KM of it (itself included)."""
    ids = list(communities)
    lat = np.radians([communities[c][1] for c in ids])
    lon = np.radians([communities[c][2] for c in ids])
    a = (
        np.sin((lat[:, None] - lat[None, :]) / 2) ** 2
        + np.cos(lat[:, None])
        * np.cos(lat[None, :])
        * np.sin((lon[:, None] - lon[None, :]) / 2) ** 2
    )
    km = 6371.0 * 2 * np.arcsin(np.minimum(1.0, np.sqrt(a)))
    return {
        c: frozenset(ids[k] for k in np.flatnonzero(km[i] <= DENSE_RADIUS_KM))
        for i, c in enumerate(ids)
    }


def _organizations(rng: random.Random, count: int, by_street: dict, demand: dict):
    street_of = {c: s for s, members in by_street.items() for c in members}
    organizations, agreements = {}, []
    for organization_id in range(1, count + 1):
        home = rng.choices(list(demand), list(demand.values()))[0]
        street = by_street[street_of[home]]
        organizations[organization_id] = home
        for community_id in rng.sample(street, rng.randint(1, min(3, len(street)))):
            agreements.append((organization_id, community_id))
    return organizations, agreements


def _windows(rng: random.Random, home_visit: bool) -> list[tuple[int, int, int]]:
    if home_visit:
        start, end = rng.choice(HOME_WINDOWS)
        days = rng.sample(range(7), rng.randint(2, 5))
    else:
        start, end = rng.choice(CLASS_WINDOWS)
        days = rng.sample(range(5), rng.randint(1, 5))
    return [(day, start, end) for day in sorted(days)]


def _request(RequestInput, rng: random.Random, request_id: int, communities: dict, demand: dict):
    community_id = rng.choices(list(demand), list(demand.values()))[0]
    start, end = rng.choice(REQUEST_HOURS)
    if rng.random() < 0.3:
        days_mask = 0b1111111
    else:
        days_mask = sum(1 << d for d in rng.sample(range(7), rng.randint(1, 3)))
    _street, lat, lon = communities[community_id]
    return RequestInput(
        id=request_id,
        service_type_id=rng.choices(range(1, 9), [t[1] for t in SERVICE_TYPES])[0],
        community_id=community_id,
        days_mask=days_mask,
        start=start,
        end=end,
        urgent=rng.random() < 0.05,
        living_alone=rng.random() < 0.3,
        care_level=rng.choices(["self_reliant", "semi_dependent", "dependent"], [60, 25, 15])[0],
        age=min(int(rng.triangular(60, 100, 72)), 99),
        days_waited=rng.randint(0, 90),
        lat=lat,
        lon=lon,
    )


# --- quality of a set of proposals ---------------------------------------------


def quality(instance: Instance, proposals: list) -> dict:
    from services.matching.core import priority

    served = {p.request_id for p in proposals}
    wanted, got = Counter(), Counter()
    for r in instance.requests:
        wanted[r.community_id] += 1
        got[r.community_id] += r.id in served
    overall = len(served) / len(instance.requests)
    worst = min(got[c] / wanted[c] for c in wanted)
    urgent = [r for r in instance.requests if r.urgent]
    return {
        "served": len(served),
        "objective": sum(priority(r) for r in instance.requests if r.id in served),
        "urgent_served": sum(1 for r in urgent if r.id in served),
        "urgent_share": round(sum(1 for r in urgent if r.id in served) / len(urgent), 4),
        "coverage": round(overall, 4),
        "worst_community_coverage": round(worst, 4),
        "fairness": round(worst / overall, 3) if overall else None,
    }


def urgent_bounds(instance: Instance) -> dict:
    """Urgent requests with a feasible offering, and how many of them capacity lets serve at once.

    The second is a max flow on urgent requests alone: the most any plan could serve.
    """
    from services.matching.core import _pair_arrays, solve

    urgent = [r for r in instance.requests if r.urgent]
    pair_requests, _ = _pair_arrays(urgent, instance.offerings)
    # With urgent requests only, every unit of flow is worth the same: solve = max flow.
    return {
        "urgent": len(urgent),
        "urgent_feasible": len(set(pair_requests.tolist())),
        "urgent_max_servable": len(solve(urgent, instance.offerings)),
    }


def community_bound(instance: Instance) -> float:
    """The lowest coverage any community could reach even if served alone: an upper bound.

    Where offerings near a community are too few, no plan reaches 0.8 × overall there.
    """
    from services.matching.core import solve

    by_community = defaultdict(list)
    for r in instance.requests:
        by_community[r.community_id].append(r)
    return round(
        min(
            len(solve(rs, [o for o in instance.offerings if c in o.served_community_ids])) / len(rs)
            for c, rs in by_community.items()
        ),
        4,
    )


def fcfs(instance: Instance) -> list:
    """First come, first served: longest-waiting first, nearest offering with a place left."""
    requests = instance.requests
    order = sorted(range(len(requests)), key=lambda i: (-requests[i].days_waited, requests[i].id))
    return greedy_in_order(requests, instance.offerings, order)


def urgent_first(instance: Instance) -> list:
    """Most urgent first (by the priority score), nearest feasible offering with a place left."""
    return greedy(instance.requests, instance.offerings)


# --- one size --------------------------------------------------------------------


def floor_solve(requests, offerings, pair_requests, pair_offerings) -> tuple[int, set[int]]:
    """A plain OR-Tools min-cost flow on the same pairs: priority alone, built in bulk.

    source → request (cap 1) → offering (cap 1, cost −priority) → sink (cap = places),
    plus the bypass. Returns (priority served, request indexes served).
    """
    from ortools.graph.python import min_cost_flow

    from services.matching.core import priority

    n, m = len(requests), len(offerings)
    source, sink = n + m, n + m + 1
    weights = np.fromiter((priority(r) for r in requests), np.int64, n)
    places = np.fromiter((o.remaining for o in offerings), np.int64, m)
    tails = np.concatenate([np.full(n, source), pair_requests, np.arange(m) + n, [source]])
    heads = np.concatenate([np.arange(n), pair_offerings + n, np.full(m, sink), [sink]])
    capacities = np.concatenate([np.ones(n + len(pair_requests), np.int64), places, [n]])
    costs = np.concatenate(
        [np.zeros(n, np.int64), -weights[pair_requests], np.zeros(m + 1, np.int64)]
    )
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32), heads.astype(np.int32), capacities, costs
    )
    flow.set_node_supply(source, n)
    flow.set_node_supply(sink, -n)
    if flow.solve() != flow.OPTIMAL:
        raise RuntimeError("the floor's min-cost flow is not optimal")
    chosen = flow.flows(arcs[n : n + len(pair_requests)]) > 0
    served = set(pair_requests[chosen].tolist())
    return int(weights[list(served)].sum()) if served else 0, served


def interleaved(repeat: int, functions: dict) -> tuple[dict, dict]:
    """Run each function once per round, rounds alternating the order: medians and spreads."""
    times: dict[str, list[float]] = {name: [] for name in functions}
    cpu: dict[str, list[float]] = {name: [] for name in functions}
    results: dict = {}
    for round_ in range(repeat):
        names = list(functions) if round_ % 2 == 0 else list(reversed(functions))
        for name in names:
            began, began_cpu = time.perf_counter(), time.process_time()
            results[name] = functions[name]()
            times[name].append(time.perf_counter() - began)
            cpu[name].append(time.process_time() - began_cpu)
    # CPU time too: on a shared machine a process waiting for a core loses wall time,
    # not CPU time, so the CPU ratio is the steadier one (both are single-threaded).
    return {
        name: {
            "median_s": round(statistics.median(t), 4),
            "min_s": round(min(t), 4),
            "max_s": round(max(t), 4),
            "cpu_median_s": round(statistics.median(cpu[name]), 4),
        }
        for name, t in times.items()
    }, results


def size_run(n_requests: int, n_offerings: int, *, family: str = "sparse", repeat: int = 3) -> dict:
    from services.matching.core import _pair_arrays, plan, priority

    instance = instance_build(n_requests, n_offerings, family=family)
    requests, offerings = instance.requests, instance.offerings
    pair_requests, pair_offerings = _pair_arrays(requests, offerings)
    arcs = len(pair_requests)
    result = {"family": family, "requests": n_requests, "offerings": n_offerings, "arcs": arcs}
    result["pairs_per_request"] = round(arcs / n_requests, 1)
    timings, outcomes = interleaved(
        max(repeat, MIN_REPEAT),
        {
            "solver": lambda: plan(requests, offerings).proposals,
            "floor": lambda: floor_solve(requests, offerings, pair_requests, pair_offerings),
        },
    )
    proposals = outcomes["solver"]
    floor_objective, _served = outcomes["floor"]
    solver_objective = sum(priority(requests[i]) for i in _indexes(instance, proposals))
    if floor_objective != solver_objective:
        raise SystemExit(
            f"floor and solver disagree on the priority served ({floor_objective} vs "
            f"{solver_objective}): one of them is broken"
        )
    result["solver_timing"], result["floor_timing"] = timings["solver"], timings["floor"]
    result["solver_s"] = timings["solver"]["median_s"]
    result["floor_s"] = timings["floor"]["median_s"]
    result["solver_vs_floor"] = ratio(result["solver_s"], result["floor_s"])
    result["solver_vs_floor_cpu"] = ratio(
        timings["solver"]["cpu_median_s"], timings["floor"]["cpu_median_s"]
    )
    result["fcfs_s"], by_arrival = best_of(MIN_REPEAT, fcfs, instance)
    result["urgent_first_s"], by_urgency = best_of(MIN_REPEAT, urgent_first, instance)
    result["solver"] = quality(instance, proposals)
    result["fcfs"] = quality(instance, by_arrival)
    result["urgent_first"] = quality(instance, by_urgency)
    result.update(urgent_bounds(instance))
    result["worst_community_bound"] = community_bound(instance)
    result.update(end_to_end(instance))
    return result


def _indexes(instance: Instance, proposals) -> list[int]:
    index = {r.id: i for i, r in enumerate(instance.requests)}
    return [index[p.request_id] for p in proposals]


def end_to_end(instance: Instance) -> dict:
    """Seed the instance into the database, then time matching_run in a fresh process."""
    began = time.perf_counter()
    street_id = database_seed(instance)
    seeded = round(time.perf_counter() - began, 2)
    child = subprocess.run(  # noqa: S603 - our own interpreter and module, no user input
        [
            sys.executable,
            "-m",
            "bench.matching",
            "--matching-run",
            str(street_id),
            "--week",
            WEEK.isoformat(),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    measured = json.loads(child.stdout.strip().splitlines()[-1])
    return {"seed_s": seeded, **measured}


def matching_run_once(street_id: int, week: datetime.date) -> dict:
    """In a fresh process: one matching run over the whole street, timed, with its peak memory.

    Peak memory is this process's VmHWM: `ru_maxrss` survives exec on Linux and would
    report the parent's peak.
    """
    from communities.models import Street
    from sanlian.models import User
    from services.matching.io import matching_run

    street = Street.objects.get(pk=street_id)
    user = User.objects.get(username="bench-staff")
    baseline_rss = process_peak_mib()
    began, began_cpu = time.perf_counter(), time.process_time()
    marks = []  # the run reports progress after the read (30) and after the solve (70)
    run = matching_run(
        user=user,
        street=street,
        week_start=week,
        progress=lambda percent: marks.append((time.perf_counter(), time.process_time())),
    )
    ended = (time.perf_counter(), time.process_time())
    seconds = round(ended[0] - began, 3)
    read, solved = marks if len(marks) == 2 else (ended, ended)
    return {
        "end_to_end_s": seconds,
        # Where the time went: read the snapshot, solve, write (wall, and this process's CPU).
        "phases_s": {
            "read": round(read[0] - began, 2),
            "solve": round(solved[0] - read[0], 2),
            "write": round(ended[0] - solved[0], 2),
        },
        "phases_cpu_s": {
            "read": round(read[1] - began_cpu, 2),
            "solve": round(solved[1] - read[1], 2),
            "write": round(ended[1] - solved[1], 2),
        },
        # This process's CPU time (PostgreSQL's own work not included): the steadier
        # figure when other jobs share the cores.
        "end_to_end_cpu_s": round(time.process_time() - began_cpu, 3),
        "peak_rss_mib": process_peak_mib(),
        "django_rss_mib": baseline_rss,
        "db_served": run.stats["served"],
        "db_requests": run.stats["requests"],
    }


def process_peak_mib() -> float:
    """VmHWM of this process (Linux), else ru_maxrss."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return peak_rss_mib()


# --- seeding the database --------------------------------------------------------


def database_seed(instance: Instance) -> int:
    """Replace the benchmark tables' rows with the instance (bulk inserts); the street's id."""
    from django.db import connection, transaction

    database_clear()
    with transaction.atomic():
        street, communities, venues = _seed_places(instance)
        types = _seed_service_types()
        organizations = _seed_organizations(instance, street, communities, venues)
        _seed_offerings(instance, organizations, types, communities, venues)
        _seed_requests(instance, types, communities)
        _seed_user()
    if connection.vendor == "postgresql":
        # A live database has planner statistics (autovacuum); fresh bulk inserts have
        # none, and a re-run's withdrawal then chose a plan 20 × slower (2026-12-03).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return street.pk


def database_clear() -> None:
    from django.db import connection

    from communities.models import Community, District, Resident, Street, Venue
    from organizations.models import Agreement, Organization
    from sanlian.models import AuditEntry
    from services.models import Match, MatchingRun, ServiceOffering, ServiceRequest, ServiceType

    models = (Match, MatchingRun, ServiceRequest, Resident, ServiceOffering, Agreement)
    models += (Organization, Venue, Community, Street, District, ServiceType, AuditEntry)
    if connection.vendor == "postgresql":
        tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    else:
        for model in models:
            model.objects.all().delete()


def _seed_places(instance: Instance):
    from communities.models import Community, District, Street, Venue

    district = District.objects.create(code="140199", name="基准区")
    # One street holds every community: the run solves the whole instance as one scope.
    street = Street.objects.create(district=district, code="140199000001", name="基准街道")
    rows = [
        Community(
            street=street,
            code=f"B{c:08d}",
            name=f"第{s + 1}片{c}社区",
            households=3000,
            population=9000,
            residents_60_plus=1800,
            latitude=lat,
            longitude=lon,
        )
        for c, (s, lat, lon) in instance.communities.items()
    ]
    communities = dict(zip(instance.communities, Community.objects.bulk_create(rows), strict=True))
    venues = Venue.objects.bulk_create(
        Venue(community=c, name="日间照料中心", kind="day_care", area_m2=200, capacity=40)
        for c in communities.values()
    )
    return street, communities, dict(zip(communities, venues, strict=True))


def _seed_service_types() -> dict:
    from services.models import ServiceType

    rows = [
        ServiceType(
            code=f"bench-{k}",
            name=f"基准服务{k}",
            care_mode="home" if home else "day_care",
            default_duration_minutes=duration,
        )
        for k, (duration, _share, home) in enumerate(SERVICE_TYPES, start=1)
    ]
    return dict(zip(range(1, len(rows) + 1), ServiceType.objects.bulk_create(rows), strict=True))


def _seed_organizations(instance: Instance, street, communities: dict, venues: dict) -> dict:
    from django.utils import timezone

    from organizations.models import Agreement, Organization

    rows = [
        Organization(
            name=f"基准社会组织{o}",
            credit_code=f"52140100B{o:09d}",
            category="public_welfare",
            legal_representative="王某",
            contact_name="李某",
            contact_phone=f"139{o:08d}",
            email=f"org{o}@example.cn",
            address="太原市",
            home_street=street,
            status=Organization.Status.APPROVED,
            submitted_at=timezone.now(),
        )
        for o in instance.organizations
    ]
    organizations = dict(
        zip(instance.organizations, Organization.objects.bulk_create(rows), strict=True)
    )
    Agreement.objects.bulk_create(
        Agreement(
            organization=organizations[o],
            community=communities[c],
            venue=venues[c],
            start_date=WEEK - datetime.timedelta(days=90),
            status=Agreement.Status.ACTIVE,
        )
        for o, c in instance.agreements
    )
    return organizations


def _seed_offerings(instance, organizations, types, communities, venues) -> None:
    from services.models import OfferingWindow, ServiceOffering

    rows = [
        ServiceOffering(
            organization=organizations[o.organization_id],
            service_type=types[o.service_type_id],
            venue=venues[o.home_community_id],
            weekly_capacity=o.remaining,
        )
        for o in instance.offerings
    ]
    saved = ServiceOffering.objects.bulk_create(rows)
    saved = {o.id: row for o, row in zip(instance.offerings, saved, strict=True)}
    OfferingWindow.objects.bulk_create(
        OfferingWindow(
            offering=saved[o.id],
            weekday=w.weekday,
            start_time=datetime.time(w.start // 60, w.start % 60),
            end_time=datetime.time(w.end // 60, w.end % 60),
        )
        for o in instance.offerings
        for w in o.windows
    )
    through = ServiceOffering.communities.through
    through.objects.bulk_create(
        through(serviceoffering_id=saved[o].pk, community_id=communities[c].pk)
        for o, listed in instance.listed.items()
        for c in listed
    )


def _seed_requests(instance: Instance, types: dict, communities: dict) -> None:
    from django.utils import timezone

    from communities.models import Resident
    from services.models import ServiceRequest

    residents = Resident.objects.bulk_create(
        (
            Resident(
                name=f"居民{r.id}",
                sex="F" if r.id % 2 else "M",
                birth_date=WEEK.replace(year=WEEK.year - r.age) - datetime.timedelta(days=1),
                address="太原市",
                community=communities[r.community_id],
                living_situation="alone" if r.living_alone else "with_family",
                care_level=r.care_level,
            )
            for r in instance.requests
        ),
        batch_size=5000,
    )
    now = timezone.now()
    ServiceRequest.objects.bulk_create(
        (
            ServiceRequest(
                resident=resident,
                service_type=types[r.service_type_id],
                preferred_days=r.days_mask,
                preferred_start=datetime.time(r.start // 60, r.start % 60),
                preferred_end=datetime.time(r.end // 60, r.end % 60),
                urgent=r.urgent,
                created_at=now - datetime.timedelta(days=r.days_waited),
            )
            for r, resident in zip(instance.requests, residents, strict=True)
        ),
        batch_size=5000,
    )


def _seed_user() -> None:
    from sanlian.models import User

    # City-wide, as the civil-affairs bureau runs matching: a street role would need an
    # assignment to the benchmark's street before matching lets it run there.
    User.objects.update_or_create(username="bench-staff", defaults={"role": "civil_affairs"})


# --- the report --------------------------------------------------------------------


def growth_exponent(rows: list[dict]) -> float | None:
    """Least-squares slope of log(solver time) on log(arcs)."""
    points = [(math.log(r["arcs"]), math.log(r["solver_s"])) for r in rows if r["solver_s"] > 0]
    if len(points) < 2:
        return None
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    num = sum((x - mean_x) * (y - mean_y) for x, y in points)
    den = sum((x - mean_x) ** 2 for x, _ in points)
    return round(num / den, 3) if den else None


def size_report(row: dict) -> None:
    solver, floor = row["solver_timing"], row["floor_timing"]
    say(
        f"[{row['family']}] {row['requests']:>6} × {row['offerings']:<5} arcs {row['arcs']:>8} "
        f"({row['pairs_per_request']}/request)  solver {solver['median_s']:.3f}s "
        f"[{solver['min_s']:.3f}–{solver['max_s']:.3f}]  floor {floor['median_s']:.3f}s "
        f"[{floor['min_s']:.3f}–{floor['max_s']:.3f}]  = {row['solver_vs_floor']} × floor "
        f"(CPU time {solver['cpu_median_s']:.3f}s vs {floor['cpu_median_s']:.3f}s "
        f"= {row['solver_vs_floor_cpu']} ×)"
    )
    say(
        f"    fcfs {row['fcfs_s']:.3f}s, urgent-first {row['urgent_first_s']:.3f}s  "
        f"end-to-end {row['end_to_end_s']:.2f}s (CPU {row['end_to_end_cpu_s']:.2f}s here)  "
        f"peak {row['peak_rss_mib']:.0f} MiB (fresh process)"
    )
    phases, cpu = row.get("phases_s", {}), row.get("phases_cpu_s", {})
    say(
        "    end-to-end by phase (wall / CPU here): "
        + ", ".join(f"{name} {phases[name]:.2f}s / {cpu[name]:.2f}s" for name in phases)
    )
    for name in ("solver", "fcfs", "urgent_first"):
        q = row[name]
        say(
            f"    {name:<13} served {q['served']:>6}  objective {q['objective']:>9}"
            f" ({ratio(q['objective'], row['fcfs']['objective']):.3f} × fcfs)"
            f"  urgent {q['urgent_served']}/{row['urgent']}"
            f"  worst community {q['worst_community_coverage']:.2f} vs {q['coverage']:.2f}"
        )
    say(
        f"    urgent with a feasible offering {row['urgent_feasible']}, "
        f"servable at once {row['urgent_max_servable']}; "
        f"the worst community could reach at most {row['worst_community_bound']:.2f} alone"
    )


def checks(rows: list[dict], exponent: float | None) -> dict:
    at = [r for r in rows if (r["requests"], r["offerings"]) == TARGET_SIZE]
    verdict = {}
    for r in at:
        solver, family = r["solver"], r["family"]
        verdict.update(
            {
                f"{family}_solver_le_2s": r["solver_s"] <= TARGETS["solver_s"],
                f"{family}_solver_le_1x_floor": (r["solver_vs_floor"] or 0) <= 1.0,
                f"{family}_end_to_end_le_10s": r["end_to_end_s"] <= TARGETS["end_to_end_s"],
                f"{family}_peak_memory_le_1gib": r["peak_rss_mib"] <= TARGETS["peak_rss_mib"],
                f"{family}_objective_ge_baselines": solver["objective"]
                >= max(r["fcfs"]["objective"], r["urgent_first"]["objective"]),
                f"{family}_feasible_urgent_served": solver["urgent_served"]
                == r["urgent_max_servable"],
                f"{family}_worst_community_ge_0_8_overall": (solver["fairness"] or 0)
                >= TARGETS["fairness"],
            }
        )
    if at and exponent is not None:  # one size gives no exponent: nothing to check
        verdict["growth_le_arcs_1_5"] = exponent <= 1.5
    return verdict


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", help="e.g. 1000x100,20000x2000")
    parser.add_argument("--family", choices=("sparse", "dense", "both"), default="both")
    parser.add_argument("--repeat", type=int, default=MIN_REPEAT, help="interleaved rounds (≥ 3)")
    parser.add_argument("--matching-run", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--week", type=datetime.date.fromisoformat, help=argparse.SUPPRESS)
    args = parser.parse_args()
    django_setup()
    if args.matching_run:
        emit(matching_run_once(args.matching_run, args.week or WEEK))
        return
    sizes = SIZES
    if args.sizes:
        sizes = [tuple(int(x) for x in s.split("x")) for s in args.sizes.split(",")]
    families = ("sparse", "dense") if args.family == "both" else (args.family,)
    say(
        f"matching benchmark on {database_vendor()}, {machine()['cpu']}, {machine()['cores']} "
        f"cores, service week {WEEK}"
    )
    rows = []
    for family in families:
        for n_requests, n_offerings in sizes:
            rows.append(size_run(n_requests, n_offerings, family=family, repeat=args.repeat))
            size_report(rows[-1])
    exponent = growth_exponent([r for r in rows if r["family"] == families[0]])
    say(f"solver time grows as arcs^{exponent} ({families[0]}; target ≤ 1.5)")
    verdict = checks(rows, exponent)
    for name, ok in verdict.items():
        say(f"  {'PASS' if ok else 'FAIL'}  {name}")
    emit(
        {
            "benchmark": "matching",
            "database": database_vendor(),
            "machine": machine(),
            "week": WEEK.isoformat(),
            "sizes": rows,
            "growth_exponent": exponent,
            "checks": verdict,
        }
    )


if __name__ == "__main__":
    main()
