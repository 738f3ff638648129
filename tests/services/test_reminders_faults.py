"""Faults of the channels: a stalled or slow mail server, the database away after a send.

Every test is bounded: servers hold a connection a few seconds at most, timeouts are
about a second, and the assertions are on rows, deliveries and elapsed time.
"""

import datetime
import threading
import time

import pytest
from django.conf import settings
from django.core import mail
from django.db import OperationalError, connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from services.models import ChannelState, Notification, Reminder
from services.notifications import reminders as reminders_module
from services.notifications.reminders import (
    ClaimKeeper,
    reminders_claim_due,
    reminders_plan_for_visit,
    reminders_send_batch,
    reminders_send_due,
)
from services.notifications.tasks import task_dispatch_due_reminders, task_send_due_reminders
from tests.services._reminders_support import NOON, care_visit, later, sms_lines, sms_log
from tests.services._smtp_support import SlowSmtp, StalledSmtp

__all__ = ["sms_log"]

Status = Reminder.Status
HOLD = 4  # seconds the stalled server keeps a connection; an unbounded send waits this long


def planned_visits(cast, count: int, *, now=None) -> None:
    now = now or timezone.now()
    for _visit in range(count):
        care = care_visit(cast, start=later(0.5, now=now))
        reminders_plan_for_visit(visit=care.visit, now=now)


@pytest.fixture
def stalled_smtp(settings):
    server = StalledSmtp(hold=HOLD)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", server.port, 1
    settings.CHANNEL_BREAKER_FAILURES = 2
    yield server
    server.close()


def statuses(channel: str) -> set[str]:
    return set(Reminder.objects.filter(channel=channel).values_list("status", flat=True))


def test_stalled_mail_server_delays_only_email_then_pauses_it(cast, sms_log, stalled_smtp):
    planned_visits(cast, 3)  # 3 e-mails, 6 SMS, 12 in-app
    started = time.monotonic()
    task_send_due_reminders.delay(channel="email", lead=True)  # its own sender: one timeout
    assert time.monotonic() - started < 2.5
    assert statuses("sms") == statuses("in_app") == {Status.PENDING}  # never claimed by it
    task_dispatch_due_reminders.delay()
    assert time.monotonic() - started < 5  # one more timeout, no hang of HOLD per e-mail
    assert statuses("sms") == statuses("in_app") == {Status.SENT}
    assert len(sms_lines(sms_log)) == 6
    assert statuses("email") == {Status.PENDING} and mail.outbox == []
    # Two failed sends in a row: e-mail is paused, civil-affairs staff are told once.
    state = ChannelState.objects.get(channel="email")
    assert state.failures == 2 and state.paused_until > timezone.now()
    assert Notification.objects.filter(user=cast.civil, title="通知渠道已暂停").count() == 1
    health = Client().get("/healthz").json()
    assert (health["status"], health["channels"]["email"]) == ("degraded", "paused")
    accepted = stalled_smtp.accepted
    task_dispatch_due_reminders.delay()  # paused: not one more connection, no waiting
    assert stalled_smtp.accepted == accepted
    assert time.monotonic() - started < 5.5


def test_mail_server_back_after_a_pause_delivers_each_email_once(cast, settings, stalled_smtp):
    planned_visits(cast, 2)
    task_dispatch_due_reminders.delay()
    task_dispatch_due_reminders.delay()
    assert ChannelState.objects.get(channel="email").paused_until is not None
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # answers again
    past = timezone.now() - datetime.timedelta(seconds=1)
    ChannelState.objects.update(paused_until=past)  # the pause is over
    Reminder.objects.filter(channel="email").update(next_attempt_at=past)  # and the backoff
    task_dispatch_due_reminders.delay()
    assert statuses("email") == {Status.SENT}
    assert len(mail.outbox) == 2
    assert ChannelState.objects.get(channel="email").failures == 0
    assert Client().get("/healthz").json()["channels"]["email"] == "ok"


def test_control_without_a_timeout_one_email_holds_the_sender(cast, settings, stalled_smtp):
    """What the stalled-server tests catch: with no timeout a send waits the server out."""
    settings.EMAIL_TIMEOUT = None
    planned_visits(cast, 1)
    started = time.monotonic()
    task_send_due_reminders.delay(channel="email")
    assert time.monotonic() - started >= HOLD - 0.5


