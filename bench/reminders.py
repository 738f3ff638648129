"""100,000 due reminders sent by one Celery worker on Redis, against a plain loop.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sanlian_bench \
        .venv/bin/python -m bench.reminders [--batch-size 500]

Uses bench/api.py's city (seeded if missing) and gives 100,000 of its scheduled visits
one due SMS reminder each. One worker (`celery worker -c 2`, prefork, Redis broker)
sends them through the development SMS backend (the file log); the dispatch task is
triggered as beat does (every 60 s; it sends batch after batch and starts
REMINDER_SENDERS - 1 more senders) until all are sent; the time runs from the first
trigger to the last sent_at; duplicates are counted per idempotency key in the log.
The floor, in the same run: a plain loop reading the same reminders (fresh keys) with
the senders' query (`reminders_outgoing`, plain rows), writing their texts the way the
senders do (`outgoing_texts`, a batch at a time) and handing them to the same backend one
batch at a time, without Celery, claims or recorded outcomes. Then 10,000 reminders fall
due at the same minute: lateness = sent_at - due_at.
Targets: ≥ 2,000 reminders/s, ≥ 50 % of the plain loop, lateness p95 ≤ 90 s, 0 duplicates.

Fair by construction (issue 20): one worker process (`-c 1`, REMINDER_SENDERS=1) against
the one-process loop; the two are run as interleaved repeats (`--repeats`, ≥ 3), printed
as median and spread; the ratio is also given per CPU-second (the worker's main process
and pool from /proc against the loop's getrusage; PostgreSQL's CPU counts on neither
side); duplicates are counted by send attempts recorded on the reminders, not by the keys
the development backend keeps. A plain loop slower than FLOOR_SANITY_PER_S, or slower
than Celery (per second or per CPU-second), is a broken floor: the run exits 2. A missed
target exits 1. `--reminders 2000 --same-minute 500` checks that it runs.

Lateness including the wait for beat: `--spread-reminders` reminders fall due spread
evenly over one beat period, after a tick, as they would between ticks in production;
beat's ticks are played every 60 s until all are sent; lateness = sent_at - due_at. Run
twice: with REMINDER_ETA_AHEAD_SECONDS as set (the sweep enqueues them for their due
time) and with 0 (the sweep alone: the tick gap of issue 20), each with its own worker.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench.common import (
    cpu_seconds_self,
    cpu_seconds_tree,
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

REMINDERS = 100_000
SAME_MINUTE = 10_000
SPREAD = 3_000
BEAT_SECONDS = 60
ROOT = Path(__file__).resolve().parents[1]
BENCH_REDIS_URL = "redis://127.0.0.1:6379/8"
TARGETS = {"per_s": 2000.0, "vs_loop": 0.5, "lateness_p95_s": 90.0}
# The batched loop hands thousands of messages a second to a file; fewer means it is broken.
FLOOR_SANITY_PER_S = 500.0


def reminders_seed(count: int, *, due_offset_s: float = -60, spread_s: float = 0) -> None:
    """`count` pending SMS reminders on scheduled visits, fresh keys, due from now +
    due_offset_s on, spread evenly over `spread_s` seconds."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE services_reminder RESTART IDENTITY CASCADE")
        cursor.execute(
            """INSERT INTO services_reminder (visit_id, recipient_key, channel, offset_minutes,
                   due_at, status, attempts, response, idempotency_key, urgent)
               SELECT id, 'resident:' || resident_id, 'sms', 60,
                   now() + (%s + (n - 1) * %s / %s) * INTERVAL '1 second',
                   'pending', 0, '', gen_random_uuid(), false
               FROM (SELECT v.id, r.resident_id, row_number() OVER (ORDER BY v.id) AS n
                     FROM services_visit v JOIN services_servicerequest r ON r.id = v.request_id
                     WHERE v.status = 'scheduled' ORDER BY v.id LIMIT %s) AS chosen""",
            [due_offset_s, float(spread_s), max(count, 1), count],
        )
        cursor.execute("ANALYZE services_reminder")


def worker_start(env: dict, log: Path) -> subprocess.Popen:
    # One process, as the plain loop is one: the ratio compares like with like.
    command = [sys.executable, "-m", "celery", "-A", "sanlian", "worker", "-c", "1"]
    command += ["-P", "prefork", "-Q", env["CELERY_TASK_DEFAULT_QUEUE"], "-l", "warning"]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    return subprocess.Popen(  # noqa: S603 - our interpreter and celery, fixed arguments
        command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
    )


def _sent() -> int:
    from services.models import Reminder

    return Reminder.objects.filter(status=Reminder.Status.SENT).count()


def celery_run(app, queue: str, total: int, *, every_s: float, timeout_s: float) -> float:
    """Trigger dispatch every `every_s` until `total` are sent; seconds from the first
    trigger to the last sent_at (the workers' clock is this host's)."""
    from django.db.models import Max

    from services.models import Reminder

    began, started = time.perf_counter(), time.time()
    next_trigger = began
    while _sent() < total:
        if time.perf_counter() >= next_trigger:
            app.send_task("services.dispatch_due_reminders", queue=queue)
            next_trigger += every_s
        if time.perf_counter() - began > timeout_s:
            raise RuntimeError(f"only {_sent()} of {total} sent in {timeout_s:.0f}s")
        time.sleep(0.5)
    last = Reminder.objects.aggregate(last=Max("sent_at"))["last"]
    return last.timestamp() - started


