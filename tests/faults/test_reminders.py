"""Reminders under faults, sent by real Celery workers over a private Redis.

Each test starts what it needs (redis-server, `celery worker` processes, a local SMS
gateway or mail server), plays beat by sending `services.dispatch_due_reminders` once
a second, injects one fault, and asserts on the rows and on what the gateway or mail
server received: every reminder delivered once, or turned into a desk call; none twice.
Bounded: each waits at most DEADLINE seconds; the suite takes about 2 minutes.
"""

import datetime
import time
from collections import Counter

import pytest
from django.utils import timezone

from services.models import DeskCall, Reminder, Visit
from services.notifications.reminders import reminders_plan_for_visit
from tests import factories as f
from tests.faults.harness import (
    Gateway,
    Worker,
    due_reminders,
    portal_env,
    producer,
    send_task,
    unfinished,
    wait_until,
)
from tests.services._reminders_support import celery_broker_at
from tests.services._smtp_support import SlowSmtp

pytestmark = [pytest.mark.faults, pytest.mark.slow]

DEADLINE = 45
DISPATCH = "services.dispatch_due_reminders"


@pytest.fixture
def run(private_redis, tmp_path):
    """Start workers on the private Redis; kill every one at the end."""
    started: list[Worker] = []

    class Run:
        app = producer(private_redis.url)
        log = tmp_path / "worker.log"

        def worker(self, **env) -> Worker:
            started.append(Worker(portal_env(private_redis.url, tmp_path, **env), self.log))
            return started[-1]

        last_tick = 0.0

        def tick(self) -> None:
            """Beat's tick, at most once a second however often the test polls."""
            if time.monotonic() - self.last_tick >= 1:
                self.last_tick = time.monotonic()
                send_task(self.app, DISPATCH)

        def tail(self) -> str:
            return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""

    yield Run()
    for worker in started:
        worker.kill()


def statuses(**filters) -> Counter:
    return Counter(Reminder.objects.filter(**filters).values_list("status", flat=True))


def sms_env(gateway: Gateway, **extra) -> dict:
    return {"SMS_BACKEND": "http", "SMS_HTTP_URL": gateway.url, **extra}


def test_worker_killed_mid_batch_delivers_each_sms_once(run):
    gateway = Gateway(hold_after=60)  # from the 60th on: delivered, never answered
    reminders = due_reminders(300)
    worker = run.worker(**sms_env(gateway))
    wait_until(gateway.holding.is_set, seconds=DEADLINE, tick=run.tick)
    assert gateway.holding.is_set(), run.tail()
    worker.kill()  # SIGKILL, pool included: its claims stay "sending"
    gateway.release.set()
    assert unfinished() > 0, "the kill came after dispatch had finished"
    run.worker(**sms_env(gateway))
    assert wait_until(lambda: unfinished() == 0, seconds=DEADLINE, tick=run.tick), run.tail()
    keys = {str(reminder.idempotency_key) for reminder in reminders}
    assert statuses() == {"sent": 300}
    assert gateway.delivered == keys  # none lost, nothing unknown
    resent = {key for key, posts in gateway.posts.items() if posts > 1}
    assert resent, "no claim was taken over: the kill did not land mid-send"
    # Sent again only as a takeover the gateway recognised: the person got it once.
    taken_over = Reminder.objects.filter(idempotency_key__in=resent)
    assert set(taken_over.values_list("response", flat=True)) == {"already delivered"}


def test_redis_stopped_and_restarted_during_dispatch_loses_nothing(run, private_redis):
    gateway = Gateway(delay=0.05)
    reminders = due_reminders(400)
    run.worker(**sms_env(gateway))
    wait_until(lambda: len(gateway.delivered) >= 30, seconds=DEADLINE, tick=run.tick, step=0.05)
    private_redis.stop()  # broker and cache away mid-dispatch; the queued ticks are gone
    away_at = len(gateway.delivered)
    time.sleep(3)
    assert not send_task(run.app, DISPATCH)  # beat cannot reach it either
    private_redis.start()  # empty: what was queued in it is lost
    assert wait_until(lambda: unfinished() == 0, seconds=DEADLINE, tick=run.tick), run.tail()
    assert 0 < away_at < 400, "Redis stopped before or after dispatch, not during it"
    assert statuses() == {"sent": 400}
    missing = {str(reminder.idempotency_key) for reminder in reminders} - gateway.delivered
    recorded = Reminder.objects.filter(idempotency_key__in=missing)
    assert not missing, list(recorded.values_list("response", "attempts"))[:5]
    assert gateway.delivered == {str(reminder.idempotency_key) for reminder in reminders}
    assert max(gateway.posts.values()) == 1  # the worker reconnected; nothing sent twice


class SwitchableSmtp(SlowSmtp):
    """Stalled (accepts, never says a word) until `answer()`; then a working server."""

    def __init__(self):
        super().__init__(delay=0)
        self.stalled = True

    def answer(self):
        self.stalled = False

    def _session(self, conn):
        if self.stalled:
            time.sleep(4)  # longer than EMAIL_TIMEOUT: the sender gives up first
            conn.close()
            return
        super()._session(conn)


def email_reminders(count: int, *, visit_in_hours: float) -> list:
    visit = f.VisitFactory(
        scheduled_start=timezone.now() + datetime.timedelta(hours=visit_in_hours),
        status=Visit.Status.SCHEDULED,
    )
    due = timezone.now() - datetime.timedelta(minutes=1)
    users = [f.UserFactory(email=f"worker{n}@example.org") for n in range(count)]
    return Reminder.objects.bulk_create(
        Reminder(visit=visit, recipient_key=f"user:{user.pk}", recipient_user=user,
                 channel="email", offset_minutes=60, due_at=due)
        for user in users
    )  # fmt: skip