def test_unexpected_channel_error_is_logged_once_per_batch(cast, settings, sms_log, caplog):
    settings.SMS_LOG_PATH = sms_log.parent  # a directory: IsADirectoryError on open
    planned_visits(cast, 3, now=NOON)
    token, ids = reminders_claim_due(now=NOON, limit=100, channel="sms")
    reminders_send_batch(ids=ids, claim_token=token)
    errors = [record for record in caplog.records if record.levelname == "ERROR"]
    assert len(errors) == 1 and "6 reminders" in errors[0].getMessage()
    assert statuses("sms") == {Status.PENDING}  # retried later, not lost
    assert ChannelState.objects.get(channel="sms").failures == 1


# The database away between the mail server's acceptance and the recorded outcome ------


def _database_away(*_args, **_kwargs):
    raise OperationalError("server closed the connection unexpectedly")


def test_database_away_after_acceptance_sends_no_email_twice(cast, sms_log, monkeypatch):
    planned_visits(cast, 1, now=NOON)
    token, ids = reminders_claim_due(now=NOON, limit=100, channel="email")
    monkeypatch.setattr(reminders_module, "_email_note_delivery_on_row", _database_away)
    monkeypatch.setattr(reminders_module, "_outcomes_record", _database_away)
    with pytest.raises(OperationalError):
        reminders_send_batch(ids=ids, claim_token=token)
    monkeypatch.undo()
    assert len(mail.outbox) == 1
    assert Reminder.objects.get(channel="email").sent_at is None  # the row never heard of it
    # Six minutes after the claim was last renewed (its sender renews before sending).
    taken_token, taken = reminders_claim_due(now=later(0.1), limit=100, channel="email")
    assert taken == ids
    reminders_send_batch(ids=taken, claim_token=taken_token)
    email = Reminder.objects.get(channel="email")
    assert (email.status, email.response) == (Status.SENT, "already delivered")
    assert len(mail.outbox) == 1


def test_control_without_the_cache_note_the_takeover_mails_again(cast, sms_log, monkeypatch):
    planned_visits(cast, 1, now=NOON)
    token, ids = reminders_claim_due(now=NOON, limit=100, channel="email")
    monkeypatch.setattr(reminders_module, "_email_note_delivery_on_row", _database_away)
    monkeypatch.setattr(reminders_module, "_outcomes_record", _database_away)
    monkeypatch.setattr(reminders_module.cache, "set", _database_away)  # Redis away as well
    with pytest.raises(OperationalError):
        reminders_send_batch(ids=ids, claim_token=token)
    monkeypatch.undo()
    # Six minutes after the claim was last renewed (its sender renews before sending).
    taken_token, taken = reminders_claim_due(now=later(0.1), limit=100, channel="email")
    reminders_send_batch(ids=taken, claim_token=taken_token)
    assert len(mail.outbox) == 2  # the window the README names: both stores away


# A slow mail server and claims renewed while the sender works ---------------------------


@pytest.fixture
def slow_smtp(settings):
    server = SlowSmtp(delay=0.4)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", server.port, 1
    settings.SMS_HTTP_TIMEOUT_SECONDS = 1
    settings.REMINDER_CLAIM_TIMEOUT_SECONDS = 2.5
    settings.REMINDER_HEARTBEAT_SECONDS = 0.5
    settings.SMS_QUIET_HOURS = ""
    yield server
    server.close()


def _race_a_sender_against_takeovers(cast, count: int) -> tuple[list[int], float]:
    """Send `count` e-mails in a thread while this thread tries to take the claim over."""
    for _visit in range(count):
        visit = care_visit(cast, start=later(0.5)).visit
        reminders_module._reminders_sync(visit=visit, now=timezone.now(), dispatch=False)
    Reminder.objects.exclude(channel="email").update(status=Status.CANCELLED)
    assert mail.outbox == [] and Reminder.objects.filter(status=Status.PENDING).count() == count
    done = threading.Event()

    def sender():
        try:
            reminders_send_due(batch_size=100, deadline=time.monotonic() + 10, channel="email")
        finally:
            connections.close_all()
            done.set()

    started = time.monotonic()
    threading.Thread(target=sender, daemon=True).start()
    taken: list[int] = []
    while not done.wait(0.2) and time.monotonic() - started < 10:
        token, ids = reminders_claim_due(now=timezone.now(), limit=100, channel="email")
        if ids:
            taken += ids
            reminders_send_batch(ids=ids, claim_token=token)
    return taken, time.monotonic() - started


