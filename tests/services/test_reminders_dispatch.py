import datetime

import pytest
from django.core import mail

from services.models import Notification, Reminder
from services.notifications import reminders as reminders_module
from services.notifications.reminders import (
    reminder_send_claimed,
    reminders_claim_due,
    reminders_plan_for_visit,
    reminders_send_batch,
    sms_quiet_at,
)
from services.notifications.tasks import task_dispatch_due_reminders
from tests.services._reminders_support import NOON, care_visit, later, sms_lines, sms_log

__all__ = ["sms_log"]

Status = Reminder.Status
SHANGHAI_22 = datetime.datetime(2026, 11, 27, 14, 0, tzinfo=datetime.UTC)
SHANGHAI_0805 = datetime.datetime(2026, 11, 28, 0, 5, tzinfo=datetime.UTC)


def planned(cast, *, hours_ahead: float, now=NOON):
    care = care_visit(cast, start=later(hours_ahead, now=now))
    reminders_plan_for_visit(visit=care.visit, now=now)
    return care


def test_dispatch_sends_each_channel_and_records_the_outcome(cast, sms_log):
    care = planned(cast, hours_ahead=0.5, now=later(-0.01))
    # The dispatcher sends the 4 in-app ones itself; SMS and e-mail have senders of their own.
    assert task_dispatch_due_reminders.delay().get() == 4
    lines = sms_lines(sms_log)
    assert len(lines) == 2
    assert all("139" not in line.split("\t")[3] for line in lines)  # no number in the text
    assert mail.outbox[0].to == [care.worker.email]
    assert mail.outbox[0].extra_headers["X-Idempotency-Key"]
    assert Notification.objects.filter(user=care.volunteer, title="上门服务提醒").count() == 1
    for reminder in Reminder.objects.all():
        assert (reminder.status, reminder.attempts) == (Status.SENT, 1)
        assert reminder.sent_at is not None and reminder.response


def test_dispatch_twice_sends_nothing_twice(cast, sms_log):
    planned(cast, hours_ahead=0.5, now=later(-0.01))
    task_dispatch_due_reminders.delay()
    assert task_dispatch_due_reminders.delay().get() == 0
    assert len(sms_lines(sms_log)) == 2
    assert len(mail.outbox) == 1


def test_reminder_not_yet_due_is_not_claimed(cast, sms_log):
    planned(cast, hours_ahead=30)
    _token, ids = reminders_claim_due(now=later(1, now=NOON), limit=100)
    assert ids == []


def test_claim_takes_batches_without_overlap(cast, sms_log):
    planned(cast, hours_ahead=0.5)
    _token, first = reminders_claim_due(now=NOON, limit=4)
    _token, second = reminders_claim_due(now=NOON, limit=4)
    assert (len(first), len(second)) == (4, 3)
    assert not set(first) & set(second)
    assert Reminder.objects.filter(status=Status.SENDING).count() == 7
    assert reminders_claim_due(now=NOON, limit=4)[1] == []


def test_quiet_hours_defer_sms_to_eight_and_let_urgent_through(cast, settings, sms_log):
    settings.SMS_QUIET_HOURS = "21:00-08:00"
    assert sms_quiet_at(SHANGHAI_22) and not sms_quiet_at(SHANGHAI_0805)
    care = planned(cast, hours_ahead=0.5, now=SHANGHAI_22)
    token, ids = reminders_claim_due(now=SHANGHAI_22, limit=100)
    assert set(Reminder.objects.filter(pk__in=ids).values_list("channel", flat=True)) == {
        "in_app",
        "email",
    }
    reminders_send_batch(ids=ids, claim_token=token)
    Reminder.objects.filter(visit=care.visit, recipient_key__startswith="resident:").update(
        urgent=True
    )
    token, urgent = reminders_claim_due(now=SHANGHAI_22, limit=100)
    assert Reminder.objects.get(pk__in=urgent).recipient_key.startswith("resident:")
    reminders_send_batch(ids=urgent, claim_token=token)
    assert len(sms_lines(sms_log)) == 1
    _token, morning = reminders_claim_due(now=SHANGHAI_0805, limit=100)
    assert Reminder.objects.get(pk__in=morning).recipient_user == cast.family


