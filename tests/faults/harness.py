"""Real processes for the fault suite: a private redis-server, Celery workers, a gateway.

Everything listens on 127.0.0.1 on a free port and is stopped by the test that started
it; the machine's own Redis (6379) and PostgreSQL are never touched. Workers share the
test database (PostgreSQL, committed rows: the tests are transactional).
"""

import contextlib
import datetime
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import redis
from celery import Celery
from django.db import connection
from django.utils import timezone

from services.models import Reminder, Visit
from tests import factories as f

ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, *, seconds: float, step: float = 0.1, tick=None) -> bool:
    """Poll another process's progress, at most `seconds`; `tick` runs each round."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        if tick is not None:
            tick()
        time.sleep(step)
    return condition()


class PrivateRedis:
    """A redis-server of the test's own, without persistence: a restart starts it empty."""

    def __init__(self, directory: Path):
        self.port, self.dir = free_port(), directory
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        subprocess.run(  # noqa: S603 - fixed arguments, a free port of ours
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "yes", "--dir", str(self.dir),
             "--pidfile", str(self.dir / "redis.pid"), "--logfile", str(self.dir / "redis.log")],
            check=True, timeout=10,
        )  # fmt: skip
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        if not wait_until(lambda: _pings(client), seconds=5, step=0.05):
            raise RuntimeError("private redis did not start")

    def stop(self) -> None:
        with contextlib.suppress(redis.ConnectionError):  # shutdown closes the connection
            redis.Redis(port=self.port, socket_connect_timeout=0.5).shutdown(nosave=True)
        wait_until(lambda: not _pings(redis.Redis(port=self.port)), seconds=5, step=0.05)

    def keys(self) -> list:
        return redis.Redis(port=self.port).keys("*")


def _pings(client) -> bool:
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False


def database_url() -> str:
    db = connection.settings_dict
    host = db["HOST"] or "127.0.0.1"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


def portal_env(redis_url: str, var_dir: Path, **extra: str) -> dict:
    """The environment of a worker or web process: the test database and the private Redis."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTEST", "SMS_", "REMINDER_", "EMAIL_", "CELERY_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="sanlian.settings",
        SECRET_KEY="fault-suite-only",
        DEBUG="0",
        SECURE_SSL="false",
        DATABASE_URL=database_url(),
        DB_CONN_MAX_AGE="0",
        REDIS_URL=redis_url,
        VAR_DIR=str(var_dir),
        SMS_QUIET_HOURS="",
        # Short timeouts, heartbeat and claims, so a takeover happens within seconds
        # (settings check that the claim outlives heartbeat plus the longest timeout).
        SMS_HTTP_TIMEOUT_SECONDS="1",
        EMAIL_TIMEOUT="1",
        REMINDER_CLAIM_TIMEOUT_SECONDS="3",
        REMINDER_HEARTBEAT_SECONDS="1",
        REMINDER_BATCH_SECONDS="2",
        REMINDER_BATCH_SIZE="25",
        CELERY_BROKER_CONNECTION_TIMEOUT="1",
    )
    env.update(extra)
    return env


class Worker:
    """`celery worker` (prefork) as its own process group, so SIGKILL takes its pool too."""

    def __init__(self, env: dict, log: Path, *, concurrency: int = 2):
        command = [sys.executable, "-m", "celery", "-A", "sanlian", "worker", "-P", "prefork"]
        command += ["--concurrency", str(concurrency), "-l", "info"]
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        self.log = log
        with log.open("ab") as out:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def producer(redis_url: str) -> Celery:
    """Sends tasks by name, as beat does; short connect timeouts while Redis is away."""
    app = Celery("fault-suite", broker=redis_url)
    app.conf.broker_connection_timeout = 1
    app.conf.task_publish_retry_policy = {"max_retries": 0}
    return app


def send_task(app: Celery, name: str, **kwargs) -> bool:
    try:
        app.send_task(name, kwargs=kwargs)
    except Exception:  # Redis away: beat's tick is lost too, the next one comes
        return False
    return True


class Gateway(ThreadingHTTPServer):
    """An SMS gateway that counts deliveries per idempotency key (a repeated key is
    answered "duplicate", as real gateways do). `delay` slows every answer; `failing`
    answers 503 to all; from the `hold_after`-th delivery on, answers wait for `release`."""

    daemon_threads = True

    def __init__(self, *, delay: float = 0.0, failing: bool = False, hold_after: int = 0):
        super().__init__(("127.0.0.1", 0), _GatewayHandler)
        self.delay, self.failing, self.hold_after = delay, failing, hold_after
        self.lock = threading.Lock()
        self.posts: Counter = Counter()
        self.delivered: set[str] = set()
        self.holding = threading.Event()  # set: delivered messages are not answered
        self.release = threading.Event()
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/sms"


class _GatewayHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        gateway = self.server
        self.rfile.read(int(self.headers["Content-Length"]))
        key = self.headers["Idempotency-Key"]
        time.sleep(gateway.delay)
        if gateway.failing:
            self._answer(503, {"error": "unavailable"})
            return
        with gateway.lock:
            gateway.posts[key] += 1
            status = "duplicate" if key in gateway.delivered else "delivered"
            gateway.delivered.add(key)
            if gateway.hold_after and len(gateway.delivered) >= gateway.hold_after:
                gateway.holding.set()
        if gateway.holding.is_set() and not gateway.release.is_set():
            gateway.release.wait(timeout=60)  # delivered, not yet answered
        self._answer(200, {"status": status})

    def _answer(self, code: int, body: dict):
        payload = json.dumps(body).encode()
        try:
            self.send_response(code)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            pass  # the sender was killed

    def log_message(self, *args):
        pass


def due_reminders(count: int, *, channel: str = "sms", visit_in_hours: float = 2) -> list:
    """`count` due reminders of one visit on one channel (distinct offsets: one row each)."""
    visit = f.VisitFactory(
        scheduled_start=timezone.now() + datetime.timedelta(hours=visit_in_hours),
        status=Visit.Status.SCHEDULED,
    )
    recipient = f"resident:{visit.request.resident_id}"
    due = timezone.now() - datetime.timedelta(minutes=1)
    return Reminder.objects.bulk_create(
        Reminder(visit=visit, recipient_key=recipient, channel=channel, offset_minutes=n,
                 due_at=due)
        for n in range(1, count + 1)
    )  # fmt: skip


def unfinished() -> int:
    return Reminder.objects.filter(status__in=["pending", "sending"]).count()
