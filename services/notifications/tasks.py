"""Celery tasks of reminders and escalations: thin adapters over their domain modules."""

import datetime
import time

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from services.models import Reminder
from services.notifications import reminders
from services.notifications.desk import desk_calls_open_for_paused
from services.notifications.escalations import escalations_raise

# A sender claims and sends batch after batch for at most this long, then stops between
# batches: well inside beat's 60 s period, so each tick starts a fresh set of senders
# instead of piling more onto ones still running, and a long task never blocks the
# worker's other queues for minutes.
SENDER_SECONDS = 50
# Channels with senders of their own, so one that stalls delays only itself. In-app
# notifications are rows in the database: the dispatcher sends them itself.
OWN_SENDERS = (Reminder.Channel.SMS, Reminder.Channel.EMAIL)


@shared_task(name="services.dispatch_due_reminders")
def task_dispatch_due_reminders(*, plan: bool = True) -> int:
    """Plan missing reminders, start a sender per external channel, send in-app ones itself.

    Each sender starts REMINDER_SENDERS - 1 more of its channel when its first batch
    comes back full (one per worker process is the useful most); they claim disjoint
    batches until nothing is due. Returns how many in-app reminders it claimed itself.
    """
    now = timezone.now()
    if plan:
        reminders.reminders_plan_missing(now=now)
    reminders.reminders_enqueue_ahead(now=now)
    desk_calls_open_for_paused(now=now)
    handled = reminders.reminders_send_due(
        batch_size=settings.REMINDER_BATCH_SIZE,
        deadline=time.monotonic() + SENDER_SECONDS,
        on_backlog=lambda: _senders_start(Reminder.Channel.IN_APP),
        channel=Reminder.Channel.IN_APP,
    )
    for channel in OWN_SENDERS:
        _sender_start(channel, lead=True)
    return handled


def _sender_start(channel: str, *, lead: bool = False) -> None:
    queue = settings.REMINDER_EMAIL_QUEUE if channel == Reminder.Channel.EMAIL else ""
    task_send_due_reminders.apply_async(
        kwargs={"channel": channel, "lead": lead}, queue=queue or None
    )


def _senders_start(channel: str) -> None:
    for _sender in range(settings.REMINDER_SENDERS - 1):
        _sender_start(channel)


@shared_task(name="services.send_due_reminders")
def task_send_due_reminders(*, channel: str | None = None, lead: bool = False) -> int:
    """Send the due reminders of one channel (of every channel not paused without one).

    The lead sender of a channel starts its helpers after a full first batch; helpers don't.
    """
    return reminders.reminders_send_due(
        batch_size=settings.REMINDER_BATCH_SIZE,
        deadline=time.monotonic() + SENDER_SECONDS,
        on_backlog=(lambda: _senders_start(channel)) if channel and lead else None,
        channel=channel,
    )


@shared_task(name="services.send_reminders")
def task_send_reminders(*, ids: list[int], due: str) -> int:
    """Send the listed reminders at their due time (enqueued with it as ETA), if still due."""
    return reminders.reminders_send_listed(ids=ids, due=datetime.datetime.fromisoformat(due))


@shared_task(name="services.raise_escalations")
def task_raise_escalations() -> int:
    return escalations_raise(now=timezone.now())