def test_failure_retries_with_backoff_then_fails_for_good(cast, settings, sms_log):
    settings.SMS_BACKEND = "http"
    settings.SMS_HTTP_URL = "http://127.0.0.1:9/nowhere"  # discard port: refused at once
    settings.REMINDER_MAX_ATTEMPTS = 3
    care = planned(cast, hours_ahead=0.5)
    sms = Reminder.objects.get(visit=care.visit, recipient_key__startswith="resident:")
    now = NOON
    for attempt, backoff in ((1, 2), (2, 4)):
        token, ids = reminders_claim_due(now=now, limit=100)
        assert sms.pk in ids
        assert reminder_send_claimed(reminder_id=sms.pk, claim_token=token, now=now) == "pending"
        sms.refresh_from_db()
        assert sms.attempts == attempt
        assert sms.next_attempt_at == now + datetime.timedelta(minutes=backoff)
        assert "ChannelDown" in sms.response  # refused: the gateway, not the message
        assert sms.pk not in reminders_claim_due(now=now, limit=100)[1]
        now = sms.next_attempt_at
    token, _ids = reminders_claim_due(now=now, limit=100)
    assert reminder_send_claimed(reminder_id=sms.pk, claim_token=token, now=now) == "failed"
    sms.refresh_from_db()
    assert (sms.status, sms.attempts, sms.sent_at) == (Status.FAILED, 3, None)
    assert sms.pk not in reminders_claim_due(now=now + datetime.timedelta(days=1), limit=100)[1]


def test_missing_phone_fails_at_once(cast, sms_log):
    care = planned(cast, hours_ahead=0.5)
    cast.family.phone = ""
    cast.family.save()
    token, _ids = reminders_claim_due(now=NOON, limit=100)
    sms = Reminder.objects.get(visit=care.visit, recipient_user=cast.family, channel="sms")
    assert reminder_send_claimed(reminder_id=sms.pk, claim_token=token, now=NOON) == "failed"


def test_dead_workers_claim_is_taken_over_and_delivered_once(cast, settings, sms_log):
    settings.REMINDER_CLAIM_TIMEOUT_SECONDS = 300
    planned(cast, hours_ahead=0.5)
    dead_token, ids = reminders_claim_due(now=NOON, limit=100)
    sms = Reminder.objects.get(recipient_key__startswith="resident:")
    # The dead worker had reached the gateway but died before recording it.
    reminder_send_claimed(reminder_id=sms.pk, claim_token=dead_token, now=NOON)
    Reminder.objects.filter(pk=sms.pk).update(status=Status.SENDING)
    assert reminders_claim_due(now=later(0.05, now=NOON), limit=100)[1] == []
    # Six minutes after the dead sender's last renewal (before its send).
    token, taken = reminders_claim_due(now=later(0.1), limit=100)
    assert set(taken) == set(ids)
    reminders_send_batch(ids=taken, claim_token=token)
    assert reminders_send_batch(ids=ids, claim_token=dead_token) == {"skipped": 7}
    sms.refresh_from_db()
    assert (sms.status, sms.attempts, sms.response) == (Status.SENT, 2, "already delivered")
    assert len(sms_lines(sms_log)) == 2
    assert Notification.objects.count() == 4
    assert set(Reminder.objects.values_list("status", flat=True)) == {Status.SENT}


def test_email_accepted_before_the_sender_died_is_not_mailed_again(
    cast, settings, sms_log, monkeypatch
):
    settings.REMINDER_CLAIM_TIMEOUT_SECONDS = 300
    care = planned(cast, hours_ahead=0.5)
    dead_token, ids = reminders_claim_due(now=NOON, limit=100)

    def die(*_args, **_kwargs):
        raise SystemExit("worker killed after sending, before recording")

    monkeypatch.setattr(reminders_module, "_outcomes_record", die)
    with pytest.raises(SystemExit):
        reminders_send_batch(ids=ids, claim_token=dead_token)
    monkeypatch.undo()
    email = Reminder.objects.get(channel="email")
    assert (email.status, len(mail.outbox)) == (Status.SENDING, 1)
    assert email.sent_at is not None  # noted at once, under the dead claim
    token, taken = reminders_claim_due(now=later(0.1), limit=100)  # after its renewal
    assert set(taken) == set(ids)
    reminders_send_batch(ids=taken, claim_token=token)
    email.refresh_from_db()
    assert (email.status, email.response) == (Status.SENT, "already delivered")
    assert [message.to for message in mail.outbox] == [[care.worker.email]]
    assert len(sms_lines(sms_log)) == 2  # the SMS gateway answered the resend itself
    assert set(Reminder.objects.values_list("status", flat=True)) == {Status.SENT}


def test_email_noted_only_under_the_senders_own_claim(cast, settings, sms_log):
    settings.REMINDER_CLAIM_TIMEOUT_SECONDS = 300
    planned(cast, hours_ahead=0.5)
    dead_token, ids = reminders_claim_due(now=NOON, limit=100)
    reminders_claim_due(now=later(0.1, now=NOON), limit=100)  # taken over
    assert reminders_send_batch(ids=ids, claim_token=dead_token) == {"skipped": 7}
    assert Reminder.objects.filter(sent_at__isnull=False).count() == 0
    assert mail.outbox == []


def test_cancelled_visit_in_flight_is_not_sent(cast, sms_log):
    care = planned(cast, hours_ahead=0.5)
    token, ids = reminders_claim_due(now=NOON, limit=100)
    care.visit.status = "cancelled"
    care.visit.save()
    assert reminders_send_batch(ids=ids, claim_token=token) == {"cancelled": 7}
    assert sms_lines(sms_log) == []
