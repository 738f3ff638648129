"""Celery tasks of reminders and escalations: thin adapters over their domain modules."""

import time

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from services.notifications import reminders
from services.notifications.escalations import escalations_raise

# A sender claims and sends batch after batch for at most this long, then stops between
# batches: well inside beat's 60 s period, so each tick starts a fresh set of senders
# instead of piling more onto ones still running, and a long task never blocks the
# worker's other queues for minutes.
SENDER_SECONDS = 50


@shared_task(name="services.dispatch_due_reminders")
def task_dispatch_due_reminders(*, plan: bool = True) -> int:
    """Plan missing reminders, then send what is due, with more senders for a backlog.

    This task is itself the first sender; when its first batch comes back full, it
    starts REMINDER_SENDERS - 1 more (one per worker process is the useful most), which
    claim disjoint batches until nothing is due. Returns how many it claimed itself.
    """
    if plan:
        reminders.reminders_plan_missing(now=timezone.now())
    return reminders.reminders_send_due(
        batch_size=settings.REMINDER_BATCH_SIZE,
        deadline=time.monotonic() + SENDER_SECONDS,
        on_backlog=_senders_start,
    )


def _senders_start() -> None:
    for _sender in range(settings.REMINDER_SENDERS - 1):
        task_send_due_reminders.delay()


@shared_task(name="services.send_due_reminders")
def task_send_due_reminders() -> int:
    return reminders.reminders_send_due(
        batch_size=settings.REMINDER_BATCH_SIZE, deadline=time.monotonic() + SENDER_SECONDS
    )


@shared_task(name="services.raise_escalations")
def task_raise_escalations() -> int:
    return escalations_raise(now=timezone.now())
