"""Shared pieces of the reminder tests: a visit with every kind of recipient."""

import datetime
import json
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest
from django.utils import timezone

from sanlian.roles import Role
from services.models import Reminder, Visit
from services.notifications.outgoing import outgoing_texts, reminders_outgoing
from tests import factories as f

# 14:00 in Shanghai: outside quiet hours.
NOON = datetime.datetime(2026, 11, 27, 6, 0, tzinfo=datetime.UTC)


@pytest.fixture
def sms_log(settings, tmp_path):
    settings.SMS_BACKEND = "file"
    settings.SMS_LOG_PATH = tmp_path / "sms.log"
    settings.SMS_QUIET_HOURS = ""
    settings.REMINDER_OFFSETS_MINUTES = [1440, 60]
    return settings.SMS_LOG_PATH


def sms_lines(path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def care_visit(cast, *, start: datetime.datetime) -> SimpleNamespace:
    """A visit to cast.resident (phone + account, daughter with a phone) by a
    social worker with e-mail and a volunteer whose team a social worker leads."""
    cast.family.phone = "13800001111"
    cast.family.save()
    worker_user = f.UserFactory(role=Role.SOCIAL_WORKER, email="sw@example.org")
    leader_user = f.UserFactory(role=Role.SOCIAL_WORKER)
    volunteer_user = f.UserFactory(role=Role.VOLUNTEER)
    team = f.VolunteerTeamFactory(
        community=cast.community, leader=f.SocialWorkerFactory(user=leader_user)
    )
    request = f.ServiceRequestFactory(resident=cast.resident)
    visit = f.VisitFactory(
        request=request,
        offering=f.OfferingFactory(organization=cast.organization),
        scheduled_start=start,
        social_worker=f.SocialWorkerFactory(user=worker_user),
        volunteer=f.VolunteerFactory(user=volunteer_user, team=team),
        status=Visit.Status.SCHEDULED,
    )
    return SimpleNamespace(
        visit=visit, worker=worker_user, leader=leader_user, volunteer=volunteer_user
    )


def texts_of(reminders: list[Reminder]) -> list[str]:
    """The SMS and e-mail texts of stored reminders, written as their sender writes a batch."""
    rows = reminders_outgoing(Reminder.objects.filter(pk__in=[r.pk for r in reminders]))
    by_pk = {row.pk: row for row in rows}
    return outgoing_texts([by_pk[reminder.pk] for reminder in reminders])


def later(hours: float, *, now: datetime.datetime | None = None) -> datetime.datetime:
    return (now or timezone.now()) + datetime.timedelta(hours=hours)


@contextmanager
def celery_broker_at(url: str):
    """The portal's own Celery app, not eager, publishing to the broker at `url`."""
    from sanlian.celery import app

    saved = app.conf.broker_url, app.conf.task_always_eager

    def reset_pools():
        app._pool = None
        app.amqp._producer_pool = None

    app.conf.broker_url, app.conf.task_always_eager = url, False
    reset_pools()
    try:
        yield app
    finally:
        app.conf.broker_url, app.conf.task_always_eager = saved
        reset_pools()


class GatewayHandler(BaseHTTPRequestHandler):
    """A gateway that dedupes on the Idempotency-Key header; status 500 on demand."""

    def do_POST(self):
        server = self.server
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        key = self.headers["Idempotency-Key"]
        server.received.append((key, self.headers["Authorization"], body))
        if server.fail:
            self.send_response(500)
            self.end_headers()
            return
        status = "duplicate" if key in server.seen else "delivered"
        server.seen.add(key)
        payload = json.dumps({"status": status, "id": f"msg-{len(server.seen)}"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway():
    server = ThreadingHTTPServer(("127.0.0.1", 0), GatewayHandler)
    server.received, server.seen, server.fail = [], set(), False
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
