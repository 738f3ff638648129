"""Statistics from rollups: the overview against a bare query of the rollup table and the raw count.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sanlian_bench_stats \\
        .venv/bin/python -m bench.stats --visits 100000
    … --visits 1000000 --raw-repeats 1     # the 1M run: seeding takes a few minutes

Seeds the city of bench/api.py scaled to `--visits` (residents, requests and visits in the
proportions 1 : 2 : 5; 100 communities in 10 streets; INSERT … SELECT, reused when the
database already holds that size), rebuilds the rollups (timed), then measures three
overviews in process:

- city: the whole city, no filter;
- street: a street's staff scope (its 10 communities);
- filtered: the whole city with ?date_from= (the last 13 weeks of the data).

Each is `stats_overview` from the rollups, with the cache emptied before every call (a
cold figure: nothing cached, the allowance block counted from the ledger again; the
suppression decisions are rows the refresh stored, read like the sums), p95 over `--calls`
calls; and warm (`*_warm`: the allowance block cached, everything else queried every
time). Interleaved with it (A B, B A, …; `--repeats` ≥ 3, median and spread printed):

- floor: the bare query of the rollup table for the same scope and dates — one
  SUM over DailyFigures plus one over ServedCount, what no implementation could skip;
- raw: the same overview counted from the raw tables (`counted_from_raw_tables`), the
  reference the rollups replace (`--raw-repeats` calls per round; slow at 1M).

Also timed: one incremental refresh after 200 changes spread over the year.
Targets: overview p95 ≤ 150 ms and ≤ 3 × the floor's p95. A floor slower than
FLOOR_SANITY_MS, or slower than the overview it bounds, is a broken baseline: exit 2.
"""

import argparse
import datetime
import os
import time