def plain_loop(total: int, *, chunk: int) -> float:
    """The floor: read the reminders as the senders do (`reminders_outgoing`: the same
    columns and joins, plain rows, here all in one query), write their texts as they do
    (`outgoing_texts`) and hand them to the same backend in chunks of one batch
    (`sms_send_many`), nothing else: no Celery, no claims, no recorded outcomes."""
    from services.models import Reminder
    from services.notifications.channels import SmsMessage, sms_send_many
    from services.notifications.outgoing import outgoing_texts, reminders_outgoing

    def send(rows: list) -> int:
        messages = [
            SmsMessage(row.resident_phone, text, str(row.idempotency_key))
            for row, text in zip(rows, outgoing_texts(rows), strict=True)
        ]
        return sms_send_many(messages=messages).count("delivered")

    began = time.perf_counter()
    rows = reminders_outgoing(Reminder.objects.all())
    sent = sum(send(rows[at : at + chunk]) for at in range(0, len(rows), chunk))
    assert sent == total, sent
    return time.perf_counter() - began


def duplicate_attempts() -> int:
    """Send attempts beyond one per reminder (the file backend never fails, so no retries)."""
    from django.db.models import Sum

    from services.models import Reminder

    sent = Reminder.objects.filter(status=Reminder.Status.SENT)
    return (sent.aggregate(n=Sum("attempts"))["n"] or 0) - sent.count()


def lateness_with_beat(app, queue: str, count: int, *, period_s: float) -> list[float]:
    """Lateness (s) of `count` reminders falling due evenly over one beat period, just
    after a tick, with beat ticking every `period_s` until all are sent."""
    from django.core.cache import cache

    from services.notifications.reminders import ETA_WATERMARK_KEY

    reminders_seed(count, due_offset_s=2, spread_s=period_s)
    # Seeded around the domain functions, which would have enqueued what falls due within
    # the window: earlier runs' ticks must not have moved the sweeps' watermark past them.
    cache.delete(ETA_WATERMARK_KEY)
    celery_run(app, queue, count, every_s=period_s, timeout_s=600)
    return lateness()


