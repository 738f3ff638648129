"""Where one sender's time goes: claim and send due SMS reminders in-process, profiled.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sanlian_bench_reminders \
        .venv/bin/python -m bench.reminders_profile --scale 0.1 --reminders 5000

Seeds `--reminders` due SMS reminders on bench/api.py's city (as bench/reminders.py does)
and runs a sender (`reminders_send_due`: claim and send batch after batch until none is
due), three ways on fresh reminders each: timed (wall and CPU seconds of this process),
with every query captured (count and time per kind of statement), and under cProfile
(the functions with the most time of their own and below them). Not a benchmark with a
target: it tells what a reminder costs and where, to decide what to make cheaper.
"""

import argparse
import cProfile
import math
import os
import pstats
import re
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench.common import django_setup, emit, say


def send_all(batch_size: int) -> int:
    """Claim and send batch after batch as a sender does (`reminders_send_due`), until none
    is due."""
    from services.notifications.reminders import reminders_send_due

    return reminders_send_due(batch_size=batch_size, deadline=math.inf, channel="sms")


def statement_kind(sql: str) -> str:
    """The statement without its values, cut short: queries of one kind count together."""
    return re.sub(r"\d+", "N", re.sub(r"'[^']*'", "?", sql))[:110]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reminders", type=int, default=5000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--scale", type=float, default=0.1, help="of bench/api.py's city")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    os.environ["SMS_QUIET_HOURS"] = ""
    # As the worker runs (bench/reminders.py): no query log kept beside the captured one.
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", "bench-profile-only-not-a-secret")
    os.environ["SMS_LOG_PATH"] = str(Path(tempfile.mkdtemp(prefix="bench-profile-")) / "sms.log")
    django_setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.api import database_seed, seeded, sizes_scale
    from bench.reminders import reminders_seed

    sizes_scale(args.scale)
    if not seeded():
        say("seeding bench/api.py's city …")
        database_seed()
    total = args.reminders

    reminders_seed(total)
    wall, cpu = time.perf_counter(), time.process_time()
    assert send_all(args.batch_size) == total
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    say(f"{total} reminders: {total / wall:.0f}/s, {total / cpu:.0f} per CPU-s of this process")

    reminders_seed(total)
    with CaptureQueriesContext(connection) as queries:
        send_all(args.batch_size)
    seconds, counts = Counter(), Counter()
    for query in queries.captured_queries:
        seconds[statement_kind(query["sql"])] += float(query["time"])
        counts[statement_kind(query["sql"])] += 1
    for kind, spent in seconds.most_common():
        say(f"{spent:7.3f} s  ×{counts[kind]:<4} {kind}")

    reminders_seed(total)
    profile = cProfile.Profile()
    profile.runcall(send_all, args.batch_size)
    stats = pstats.Stats(profile)
    stats.sort_stats("cumulative").print_stats(args.top)
    stats.sort_stats("tottime").print_stats(args.top)
    batches = -(-total // args.batch_size)
    emit(
        {
            "benchmark": "reminders_profile",
            "reminders": total,
            "batch_size": args.batch_size,
            "per_s": round(total / wall),
            "per_cpu_s": round(total / cpu),
            "queries": len(queries),
            "queries_per_batch": round(len(queries) / batches, 1),
            "query_seconds": round(sum(seconds.values()), 3),
        }
    )


if __name__ == "__main__":
    main()