from bench import api as city
from bench.common import (
    database_vendor,
    django_setup,
    emit,
    floor_problems,
    interleaved,
    machine,
    percentiles,
    ratio,
    say,
    spread,
    spread_line,
    verdict,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/sanlian_bench_stats"
TARGET_P95_MS = 150.0
TARGET_VS_FLOOR = 3.0
# Two sums over at most days × communities rows (36,500 at 1M visits) take a few ms; a
# floor slower than this is measuring something else (a cold cache, a missing index).
FLOOR_SANITY_MS = 100.0
DATA_END = datetime.date(2026, 3, 10)  # the seeded visits end here (bench/api.py)


def _scale(visits: int) -> None:
    city.sizes_scale(visits / city.VISITS)
    # sizes_scale keeps at least 1000 of each; keep the seeded proportions exact instead.
    city.VISITS = visits
    city.REQUESTS = max(visits * 2 // 5, 1)
    city.RESIDENTS = max(visits // 5, 1)


def _filters() -> dict:
    from communities.models import Community, Street
    from reporting.stats import StatsFilter

    street = Street.objects.order_by("pk").first()
    scope = frozenset(Community.objects.filter(street=street).values_list("pk", flat=True))
    since = DATA_END - datetime.timedelta(weeks=13)
    return {
        "city": StatsFilter(),
        "street": StatsFilter(community_ids=scope),
        "filtered": StatsFilter(date_from=since),
    }


def _overview_ms(stats_filter, *, cold: bool = True) -> float:
    from django.core.cache import cache

    from reporting.stats import stats_overview

    if cold:
        cache.clear()  # nothing of the figure is cached (the allowance block is the only part)
    began = time.perf_counter()
    stats_overview(stats_filter)
    return (time.perf_counter() - began) * 1000


def _floor_ms(stats_filter) -> float:
    """The bare query: the rollup sums for the scope and period, nothing else. The whole
    city is read without a list of communities (a list of every one made PostgreSQL choose
    a plan 3 × slower than the overview's at 1M visits, a floor above the project)."""
    from django.db import connection

    from reporting.rollups import FIGURE_COLUMNS
    from reporting.stats import communities_in, whole_weeks

    stats_filter = whole_weeks(stats_filter)
    began = time.perf_counter()
    where, params = ["TRUE"], []
    if stats_filter.community_ids is not None:
        where.append("community_id = ANY(%s)")
        params.append(list(communities_in(stats_filter).values_list("pk", flat=True)))
    since = stats_filter.date_from
    if since:
        where.append("day >= %s")
        params.append(since)
    served = "previous_week IS NULL" + (" OR previous_week < %s" if since else "")
    sums = ", ".join(f"SUM({column})" for column in FIGURE_COLUMNS)
    condition = " AND ".join(where)
    served_in = condition.replace("day >=", "week >=")  # ServedCount counts by week
    # The scopes measured here are the caller's communities and a date; no area filters.
    assert not (stats_filter.district or stats_filter.street or stats_filter.pilot_batch)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {sums} FROM reporting_dailyfigures WHERE {condition}", params)  # noqa: S608 - fixed column names
        cursor.fetchall()
        cursor.execute(
            f"SELECT SUM(n) FROM reporting_servedcount WHERE {served_in} AND ({served})",  # noqa: S608
            params + ([since] if since else []),
        )
        cursor.fetchall()
    return (time.perf_counter() - began) * 1000


def _warm_ms(stats_filter) -> float:
    return _overview_ms(stats_filter, cold=False)


def _raw_ms(stats_filter) -> float:
    from reporting.stats import counted_from_raw_tables

    with counted_from_raw_tables():
        return _overview_ms(stats_filter)


def _p95(function, stats_filter, calls: int) -> float:
    samples = [function(stats_filter) / 1000 for _ in range(calls)]
    return percentiles(samples)["p95_ms"]


def _check_agreement(filters: dict) -> list[str]:
    """The rollups must give the raw figures, or the speed is of a wrong answer."""
    from reporting.stats import counted_from_raw_tables, stats_overview

    times = ("age_seconds", "computed_at", "generated_at", "max_age_seconds")
    problems = []
    for name, stats_filter in filters.items():
        fast = {k: v for k, v in stats_overview(stats_filter).items() if k not in times}
        with counted_from_raw_tables():
            slow = {k: v for k, v in stats_overview(stats_filter).items() if k not in times}
        if fast != slow:
            problems.append(f"{name}: the rollup overview differs from the raw count")
    return problems


def _incremental_refresh_s() -> dict:
    """200 changes spread over the year (statuses, reschedules, ratings), then one refresh."""
    from django.db import connection

    from reporting.rollups import rollups_refresh

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE services_visit SET status = 'missed' WHERE id IN"
            " (SELECT id FROM services_visit WHERE status = 'scheduled' ORDER BY id LIMIT 100)"
        )
        cursor.execute(
            "UPDATE services_visit SET scheduled_start = scheduled_start + INTERVAL '2 days'"
            " WHERE id IN (SELECT id FROM services_visit ORDER BY id DESC LIMIT 100)"
        )
        cursor.execute("SELECT count(*) FROM reporting_rollupdirty")
        notes = cursor.fetchone()[0]
    began = time.perf_counter()
    processed = rollups_refresh(batch=100_000)
    return {"notes": notes, "processed": processed, "seconds": time.perf_counter() - began}


def _vacuum() -> None:
    """What autovacuum does in a running deployment: the rebuild left dead rows behind."""
    from django.db import connection

    tables = ("dailyfigures", "servedday", "servedcount", "waitcount", "rollupdirty")
    tables += ("waitcitycount", "waitstreetcount")  # the histograms the overview reads
    with connection.cursor() as cursor:
        for table in (*tables, "suppressedcell", "suppressionscope"):
            cursor.execute(f"VACUUM ANALYZE reporting_{table}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--calls", type=int, default=20, help="calls per p95, per round")
    parser.add_argument("--raw-repeats", type=int, default=1, help="raw calls per round")
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    _scale(args.visits)
    django_setup()
    from reporting.rollups import rollups_rebuild

    began = time.perf_counter()
    if not city.seeded():
        say(f"seeding {city.RESIDENTS:,} residents, {city.REQUESTS:,} requests, "
            f"{city.VISITS:,} visits …")  # fmt: skip
        city.database_seed()
    say(f"data ready in {time.perf_counter() - began:.0f}s on {database_vendor()}")
    began = time.perf_counter()
    rollups_rebuild()
    rebuild_s = time.perf_counter() - began
    say(f"rollups rebuilt from scratch in {rebuild_s:.1f}s")
    refresh = _incremental_refresh_s()
    say(f"incremental refresh: {refresh['notes']} notes in {refresh['seconds'] * 1000:.0f} ms")
    _vacuum()
    filters = _filters()
    problems = _check_agreement(filters)

    sides = {}
    for name, stats_filter in filters.items():
        sides[f"{name}_rollups"] = lambda s=stats_filter: _p95(_overview_ms, s, args.calls)
        sides[f"{name}_warm"] = lambda s=stats_filter: _p95(_warm_ms, s, args.calls)
        sides[f"{name}_floor"] = lambda s=stats_filter: _p95(_floor_ms, s, args.calls)
        sides[f"{name}_raw"] = lambda s=stats_filter: max(
            _raw_ms(s) for _ in range(args.raw_repeats)
        )
    samples = interleaved(sides, args.repeats)
    results = {name: spread(values) for name, values in samples.items()}
    for name, summary in results.items():
        say(spread_line(name, summary, "ms"))
    checks = {}
    for name in filters:
        project = results[f"{name}_rollups"]["median"]
        floor = results[f"{name}_floor"]["median"]
        raw = results[f"{name}_raw"]["median"]
        vs_floor, vs_raw = ratio(project, floor), ratio(project, raw)
        results[f"{name}_vs_floor"], results[f"{name}_vs_raw"] = vs_floor, vs_raw
        say(f"{name}: p95 {project:.1f} ms = {vs_floor} × the floor, {vs_raw} × the raw count")
        checks[f"{name} overview p95 ≤ {TARGET_P95_MS:.0f} ms"] = project <= TARGET_P95_MS
        checks[f"{name} overview ≤ {TARGET_VS_FLOOR} × the floor"] = vs_floor <= TARGET_VS_FLOOR
        problems += floor_problems(
            floor=f"{name} floor p95 ms",
            floor_value=floor,
            project_value=project,
            higher_is_better=False,
            sanity=FLOOR_SANITY_MS,
        )
    status = verdict(checks, problems)
    emit(
        {
            "bench": "stats",
            "visits": city.VISITS,
            "database": database_vendor(),
            "machine": machine(),
            "rebuild_s": round(rebuild_s, 2),
            "incremental_refresh": {k: round(v, 3) for k, v in refresh.items()},
            "results": results,
            "checks": checks,
            "problems": problems,
        }
    )
    raise SystemExit(status)


if __name__ == "__main__":
    main()