@pytest.mark.django_db(transaction=True)
def test_slow_mail_server_causes_no_takeover_and_no_email_twice(cast, slow_smtp):
    taken, elapsed = _race_a_sender_against_takeovers(cast, 8)  # 8 x 0.4 s > the 2.5 s claim
    assert elapsed < 9
    assert taken == []
    assert len(slow_smtp.received) == 8 and set(slow_smtp.received.values()) == {1}
    assert set(Reminder.objects.filter(channel="email").values_list("status", "attempts")) == {
        (Status.SENT, 1)
    }


@pytest.mark.django_db(transaction=True)
def test_control_without_heartbeat_a_slow_server_mails_twice(cast, slow_smtp, monkeypatch):
    monkeypatch.setattr(ClaimKeeper, "keep_going", lambda self: True)  # the old sender
    taken, elapsed = _race_a_sender_against_takeovers(cast, 8)
    assert taken, elapsed
    assert max(slow_smtp.received.values()) == 2


def test_batch_out_of_time_hands_back_the_rest_and_the_sender_goes_on(
    cast, settings, sms_log, monkeypatch
):
    """A batch is sized by time: what it did not start is claimed afresh, none sent twice."""
    settings.SMS_QUIET_HOURS = ""
    planned_visits(cast, 3, now=NOON)  # 3 e-mails
    budget = iter([True, False] * 3)  # each batch may send one e-mail, then its time is up
    monkeypatch.setattr(ClaimKeeper, "keep_going", lambda self: next(budget, False))
    handled = reminders_send_due(batch_size=10, deadline=time.monotonic() + 5, channel="email")
    assert handled == 3 + 2 + 1  # three claims: 3, then the 2 handed back, then the last
    assert statuses("email") == {Status.SENT} and len(mail.outbox) == 3
    assert set(Reminder.objects.filter(channel="email").values_list("attempts", flat=True)) == {1}


def test_emails_handed_back_are_not_recorded_as_sent_with_those_mailed(cast, sms_log, monkeypatch):
    """Two e-mails mailed alike (one outcome), then the batch's time is up: the third is
    handed back pending, not recorded as sent with the other two, and is mailed next time."""
    planned_visits(cast, 3, now=NOON)
    token, ids = reminders_claim_due(now=NOON, limit=100, channel="email")
    budget = iter([True, True])  # time for two e-mails
    monkeypatch.setattr(ClaimKeeper, "keep_going", lambda self: next(budget, False))
    outcome = reminders_send_batch(ids=ids, claim_token=token)
    monkeypatch.undo()
    assert outcome == {Status.SENT: 2, "released": 1} and len(mail.outbox) == 2
    emails = Reminder.objects.filter(channel="email")
    assert sorted(emails.values_list("status", flat=True)) == ["pending", "sent", "sent"]
    handed_back = emails.get(status=Status.PENDING)
    assert (handed_back.attempts, handed_back.sent_at) == (0, None)
    token, ids = reminders_claim_due(now=NOON, limit=100, channel="email")
    assert ids == [handed_back.pk]
    reminders_send_batch(ids=ids, claim_token=token)
    assert statuses("email") == {Status.SENT} and len(mail.outbox) == 3


# A claim that aged before its sender began: taken over between loading and sending -----


def _age(ids: list[int]) -> None:
    timeout = datetime.timedelta(seconds=settings.REMINDER_CLAIM_TIMEOUT_SECONDS + 30)
    Reminder.objects.filter(pk__in=ids).update(claimed_at=timezone.now() - timeout)


def _takeover_after_loading(monkeypatch, taken: list) -> None:
    """Another sender takes the (stale) claim over just after this one loaded its batch."""
    settled = reminders_module._settled_unsent

    def and_take_over(reminder):
        if not taken:
            taken.append(reminders_claim_due(now=timezone.now(), limit=100, channel="email"))
        return settled(reminder)

    monkeypatch.setattr(reminders_module, "_settled_unsent", and_take_over)


