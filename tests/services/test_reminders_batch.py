"""Sending a claimed batch at once: one load, one record, claims honoured to the end."""

import dataclasses
import math
import uuid
from collections import Counter

from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from services.models import Notification, Reminder
from services.notifications import reminders as reminders_module
from services.notifications import tasks as tasks_reminders
from services.notifications.channels import (
    ALREADY_DELIVERED,
    FileSmsGateway,
    SmsMessage,
    notifications_create_many,
)
from services.notifications.outgoing import OUTGOING_COLUMNS, Outgoing, reminders_outgoing
from services.notifications.reminders import (
    reminders_claim_due,
    reminders_plan_for_visit,
    reminders_send_batch,
)
from services.notifications.tasks import task_dispatch_due_reminders
from tests.services._reminders_support import (
    NOON,
    care_visit,
    gateway,
    later,
    sms_lines,
    sms_log,
)

__all__ = ["gateway", "sms_log"]

Status = Reminder.Status


def planned_visits(cast, count: int) -> None:
    for _visit in range(count):
        care = care_visit(cast, start=later(0.5, now=NOON))
        reminders_plan_for_visit(visit=care.visit, now=NOON)


def queries_to_claim_and_send(now) -> tuple[int, int]:
    """(queries of a claim and its batch apart from the one delivery note per e-mail,
    reminders sent)."""
    mailed = len(mail.outbox)
    with CaptureQueriesContext(connection) as queries:
        token, ids = reminders_claim_due(now=now, limit=1000)
        outcome = reminders_send_batch(ids=ids, claim_token=token)
    return len(queries) - (len(mail.outbox) - mailed), outcome[Status.SENT]


def test_batch_queries_do_not_grow_with_the_batch(cast, sms_log):
    planned_visits(cast, 1)
    small = queries_to_claim_and_send(NOON)
    planned_visits(cast, 3)
    large = queries_to_claim_and_send(NOON)
    assert (small[1], large[1]) == (7, 21)
    assert small[0] == large[0]  # SMS and in-app messages: the same queries for 7 or 21
    assert len(sms_lines(sms_log)) == 8


def test_batch_queries_do_not_grow_when_every_answer_differs(cast, settings, sms_log, gateway):
    """An HTTP gateway answers each SMS with its own message id: still one UPDATE records
    the batch, whatever its size (not one per distinct outcome)."""
    settings.SMS_BACKEND = "http"
    settings.SMS_HTTP_URL = f"http://127.0.0.1:{gateway.server_address[1]}/sms"
    planned_visits(cast, 1)
    small = queries_to_claim_and_send(NOON)
    planned_visits(cast, 3)
    large = queries_to_claim_and_send(NOON)
    assert (small[1], large[1]) == (7, 21)
    assert small[0] == large[0]
    sms = Reminder.objects.filter(channel="sms")
    assert set(sms.values_list("status", flat=True)) == {Status.SENT}
    assert len(set(sms.values_list("response", flat=True))) == len(gateway.received) == 8


def queries_of_a_sender() -> tuple[list[str], int]:
    """(the statements of a sender's claim and batch that read or write reminders, apart
    from the one delivery note per e-mail; reminders it handled)."""
    with CaptureQueriesContext(connection) as queries:
        handled = reminders_module.reminders_send_due(batch_size=1000, deadline=math.inf)
    statements = [query["sql"] for query in queries.captured_queries]
    reminders = [
        sql
        for sql in statements
        if '"services_reminder"' in sql
        and not sql.startswith('UPDATE "services_reminder" SET "sent_at"')
    ]
    return [sql.split(" ", 1)[0] for sql in reminders], handled


def test_sender_reads_its_batch_in_the_claim_however_large(cast, sms_log):
    """A sender's claim hands back its batch (no query loads it after), and the statements
    that claim, read and record a batch are the same for 7 reminders or 21."""
    planned_visits(cast, 1)
    small = queries_of_a_sender()
    planned_visits(cast, 3)
    large = queries_of_a_sender()
    assert (small[1], large[1]) == (7, 21)
    # One claim per condition (taken over, due), each returning its rows; one outcome UPDATE.
    assert small[0] == large[0] == ["WITH", "WITH", "UPDATE"]
    assert set(Reminder.objects.values_list("status", flat=True)) == {Status.SENT}
    assert len(sms_lines(sms_log)) == 8 and len(mail.outbox) == 4


def test_claimed_rows_read_what_the_senders_query_reads(cast):
    # The claim's SELECT is the senders' (reminders_outgoing) compiled over the claimed rows;
    # keys and tokens come as text.
    planned_visits(cast, 2)
    token, claimed = reminders_module._reminders_claim(now=NOON, limit=100)
    loaded = reminders_outgoing(Reminder.objects.filter(claim_token=token))

    def as_text(row: Outgoing) -> Outgoing:
        key, claim = str(row.idempotency_key), str(row.claim_token)
        return dataclasses.replace(row, idempotency_key=key, claim_token=claim)

    assert len(claimed) == 14 and {row.claim_token for row in claimed} == {token}
    assert [as_text(row) for row in claimed] == [as_text(row) for row in loaded]


def test_outgoing_rows_read_each_field_from_its_column():
    # Rows are built positionally from the query's columns: same names, same order.
    assert list(OUTGOING_COLUMNS) == [field.name for field in dataclasses.fields(Outgoing)]


