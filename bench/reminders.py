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
the same query and texts and handing them to the same backend one batch at a time,
without Celery, claims or recorded outcomes; for comparison also one send (one open of
the log) per message. Then 10,000 reminders fall due at the same minute:
lateness = sent_at - due_at.
Targets: ≥ 2,000 reminders/s, ≥ 50 % of the plain loop, lateness p95 ≤ 90 s, 0 duplicates.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

from bench.common import database_vendor, django_setup, emit, machine, percentiles, ratio, say

REMINDERS = 100_000
SAME_MINUTE = 10_000
BEAT_SECONDS = 60
ROOT = Path(__file__).resolve().parents[1]
BENCH_REDIS_URL = "redis://127.0.0.1:6379/8"
TARGETS = {"per_s": 2000.0, "vs_loop": 0.5, "lateness_p95_s": 90.0}


def reminders_seed(count: int, *, due_offset_s: int = -60) -> None:
    """`count` pending SMS reminders on scheduled visits, due now + due_offset_s, fresh keys."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE services_reminder RESTART IDENTITY CASCADE")
        cursor.execute(
            """INSERT INTO services_reminder (visit_id, recipient_key, channel, offset_minutes,
                   due_at, status, attempts, response, idempotency_key, urgent)
               SELECT v.id, 'resident:' || r.resident_id, 'sms', 60,
                   now() + %s * INTERVAL '1 second', 'pending', 0, '', gen_random_uuid(), false
               FROM services_visit v JOIN services_servicerequest r ON r.id = v.request_id
               WHERE v.status = 'scheduled' ORDER BY v.id LIMIT %s""",
            [due_offset_s, count],
        )
        cursor.execute("ANALYZE services_reminder")


def sms_keys(path: Path) -> Counter:
    keys: Counter = Counter()
    if path.exists():
        with path.open(encoding="utf-8") as log:
            for line in log:
                keys[line.split("\t", 2)[1]] += 1
    return keys


def worker_start(env: dict, log: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "celery", "-A", "sanlian", "worker", "-c", "2"]
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
    """The floor: read the reminders, build their texts and hand them to the same backend
    in chunks of one batch (`sms_send_many`, as the workers do), nothing else: no Celery,
    no claims, no recorded outcomes."""
    from services.notifications.channels import SmsMessage, sms_send_many
    from services.notifications.reminders import reminder_text, reminders_for_sending

    began = time.perf_counter()
    reminders = reminders_for_sending()
    sent, messages = 0, []
    for reminder in reminders.iterator(chunk_size=chunk):
        phone = reminder.visit.request.resident.phone
        messages.append(SmsMessage(phone, reminder_text(reminder), str(reminder.idempotency_key)))
        if len(messages) == chunk:
            sent += sms_send_many(messages=messages).count("delivered")
            messages = []
    sent += sms_send_many(messages=messages).count("delivered")
    assert sent == total, sent
    return time.perf_counter() - began


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
    args = parser.parse_args()
    if args.batch_size:
        os.environ["REMINDER_BATCH_SIZE"] = str(args.batch_size)
    os.environ.setdefault("REDIS_URL", BENCH_REDIS_URL)
    os.environ["SMS_QUIET_HOURS"] = ""
    folder = Path(tempfile.mkdtemp(prefix="bench-reminders-"))
    os.environ["SMS_LOG_PATH"] = str(folder / "celery-sms.log")
    django_setup()
    from django.conf import settings

    from bench.api import database_seed, seeded
    from sanlian.celery import app

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
    reminders_seed(REMINDERS)
    worker = worker_start(env, folder / "worker.log")
    try:
        time.sleep(3)
        celery_s = celery_run(app, queue, REMINDERS, every_s=BEAT_SECONDS, timeout_s=600)
        keys = sms_keys(Path(env["SMS_LOG_PATH"]))
        duplicates = sum(n - 1 for n in keys.values() if n > 1)
        celery_rate = REMINDERS / celery_s
        say(
            f"celery: {REMINDERS} sent in {celery_s:.1f}s = {celery_rate:.0f}/s; "
            f"{len(keys)} keys in the log, {duplicates} duplicates"
        )
        # The floor: the same reminders (fresh keys) through the same backend, in a plain loop.
        reminders_seed(REMINDERS)
        settings.SMS_LOG_PATH = folder / "loop-sms.log"
        loop_s = plain_loop(REMINDERS, chunk=settings.REMINDER_BATCH_SIZE)
        loop_rate = REMINDERS / loop_s
        say(f"plain loop: {REMINDERS} sent in {loop_s:.1f}s = {loop_rate:.0f}/s")
        # For comparison, the floor as first defined: one send (one open of the log) each.
        reminders_seed(REMINDERS)
        settings.SMS_LOG_PATH = folder / "loop-one-by-one-sms.log"
        single_s = plain_loop(REMINDERS, chunk=1)
        say(f"plain loop, one send each: {REMINDERS / single_s:.0f}/s")
        # 10,000 due at the same minute, dispatch triggered as beat does it.
        reminders_seed(SAME_MINUTE, due_offset_s=0)
        burst_s = celery_run(app, queue, SAME_MINUTE, every_s=BEAT_SECONDS, timeout_s=600)
        late = percentiles(lateness())
        say(
            f"{SAME_MINUTE} due at once, beat every {BEAT_SECONDS}s: all sent after "
            f"{burst_s:.1f}s; lateness p50 {late['p50_ms'] / 1000:.1f}s "
            f"p95 {late['p95_ms'] / 1000:.1f}s"
        )
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    checks = {
        "ge_2000_per_s": celery_rate >= TARGETS["per_s"],
        "ge_half_of_plain_loop": celery_rate / loop_rate >= TARGETS["vs_loop"],
        "lateness_p95_le_90s": late["p95_ms"] / 1000 <= TARGETS["lateness_p95_s"],
        "no_duplicates": duplicates == 0 and len(keys) == REMINDERS,
    }
    for name, ok in checks.items():
        say(f"  {'PASS' if ok else 'FAIL'}  {name}")
    emit(
        {
            "benchmark": "reminders",
            "database": database_vendor(),
            "machine": machine(),
            "reminders": REMINDERS,
            "celery_s": round(celery_s, 2),
            "celery_per_s": round(celery_rate, 1),
            "plain_loop_s": round(loop_s, 2),
            "plain_loop_per_s": round(loop_rate, 1),
            "plain_loop_one_send_each_per_s": round(REMINDERS / single_s, 1),
            "celery_vs_plain_loop_one_send_each": ratio(celery_rate, REMINDERS / single_s),
            "batch_size": settings.REMINDER_BATCH_SIZE,
            "celery_vs_plain_loop": ratio(celery_rate, loop_rate),
            "duplicates": duplicates,
            "same_minute": SAME_MINUTE,
            "same_minute_all_sent_s": round(burst_s, 1),
            "lateness_s": {k: round(v / 1000, 1) for k, v in late.items()},
            "checks": checks,
        }
    )


if __name__ == "__main__":
    main()
