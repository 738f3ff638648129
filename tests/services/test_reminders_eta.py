"""Reminders enqueued for their due time (ETA), with beat's sweep as the safety net.

The broker is captured, not run eagerly: each test delivers the captured ETA tasks itself
at the time they name, so it can move the visit, run the sweep or race the two in between.
"""

import datetime
import logging
import socket
import threading
from types import SimpleNamespace

import pytest
from django.db import connection, connections

from sanlian.roles import Role
from services.care.domain.visits import visit_cancel, visit_reschedule, visit_schedule
from services.models import Reminder
from services.notifications import tasks
from services.notifications.channels import FileSmsGateway
from services.notifications.reminders import reminders_send_due, reminders_send_listed
from tests import factories as f
from tests.services._reminders_support import celery_broker_at, sms_lines, sms_log
from tests.services.test_reminders_visit_hooks import monday

__all__ = ["sms_log"]

Status = Reminder.Status
HOUR = datetime.timedelta(hours=1)
SECOND = datetime.timedelta(seconds=1)


@pytest.fixture
def broker(monkeypatch):
    """The ETA tasks sent to the broker, in order; `deliver` runs one at its ETA."""
    sent: list[SimpleNamespace] = []

    def apply_async(*, kwargs, eta, queue=None):
        sent.append(SimpleNamespace(kwargs=kwargs, eta=eta, queue=queue))

    monkeypatch.setattr(tasks.task_send_reminders, "apply_async", apply_async)

    def deliver(message, clock) -> int:
        clock.freeze(message.eta)
        return tasks.task_send_reminders(**message.kwargs)

    return SimpleNamespace(sent=sent, deliver=deliver)


def enqueued(broker) -> dict[int, datetime.datetime]:
    return {pk: message.eta for message in broker.sent for pk in message.kwargs["ids"]}


def schedule(cast, *, start: datetime.datetime):
    """A visit scheduled through the domain, as the scheduling page does."""
    offering = f.OfferingFactory(organization=cast.organization, communities=[cast.community])
    f.OfferingWindowFactory(offering=offering, weekday=start.weekday())
    request = f.ServiceRequestFactory(
        resident=cast.resident, service_type=offering.service_type, status="matched"
    )
    match = f.MatchFactory(request=request, offering=offering, status="accepted")
    worker = f.SocialWorkerFactory(
        user=f.UserFactory(role=Role.SOCIAL_WORKER, email="sw@example.org"),
        organization=cast.organization,
    )
    cast.family.phone = "13800001111"
    cast.family.save()
    return visit_schedule(
        match=match, scheduled_start=start, actor=cast.member, social_worker=worker
    )


def hour_before(visit) -> list[Reminder]:
    return list(Reminder.objects.filter(visit=visit, offset_minutes=60).order_by("pk"))


def test_scheduling_enqueues_reminders_for_their_due_time_and_they_go_out_then(
    cast, sms_log, settings, clock, broker, django_capture_on_commit_callbacks
):
    settings.REMINDER_EMAIL_QUEUE = "email"
    start = monday(datetime.time(10, 0), weeks_ahead=1)
    clock.freeze(start - HOUR - datetime.timedelta(seconds=40))
    with django_capture_on_commit_callbacks(execute=True):
        visit = schedule(cast, start=start)
    due = start - HOUR
    soon = hour_before(visit)
    # The resident's SMS, grandma and daughter in-app, the daughter's SMS, the worker twice.
    assert len(soon) == 6
    assert enqueued(broker) == {reminder.pk: due for reminder in soon}
    queues = {m.queue for m in broker.sent for pk in m.kwargs["ids"] if pk in {soon[-1].pk}}
    assert queues == {"email"}  # the worker's e-mail, on the e-mail senders' queue
    assert {m.queue for m in broker.sent} == {"email", None}
    # The day-before reminders were already past: the dispatch after the commit sent those.
    sms_before = len(sms_lines(sms_log))
    assert sms_before == 2
    assert sum(broker.deliver(message, clock) for message in broker.sent) == 6
    assert {r.status for r in hour_before(visit)} == {Status.SENT}
    assert {r.sent_at for r in hour_before(visit)} == {due}
    assert len(sms_lines(sms_log)) == sms_before + 2


def test_stale_eta_after_a_move_sends_nothing_and_the_move_enqueues_anew(
    cast, sms_log, clock, broker, django_capture_on_commit_callbacks
):
    start = monday(datetime.time(10, 0), weeks_ahead=1)
    clock.freeze(start - HOUR - datetime.timedelta(seconds=40))
    with django_capture_on_commit_callbacks(execute=True):
        visit = schedule(cast, start=start)
    stale = list(broker.sent)
    assert stale
    broker.sent.clear()
    # Moved half an hour later, 20 s before the old reminder was due.
    clock.freeze(start - HOUR - datetime.timedelta(seconds=20))
    later_start = start + datetime.timedelta(minutes=30)
    with django_capture_on_commit_callbacks(execute=True):
        visit_reschedule(visit=visit, scheduled_start=later_start, actor=cast.member)
    assert broker.sent == []  # now due in 30 min: the sweeps enqueue it nearer the time
    sms_before = len(sms_lines(sms_log))
    assert sum(broker.deliver(message, clock) for message in stale) == 0
    assert {(r.status, r.attempts) for r in hour_before(visit)} == {(Status.PENDING, 0)}
    assert {r.due_at for r in hour_before(visit)} == {later_start - HOUR}
    assert len(sms_lines(sms_log)) == sms_before
    # Moved back to within the window: enqueued again for the new due time.
    clock.freeze(start - HOUR)
    with django_capture_on_commit_callbacks(execute=True):
        visit_reschedule(
            visit=visit, scheduled_start=start + datetime.timedelta(minutes=1), actor=cast.member
        )
    new_due = start - HOUR + datetime.timedelta(minutes=1)
    assert enqueued(broker) == {r.pk: new_due for r in hour_before(visit)}