def recorded_senders(monkeypatch) -> Counter:
    started: Counter = Counter()
    start = tasks_reminders._sender_start

    def record(channel, *, lead=False):
        started[channel] += 1
        start(channel, lead=lead)

    monkeypatch.setattr(tasks_reminders, "_sender_start", record)
    return started


def test_dispatch_sends_batch_after_batch_and_starts_more_senders(
    cast, settings, sms_log, monkeypatch
):
    settings.REMINDER_BATCH_SIZE, settings.REMINDER_SENDERS = 2, 3
    started = recorded_senders(monkeypatch)
    planned_visits(cast, 2)  # 14 due: 8 in-app, 4 SMS, 2 e-mails
    task_dispatch_due_reminders.delay()
    assert set(Reminder.objects.values_list("status", flat=True)) == {Status.SENT}
    assert len(sms_lines(sms_log)) == 4
    assert len(mail.outbox) == 2
    # One sender per external channel, and two more of each channel after a full batch.
    assert started == {"in_app": 2, "sms": 3, "email": 3}


def test_dispatch_of_a_small_batch_starts_no_other_sender(cast, settings, sms_log, monkeypatch):
    started = recorded_senders(monkeypatch)
    planned_visits(cast, 1)
    assert task_dispatch_due_reminders.delay().get() == 4
    assert started == {"sms": 1, "email": 1}
    assert set(Reminder.objects.values_list("status", flat=True)) == {Status.SENT}


def test_sender_stops_between_batches_once_its_time_is_up(cast, settings, sms_log):
    planned_visits(cast, 1)
    handled = reminders_module.reminders_send_due(batch_size=2, deadline=0.0)
    assert handled == 2  # one batch, then the deadline (long past) stops it
    assert Reminder.objects.filter(status=Status.SENT).count() == 2
    assert Reminder.objects.filter(status=Status.PENDING).count() == 5


def test_senders_share_a_backlog_without_sending_twice(cast, settings, sms_log):
    settings.REMINDER_BATCH_SIZE, settings.REMINDER_SENDERS = 3, 2
    planned_visits(cast, 3)  # 21 due; eager: the second sender runs inside the first
    task_dispatch_due_reminders.delay()
    keys = [line.split("\t")[1] for line in sms_lines(sms_log)]
    assert len(keys) == len(set(keys)) == 6
    assert Reminder.objects.filter(status=Status.SENT).count() == 21
    assert Reminder.objects.filter(attempts=1).count() == 21


def test_claim_taken_over_during_the_send_is_not_overwritten(cast, settings, sms_log, monkeypatch):
    settings.REMINDER_CLAIM_TIMEOUT_SECONDS = 300
    planned_visits(cast, 1)
    token, ids = reminders_claim_due(now=NOON, limit=100)
    taken: list = []
    send_many = reminders_module.sms_send_many

    def slow_send_many(**kwargs):
        answers = send_many(**kwargs)
        # Six minutes after the sender's renewal (it renews before its first send).
        taken.append(reminders_claim_due(now=later(0.1), limit=100))
        return answers

    monkeypatch.setattr(reminders_module, "sms_send_many", slow_send_many)
    reminders_send_batch(ids=ids, claim_token=token)
    new_token, new_ids = taken[0]
    assert set(new_ids) == set(ids)
    assert set(Reminder.objects.values_list("status", "claim_token")) == {
        (Status.SENDING, uuid.UUID(new_token))
    }
    monkeypatch.setattr(reminders_module, "sms_send_many", send_many)
    assert reminders_send_batch(ids=new_ids, claim_token=new_token) == {Status.SENT: 7}
    sms = Reminder.objects.filter(channel="sms")
    assert set(sms.values_list("response", flat=True)) == {ALREADY_DELIVERED}
    assert len(sms_lines(sms_log)) == 2
    assert Notification.objects.count() == 4


def test_file_gateway_sends_many_in_order_and_sees_other_writers(tmp_path):
    path = tmp_path / "sms.log"
    FileSmsGateway(path=path).send(phone="13900001111", text="一", idempotency_key="k1")
    with path.open("a", encoding="utf-8") as other_process:
        other_process.write("2026-11-27T14:00:00+08:00\tk2\t13900002222\t二\n")
    answers = FileSmsGateway(path=path).send_many(
        [
            SmsMessage("13900001111", "一", "k1"),
            SmsMessage("13900002222", "二", "k2"),
            SmsMessage("13900003333", "三", "k3"),
            SmsMessage("13900003333", "三", "k3"),
        ]
    )
    assert answers == [ALREADY_DELIVERED, ALREADY_DELIVERED, "delivered", ALREADY_DELIVERED]
    assert [line.split("\t")[1] for line in sms_lines(path)] == ["k1", "k2", "k3"]


def test_notifications_in_bulk_once_per_key(cast):
    Notification.objects.create(user=cast.member, title="旧", body="旧", dedupe_key="reminder:a")
    answers = notifications_create_many(
        notifications=[
            Notification(user=cast.member, title="提醒", body="甲", dedupe_key="reminder:a"),
            Notification(user=cast.member, title="提醒", body="乙", dedupe_key="reminder:b"),
        ]
    )
    assert answers == [ALREADY_DELIVERED, "delivered"]
    assert sorted(Notification.objects.values_list("dedupe_key", "body")) == [
        ("reminder:a", "旧"),
        ("reminder:b", "乙"),
    ]