def mail_env(server: SlowSmtp, **extra) -> dict:
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(server.port),
        **extra,
    }


def test_stalled_mail_server_delays_only_email_then_each_goes_once(run):
    gateway, smtp = Gateway(), SwitchableSmtp()
    sms = due_reminders(40)
    emails = email_reminders(6, visit_in_hours=1)
    ours = {"pk__in": [reminder.pk for reminder in emails]}
    env = {**sms_env(gateway), **mail_env(smtp)}
    run.worker(**env, CHANNEL_BREAKER_FAILURES="2", CHANNEL_BREAKER_PAUSE_SECONDS="4")
    all_sms = {str(reminder.idempotency_key) for reminder in sms}
    assert wait_until(lambda: all_sms <= gateway.delivered, seconds=30, tick=run.tick), run.tail()
    assert smtp.stalled and smtp.received == {}  # SMS went out while mail stalled
    # E-mail paused after two timeouts; the visit is an hour away, so each person the
    # paused channel holds back is on the desk's call list.
    keys = [reminder.recipient_key for reminder in emails]
    called = DeskCall.objects.filter(recipient_key__in=keys)
    assert wait_until(lambda: called.count() == 6, seconds=15, tick=run.tick), run.tail()
    assert statuses(**ours) == {"pending": 6}
    smtp.answer()  # the server is back; the pause runs out, the backoff too
    Reminder.objects.filter(**ours).update(next_attempt_at=None)
    assert wait_until(lambda: statuses(**ours) == {"sent": 6}, seconds=DEADLINE, tick=run.tick), (
        run.tail()
    )
    assert sorted(smtp.received) == sorted(str(r.idempotency_key) for r in emails)
    assert set(smtp.received.values()) == {1}
    assert max(gateway.posts.values()) == 1  # no SMS twice either


def test_slow_mail_server_with_two_workers_takes_no_claim_over(run):
    smtp = SlowSmtp(delay=0.5)  # 12 e-mails: 6 s of sending against a 3 s claim
    emails = email_reminders(12, visit_in_hours=5)
    run.worker(**mail_env(smtp), REMINDER_BATCH_SIZE="100", REMINDER_BATCH_SECONDS="20")
    run.worker(**mail_env(smtp), REMINDER_BATCH_SIZE="100", REMINDER_BATCH_SECONDS="20")
    assert wait_until(
        lambda: statuses(channel="email") == {"sent": 12}, seconds=DEADLINE, tick=run.tick
    ), run.tail()
    assert sorted(smtp.received) == sorted(str(r.idempotency_key) for r in emails)
    assert set(smtp.received.values()) == {1}  # heartbeats kept every claim its sender's
    assert set(Reminder.objects.values_list("attempts", flat=True)) == {1}


def test_failing_sms_gateway_turns_each_reminder_into_a_desk_call(run):
    gateway = Gateway(failing=True)
    visits = [due_reminders(1, visit_in_hours=3)[0].visit_id for _n in range(5)]
    run.worker(**sms_env(gateway), REMINDER_MAX_ATTEMPTS="1", CHANNEL_BREAKER_FAILURES="100")
    assert wait_until(lambda: unfinished() == 0, seconds=DEADLINE, tick=run.tick), run.tail()
    assert statuses() == {"failed": 5}
    assert gateway.delivered == set()
    calls = DeskCall.objects.filter(called_at__isnull=True)
    # The sender opens the calls just after it records the outcomes: wait for that too.
    wait_until(lambda: calls.count() >= len(visits), seconds=10)
    assert sorted(calls.values_list("visit_id", flat=True)) == sorted(visits)


def test_reminder_goes_out_at_its_due_time_without_a_tick(run, private_redis, settings):
    """Planned a few seconds before it is due, over the real broker: the worker sends it at
    its due time (the ETA task), with no beat tick at all; a second delivery sends nothing."""
    settings.REMINDER_OFFSETS_MINUTES = [1]
    gateway = Gateway()
    run.worker(**sms_env(gateway))
    # Up and consuming first: the lateness measured is the ETA's, not the worker's start-up.
    assert wait_until(lambda: " ready." in run.tail(), seconds=DEADLINE), run.tail()
    start = timezone.now() + datetime.timedelta(minutes=1, seconds=6)
    visit = f.VisitFactory(scheduled_start=start, status=Visit.Status.SCHEDULED)
    with celery_broker_at(private_redis.url):
        assert reminders_plan_for_visit(visit=visit) >= 1  # committed: enqueued after it
    mine = Reminder.objects.filter(visit=visit)
    assert wait_until(lambda: not mine.exclude(status="sent").exists(), seconds=30), run.tail()
    for reminder in mine:
        assert reminder.attempts == 1
        late = (reminder.sent_at - reminder.due_at).total_seconds()
        # Its due time, give or take a loaded machine; never a tick (there is none here).
        assert 0 <= late < 5, late
    sms = mine.get(channel="sms")
    assert gateway.delivered == {str(sms.idempotency_key)}
    ids = list(mine.values_list("pk", flat=True))
    send_task(run.app, "services.send_reminders", ids=ids, due=sms.due_at.isoformat())
    time.sleep(2)
    assert set(mine.values_list("attempts", flat=True)) == {1}
    assert max(gateway.posts.values()) == 1