def lateness() -> list[float]:
    from services.models import Reminder

    return [
        (sent - due).total_seconds()
        for due, sent in Reminder.objects.filter(status="sent").values_list("due_at", "sent_at")
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--batch-size", type=int, help="REMINDER_BATCH_SIZE for the worker and the loop"
    )
    parser.add_argument("--reminders", type=int, default=REMINDERS)
    parser.add_argument("--same-minute", type=int, default=SAME_MINUTE)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--scale", type=float, default=1.0, help="of bench/api.py's city")
    parser.add_argument("--spread-reminders", type=int, default=SPREAD)
    args = parser.parse_args()
    if args.batch_size:
        os.environ["REMINDER_BATCH_SIZE"] = str(args.batch_size)
    os.environ.setdefault("REDIS_URL", BENCH_REDIS_URL)
    os.environ["SMS_QUIET_HOURS"] = ""
    os.environ["REMINDER_SENDERS"] = "1"
    folder = Path(tempfile.mkdtemp(prefix="bench-reminders-"))
    os.environ["SMS_LOG_PATH"] = str(folder / "celery-sms.log")
    django_setup()
    from django.conf import settings

    from bench.api import database_seed, seeded, sizes_scale
    from sanlian.celery import app

    sizes_scale(args.scale)
    if not seeded():
        say("seeding bench/api.py's city …")
        database_seed()
    queue = f"bench-reminders-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sanlian.settings",
        "DEBUG": "0",
        "SECRET_KEY": "bench-reminders-only-not-a-secret",
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "SMS_BACKEND": "file",
        "DB_CONN_MAX_AGE": "600",
    }
    total, rounds = args.reminders, iter(range(10**6))
    duplicates: list[int] = []
    cpu: dict[str, list[float]] = {"celery": [], "plain_loop": []}
    worker = worker_start(env, folder / "worker.log")

    def celery_side() -> float:
        reminders_seed(total)
        began = cpu_seconds_tree(worker.pid)
        seconds = celery_run(app, queue, total, every_s=BEAT_SECONDS, timeout_s=600)
        cpu["celery"].append(total / max(cpu_seconds_tree(worker.pid) - began, 0.01))
        duplicates.append(duplicate_attempts())
        return total / seconds

    def loop_side() -> float:
        reminders_seed(total)
        settings.SMS_LOG_PATH = folder / f"loop-sms-{next(rounds)}.log"
        began = cpu_seconds_self()
        per_s = total / plain_loop(total, chunk=settings.REMINDER_BATCH_SIZE)
        cpu["plain_loop"].append(total / max(cpu_seconds_self() - began, 0.01))
        return per_s

    late: dict[str, list[float]] = {}
    try:
        time.sleep(3)
        samples = interleaved({"celery": celery_side, "plain_loop": loop_side}, args.repeats)
        # Due at the same minute, dispatch triggered as beat does it, the first tick at once.
        reminders_seed(args.same_minute, due_offset_s=0)
        burst_s = celery_run(app, queue, args.same_minute, every_s=BEAT_SECONDS, timeout_s=600)
        burst = percentiles(lateness())
        duplicates.append(duplicate_attempts())
        late["eta"] = lateness_with_beat(app, queue, args.spread_reminders, period_s=BEAT_SECONDS)
        duplicates.append(duplicate_attempts())
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    # The sweep alone: a worker of its own, told not to enqueue anything for its due time.
    sweep_queue = f"{queue}-sweep"
    sweep_env = {**env, "CELERY_TASK_DEFAULT_QUEUE": sweep_queue, "REMINDER_ETA_AHEAD_SECONDS": "0"}
    worker = worker_start(sweep_env, folder / "worker-sweep.log")
    try:
        time.sleep(3)
        late["sweep_only"] = lateness_with_beat(
            app, sweep_queue, args.spread_reminders, period_s=BEAT_SECONDS
        )
        duplicates.append(duplicate_attempts())
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    celery, loop = spread(samples["celery"]), spread(samples["plain_loop"])
    celery_cpu, loop_cpu = spread(cpu["celery"]), spread(cpu["plain_loop"])
    say(spread_line("celery reminders/s", celery, "/s"))
    say(spread_line("plain loop reminders/s", loop, "/s"))
    say(spread_line("celery per CPU-s", celery_cpu, "/CPU-s"))
    say(spread_line("plain loop per CPU-s", loop_cpu, "/CPU-s"))
    say(f"duplicate send attempts per celery run: {duplicates}")
    say(
        f"{args.same_minute} due at once, a tick at their due time: all sent after "
        f"{burst_s:.1f}s; lateness p50 {burst['p50_ms'] / 1000:.1f}s "
        f"p95 {burst['p95_ms'] / 1000:.1f}s"
    )
    spread_late = {mode: percentiles(values) for mode, values in late.items()}
    for mode, figures in spread_late.items():
        say(
            f"{args.spread_reminders} due over {BEAT_SECONDS}s between ticks, {mode}: lateness "
            f"p50 {figures['p50_ms'] / 1000:.1f}s p95 {figures['p95_ms'] / 1000:.1f}s "
            f"max {figures['max_ms'] / 1000:.1f}s"
        )
    vs_loop = ratio(celery["median"], loop["median"])
    vs_loop_cpu = ratio(celery_cpu["median"], loop_cpu["median"])
    eta_p95_s = spread_late["eta"]["p95_ms"] / 1000
    checks = {
        "ge_2000_per_s": celery["median"] >= TARGETS["per_s"],
        "ge_half_of_plain_loop": (vs_loop or 0) >= TARGETS["vs_loop"],
        "ge_half_of_plain_loop_per_cpu_s": (vs_loop_cpu or 0) >= TARGETS["vs_loop"],
        "lateness_p95_le_90s_with_beat_wait": eta_p95_s <= TARGETS["lateness_p95_s"],
        "no_duplicate_attempts": not any(duplicates),
    }
    problems = floor_problems(
        floor="plain loop reminders/s",
        floor_value=loop["median"],
        project_value=celery["median"],
        higher_is_better=True,
        sanity=FLOOR_SANITY_PER_S,
    ) + floor_problems(
        floor="plain loop reminders per CPU-s",
        floor_value=loop_cpu["median"],
        project_value=celery_cpu["median"],
        higher_is_better=True,
        sanity=FLOOR_SANITY_PER_S,
    )
    status = verdict(checks, problems)
    emit(
        {
            "benchmark": "reminders",
            "database": database_vendor(),
            "machine": machine(),
            "reminders": total,
            "repeats": args.repeats,
            "processes": {"celery_worker": 1, "plain_loop": 1},
            "celery_per_s": celery,
            "plain_loop_per_s": loop,
            "celery_vs_plain_loop": vs_loop,
            "batch_size": settings.REMINDER_BATCH_SIZE,
            "duplicate_attempts": duplicates,
            "celery_per_cpu_s": celery_cpu,
            "plain_loop_per_cpu_s": loop_cpu,
            "celery_vs_plain_loop_per_cpu_s": vs_loop_cpu,
            "same_minute": args.same_minute,
            "same_minute_all_sent_s": round(burst_s, 1),
            "same_minute_lateness_s": {
                k.replace("_ms", "_s"): round(v / 1000, 1) for k, v in burst.items()
            },
            "spread_reminders": args.spread_reminders,
            "eta_ahead_s": settings.REMINDER_ETA_AHEAD_SECONDS,
            "lateness_with_beat_wait_s": {
                mode: {k.replace("_ms", "_s"): round(v / 1000, 1) for k, v in figures.items()}
                for mode, figures in spread_late.items()
            },
            "checks": checks,
            "floor_problems": problems,
            "status": status,
        }
    )
    raise SystemExit(status)


if __name__ == "__main__":
    main()