def test_stale_eta_after_a_cancel_sends_nothing(
    cast, sms_log, clock, broker, django_capture_on_commit_callbacks
):
    start = monday(datetime.time(10, 0), weeks_ahead=1)
    clock.freeze(start - HOUR - datetime.timedelta(seconds=40))
    with django_capture_on_commit_callbacks(execute=True):
        visit = schedule(cast, start=start)
    sms_before = len(sms_lines(sms_log))
    visit_cancel(visit=visit, actor=cast.member, reason="家属取消")
    assert sum(broker.deliver(message, clock) for message in broker.sent) == 0
    assert {r.status for r in hour_before(visit)} == {Status.CANCELLED}
    assert len(sms_lines(sms_log)) == sms_before


def test_eta_task_run_long_before_its_time_sends_nothing(cast, sms_log, clock):
    visit = f.VisitFactory(scheduled_start=clock.now + 2 * HOUR)
    reminder = f.ReminderFactory(visit=visit)
    clock.freeze(reminder.due_at - datetime.timedelta(minutes=5))
    assert reminders_send_listed(ids=[reminder.pk], due=reminder.due_at) == 0
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == (Status.PENDING, 0)


def test_sweep_enqueues_what_falls_due_before_the_next_sweeps_once(
    cast, sms_log, settings, clock, broker
):
    settings.REMINDER_ETA_AHEAD_SECONDS = 120
    now = clock.freeze(clock.at(clock.today, datetime.time(14)) + 2 * HOUR)
    visit = f.VisitFactory(scheduled_start=now + 3 * HOUR)
    at = {
        s: f.ReminderFactory(visit=visit, offset_minutes=s, due_at=now + s * SECOND)
        for s in (30, 100, 150, 400)
    }
    tasks.task_dispatch_due_reminders()
    assert enqueued(broker) == {at[30].pk: at[30].due_at, at[100].pk: at[100].due_at}
    assert broker.deliver(broker.sent[0], clock) == 1  # at its due time, 30 s before the tick
    assert Reminder.objects.get(pk=at[30].pk).sent_at == at[30].due_at
    clock.freeze(now + datetime.timedelta(seconds=60))
    tasks.task_dispatch_due_reminders()  # the next tick: only what it newly reaches
    assert len(broker.sent) == 3
    assert broker.sent[-1].kwargs["ids"] == [at[150].pk]
    assert Reminder.objects.get(pk=at[400].pk).status == Status.PENDING


@pytest.mark.django_db(transaction=True)
def test_eta_tasks_and_sweep_racing_send_each_reminder_once(sms_log, clock, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED claims need PostgreSQL; SQLite serialises writers")
    # Every message handed to the gateway, before its own de-duplication by key.
    attempts: list[str] = []
    send_many = FileSmsGateway.send_many

    def counted(gateway, messages, keep_going=None):
        attempts.extend(message.idempotency_key for message in messages)
        return send_many(gateway, messages, keep_going=keep_going)

    monkeypatch.setattr(FileSmsGateway, "send_many", counted)
    now = clock.freeze(clock.at(clock.today, datetime.time(14)))
    visits = f.VisitFactory.create_batch(3, scheduled_start=now + HOUR)
    Reminder.objects.bulk_create(
        f.ReminderFactory.build(visit=visit, offset_minutes=n, due_at=now)
        for visit in visits
        for n in range(1, 101)
    )
    ids = list(Reminder.objects.values_list("pk", flat=True))
    start = threading.Barrier(4)

    def racer(send):
        start.wait()
        try:
            send()
        finally:
            connections.close_all()

    def eta():  # the ETA task, delivered twice (a redelivery), in small batches
        for at in range(0, len(ids), 20):
            reminders_send_listed(ids=ids[at : at + 20], due=now)

    def sweep():  # beat's sender, in batches of 25
        reminders_send_due(batch_size=25, deadline=float("inf"))

    threads = [threading.Thread(target=racer, args=(side,)) for side in (eta, eta, sweep, sweep)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    rows = list(Reminder.objects.values_list("status", "attempts"))
    assert set(rows) == {(Status.SENT, 1)}  # one claim, one send attempt each
    assert len(attempts) == len(set(attempts)) == 300
    assert len(sms_lines(sms_log)) == 300


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again on return: nothing listens there


def test_broker_away_at_scheduling_the_sweep_still_sends(
    cast, sms_log, clock, caplog, django_capture_on_commit_callbacks
):
    start = monday(datetime.time(10, 0), weeks_ahead=1)
    clock.freeze(start - HOUR - datetime.timedelta(seconds=40))
    with (
        celery_broker_at(f"redis://127.0.0.1:{_closed_port()}/0"),
        caplog.at_level(logging.WARNING),
        django_capture_on_commit_callbacks(execute=True),
    ):
        visit = schedule(cast, start=start)  # answers although nothing reached the broker
    assert "the sweep sends them" in caplog.text
    assert "beat will send them" in caplog.text  # the day-before ones, due at once
    assert visit.status == "scheduled"
    assert {r.status for r in Reminder.objects.filter(visit=visit)} == {Status.PENDING}
    # The broker is back; beat's first tick after the due time sends every one, once.
    clock.freeze(start - HOUR + datetime.timedelta(seconds=30))
    tasks.task_dispatch_due_reminders.delay()
    statuses = set(Reminder.objects.filter(visit=visit).values_list("status", "attempts"))
    assert statuses == {(Status.SENT, 1)}
    assert len(sms_lines(sms_log)) == 4  # resident and daughter, a day before and an hour
