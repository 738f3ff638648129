"""A reminder is delivered once even when the worker sending it is killed.

A real Celery worker (prefork, 2 processes) on the real Redis sends 300 due
SMS reminders to a gateway in this process that counts deliveries per
idempotency key. When the gateway has taken 60 messages it holds the requests
in flight, the worker is SIGKILLed mid-dispatch, a new worker is started, and
the claims the dead one left "sending" are taken over after a short timeout.
"""

import datetime
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from celery import Celery
from django.db import connection
from django.utils import timezone

from services.models import Reminder, Visit
from tests import factories as f

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

REMINDERS = 300
HOLD_AFTER = 60
DEADLINE_SECONDS = 60
ROOT = Path(__file__).resolve().parents[2]


class CountingGateway(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), CountingHandler)
        self.lock = threading.Lock()
        self.posts: Counter = Counter()
        self.delivered: set[str] = set()
        self.reached = threading.Event()  # HOLD_AFTER messages delivered
        self.release = threading.Event()  # the worker has been killed


class CountingHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        gateway = self.server
        self.rfile.read(int(self.headers["Content-Length"]))
        key = self.headers["Idempotency-Key"]
        with gateway.lock:
            gateway.posts[key] += 1
            status = "duplicate" if key in gateway.delivered else "delivered"
            gateway.delivered.add(key)
            if len(gateway.delivered) >= HOLD_AFTER:
                gateway.reached.set()
        if gateway.reached.is_set():
            # Delivered but not yet answered: the sender dies before it can record it.
            gateway.release.wait(timeout=DEADLINE_SECONDS)
        payload = json.dumps({"status": status}).encode()
        try:
            self.send_response(200)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            pass  # the sender was killed

    def log_message(self, *args):
        pass


def requirements_missing() -> str:
    if not os.environ.get("REDIS_URL"):
        return "needs REDIS_URL (a real Redis broker for the Celery worker)"
    if connection.vendor != "postgresql":
        return "needs DATABASE_URL on PostgreSQL (the worker shares the test database)"
    return ""


def database_url() -> str:
    db = connection.settings_dict
    host = db["HOST"] or "127.0.0.1"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


def worker_env(gateway: CountingGateway, queue: str, var_dir: Path) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTEST", "SMS_", "REMINDER_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="sanlian.settings",
        SECRET_KEY="reminder-kill-test-only",
        DEBUG="0",
        DATABASE_URL=database_url(),
        DB_CONN_MAX_AGE="0",
        CELERY_TASK_DEFAULT_QUEUE=queue,
        VAR_DIR=str(var_dir),
        SMS_BACKEND="http",
        SMS_HTTP_URL=f"http://127.0.0.1:{gateway.server_address[1]}/sms",
        # Timeouts and heartbeat short enough for a 3 s claim timeout (settings check the sum);
        # the kill lands milliseconds after the gateway holds its answers, well inside them.
        SMS_HTTP_TIMEOUT_SECONDS="1",
        EMAIL_TIMEOUT="1",
        SMS_QUIET_HOURS="",
        REMINDER_CLAIM_TIMEOUT_SECONDS="3",
        REMINDER_HEARTBEAT_SECONDS="1",
        REMINDER_BATCH_SIZE="25",
    )
    return env


def start_worker(env: dict, log: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "celery", "-A", "sanlian", "worker"]
    command += ["--concurrency", "2", "-P", "prefork", "-Q", env["CELERY_TASK_DEFAULT_QUEUE"]]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "info"]
    with log.open("ab") as out:
        return subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def kill_group(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGKILL)  # the worker and its pool processes
    worker.wait(timeout=30)


def due_reminders(count: int) -> list[Reminder]:
    visit = f.VisitFactory(
        scheduled_start=timezone.now() + datetime.timedelta(hours=2),
        status=Visit.Status.SCHEDULED,
    )
    recipient = f"resident:{visit.request.resident_id}"
    due = timezone.now() - datetime.timedelta(minutes=1)
    return Reminder.objects.bulk_create(
        Reminder(visit=visit, recipient_key=recipient, channel="sms", offset_minutes=n, due_at=due)
        for n in range(1, count + 1)
    )


def unfinished() -> int:
    return Reminder.objects.filter(status__in=["pending", "sending"]).count()


def test_reminders_are_delivered_once_when_the_worker_is_killed(tmp_path):
    if reason := requirements_missing():
        pytest.skip(reason)
    gateway = CountingGateway()
    threading.Thread(target=gateway.serve_forever, daemon=True).start()
    queue = f"reminder-kill-{uuid.uuid4().hex[:8]}"
    env, log = worker_env(gateway, queue, tmp_path), tmp_path / "worker.log"
    producer = Celery("reminder-kill-test", broker=os.environ["REDIS_URL"])
    reminders = due_reminders(REMINDERS)
    workers = [start_worker(env, log)]
    try:
        producer.send_task("services.dispatch_due_reminders", queue=queue)
        assert gateway.reached.wait(timeout=DEADLINE_SECONDS), log.read_text()[-3000:]
        kill_group(workers[0])
        gateway.release.set()
        assert unfinished() > 0, "the kill came after dispatch had finished"
        workers.append(start_worker(env, log))
        deadline = time.monotonic() + DEADLINE_SECONDS
        while unfinished() and time.monotonic() < deadline:
            producer.send_task("services.dispatch_due_reminders", queue=queue)
            time.sleep(1)  # a bounded wait on another process; each round is a new beat tick
    finally:
        for worker in workers:
            kill_group(worker)
        gateway.shutdown()
        with producer.connection_for_write() as conn:
            conn.default_channel.client.delete(queue)
    keys = {str(reminder.idempotency_key) for reminder in reminders}
    statuses = Counter(Reminder.objects.values_list("status", flat=True))
    assert statuses == {"sent": REMINDERS}, log.read_text()[-3000:]
    assert gateway.delivered == keys  # none lost, nothing unknown
    resent = {key for key, posts in gateway.posts.items() if posts > 1}
    assert resent, "no claim was taken over: the kill did not land mid-send"
    taken_over = Reminder.objects.filter(idempotency_key__in=resent)
    assert set(taken_over.values_list("response", flat=True)) == {"already delivered"}
