"""What every benchmark shares: Django set-up on a dedicated database, timing, and the output.

Conventions (docs/benchmarks.md): a script seeds what it needs from fixed seeds, prints
lines for people, and ends with exactly one JSON line of results. Every figure that
matters is also given as a ratio to a baseline measured in the same run, because the
machine is shared and absolute times drift.
"""

import json
import os
import platform
import resource
import statistics
import sys
import time
from contextlib import contextmanager

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/sanlian_bench"


def django_setup() -> None:
    """Point Django at the benchmark database (created if missing) and migrate it."""
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sanlian.settings")
    os.environ.setdefault("DEBUG", "1")
    _refuse_shared_database(os.environ["DATABASE_URL"])
    if os.environ["DATABASE_URL"].startswith("postgres"):
        _create_postgres_database(os.environ["DATABASE_URL"])
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def _refuse_shared_database(url: str) -> None:
    # The scripts delete and bulk-load whole tables: never against a real or shared database.
    if "bench" not in url.rsplit("/", 1)[-1]:
        sys.exit(f"Refusing to run: the database name in {url!r} must contain 'bench'.")


def _create_postgres_database(url: str) -> None:
    import dj_database_url
    import psycopg2

    config = dj_database_url.parse(url)
    connection = psycopg2.connect(
        dbname="postgres",
        user=config["USER"],
        password=config["PASSWORD"] or None,
        host=config["HOST"] or None,
        port=config["PORT"] or None,
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{config["NAME"]}"')
    connection.close()


def database_vendor() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0]}"
    return connection.vendor


def machine() -> dict:
    return {
        "python": platform.python_version(),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "platform": platform.platform(terse=True),
    }


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


@contextmanager
def timed(into: dict, key: str):
    """Store the wall-clock seconds of the block in into[key]."""
    began = time.perf_counter()
    yield
    into[key] = round(time.perf_counter() - began, 4)


def best_of(repeat: int, function, *args, **kwargs):
    """(least seconds over `repeat` runs, result of the last run): the least is the least noisy."""
    times, result = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        result = function(*args, **kwargs)
        times.append(time.perf_counter() - began)
    return round(min(times), 4), result


def percentiles(seconds: list[float]) -> dict:
    ordered = sorted(seconds)
    cuts = statistics.quantiles(ordered, n=100, method="inclusive")
    return {
        "p50_ms": round(cuts[49] * 1000, 2),
        "p95_ms": round(cuts[94] * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
    }


def peak_rss_mib() -> float:
    """The peak resident memory of this process so far (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def cpu_seconds_self() -> float:
    """User plus system CPU seconds of this process so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def cpu_seconds_tree(pid: int) -> float:
    """User plus system CPU seconds of process `pid` and its live descendants (Linux /proc):
    a Celery worker's main process and its pool. PostgreSQL's backends are not included."""
    ticks = os.sysconf("SC_CLK_TCK")
    stats: dict[int, tuple[int, float]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        # After the command: state, ppid, … utime is field 14 and stime 15 (1-based).
        stats[int(entry)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / ticks)
    total, wanted = 0.0, {pid}
    while wanted:
        current = wanted.pop()
        total += stats.get(current, (0, 0.0))[1]
        wanted |= {child for child, (parent, _cpu) in stats.items() if parent == current}
    return total


def ratio(value: float, baseline: float) -> float | None:
    return round(value / baseline, 3) if baseline else None


def say(text: str) -> None:
    print(text, flush=True)


def emit(results: dict) -> None:
    """The last line of every benchmark: one JSON object, machine-readable."""
    print(json.dumps(results, ensure_ascii=False, sort_keys=True), flush=True)


# --- interleaved repeats and floors that cannot flatter (issue 20) ----------------------


def interleaved(sides: dict, repeats: int) -> dict[str, list]:
    """Run every side `repeats` times, alternating and reversing the order each round
    (A B, B A, A B …), so drift, warm-up and a noisy neighbour fall on both sides alike.
    `sides` maps a name to a function returning one measurement."""
    if repeats < 3:
        raise SystemExit("--repeats must be at least 3: one run of a side proves nothing")
    names = list(sides)
    samples: dict[str, list] = {name: [] for name in names}
    for round_ in range(repeats):
        for name in names if round_ % 2 == 0 else names[::-1]:
            samples[name].append(sides[name]())
    return samples


def spread(values: list[float]) -> dict:
    """Median, least, most and the spread ((most - least) / median) of repeated measurements."""
    median = statistics.median(values)
    return {
        "median": round(median, 3),
        "min": round(min(values), 3),
        "max": round(max(values), 3),
        "spread_pct": round((max(values) - min(values)) / median * 100, 1) if median else None,
        "n": len(values),
    }


def spread_line(name: str, summary: dict, unit: str) -> str:
    return (
        f"{name:<22} median {summary['median']:10.2f} {unit}  "
        f"[{summary['min']:.2f} … {summary['max']:.2f}]  spread {summary['spread_pct']}%  "
        f"n={summary['n']}"
    )


def floor_problems(
    *, floor: str, floor_value: float, project_value: float, higher_is_better: bool, sanity: float
) -> list[str]:
    """Why a floor cannot be trusted: slower than a fixed sanity level, or than the project
    path it is meant to bound. Either means a broken baseline, not a good result."""
    problems = []
    too_slow = floor_value < sanity if higher_is_better else floor_value > sanity
    if too_slow:
        problems.append(f"{floor} is implausibly slow: {floor_value} (sanity level {sanity})")
    beaten = floor_value < project_value if higher_is_better else floor_value > project_value
    if beaten:
        problems.append(f"{floor} ({floor_value}) is slower than the project's ({project_value})")
    return problems


def verdict(checks: dict[str, bool], problems: list[str]) -> int:
    """Print the checks; the exit status: 2 for an untrustworthy floor, 1 for a missed target."""
    for name, ok in checks.items():
        say(f"  {'PASS' if ok else 'FAIL'}  {name}")
    for problem in problems:
        say(f"  INVALID  {problem}")
    if problems:
        return 2
    return 0 if all(checks.values()) else 1