def _aged_email_claim(cast) -> tuple[str, list[int]]:
    planned_visits(cast, 2)  # 2 e-mails
    token, ids = reminders_claim_due(now=timezone.now(), limit=100, channel="email")
    _age(ids)  # a stalled start: the claim expired before any send
    return token, ids


def test_sender_whose_claim_aged_sends_nothing_the_taker_sends(cast, sms_log, monkeypatch):
    token, ids = _aged_email_claim(cast)
    taken: list = []
    _takeover_after_loading(monkeypatch, taken)
    outcome = reminders_send_batch(ids=ids, claim_token=token)
    monkeypatch.undo()
    assert taken and sorted(taken[0][1]) == sorted(ids)  # the takeover happened mid-batch
    assert mail.outbox == [] and "sent" not in outcome  # its first renewal found it taken
    reminders_send_batch(ids=taken[0][1], claim_token=taken[0][0])
    assert len(mail.outbox) == 2 and statuses("email") == {Status.SENT}


def test_control_trusting_an_aged_claim_mails_beside_its_taker(cast, sms_log, monkeypatch):
    token, ids = _aged_email_claim(cast)
    monkeypatch.setattr(
        ClaimKeeper, "renew", lambda self: setattr(self, "renewed", time.monotonic())
    )
    taken: list = []
    _takeover_after_loading(monkeypatch, taken)
    reminders_send_batch(ids=ids, claim_token=token)
    monkeypatch.undo()
    assert len(mail.outbox) == 2  # mailed although the claim was no longer its own
    held = Reminder.objects.filter(pk__in=ids).values_list("claim_token", flat=True)
    assert {str(claim) for claim in held} == {taken[0][0]}


# A sender that made its claim itself knows its age: no renewal before the first send ------


def _claim_updates(queries) -> int:
    return sum('SET "claimed_at"' in query["sql"] for query in queries.captured_queries)


def test_sender_that_just_claimed_sends_without_renewing_first(cast, sms_log):
    planned_visits(cast, 2)
    began = time.monotonic()
    token, ids = reminders_claim_due(now=timezone.now(), limit=100, channel="sms")
    with CaptureQueriesContext(connection) as queries:
        outcome = reminders_send_batch(ids=ids, claim_token=token, claimed=began)
    assert outcome == {Status.SENT: len(ids)} and _claim_updates(queries) == 0
    # Control: a claim of unknown age (made elsewhere) is renewed before anything is sent.
    planned_visits(cast, 1)
    token, ids = reminders_claim_due(now=timezone.now(), limit=100, channel="sms")
    with CaptureQueriesContext(connection) as queries:
        reminders_send_batch(ids=ids, claim_token=token)
    assert _claim_updates(queries) == 1


def test_sender_whose_own_claim_aged_renews_and_sends_no_sms_beside_its_taker(
    cast, sms_log, monkeypatch
):
    """Its claim began longer ago than the timeout (a stalled start): the batch is renewed
    before the SMS go out, finds the claim taken over, and hands everything to the taker."""
    planned_visits(cast, 2)
    began = time.monotonic() - settings.REMINDER_CLAIM_TIMEOUT_SECONDS - 30
    token, ids = reminders_claim_due(now=timezone.now(), limit=100, channel="sms")
    _age(ids)
    taken: list = []
    settled = reminders_module._settled_unsent

    def and_take_over(reminder):
        if not taken:
            taken.append(reminders_claim_due(now=timezone.now(), limit=100, channel="sms"))
        return settled(reminder)

    monkeypatch.setattr(reminders_module, "_settled_unsent", and_take_over)
    outcome = reminders_send_batch(ids=ids, claim_token=token, claimed=began)
    monkeypatch.undo()
    assert taken and sorted(taken[0][1]) == sorted(ids)
    assert sms_lines(sms_log) == [] and "sent" not in outcome
    reminders_send_batch(ids=taken[0][1], claim_token=taken[0][0])
    assert len(sms_lines(sms_log)) == len(ids)
    assert set(Reminder.objects.filter(pk__in=ids).values_list("attempts", flat=True)) == {2}
