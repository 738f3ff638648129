"""Celery tasks of reminders and escalations: thin adapters over services.reminders."""

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from services.escalations import escalations_raise
from services.reminders import reminders_claim_due, reminders_plan_missing, reminders_send_batch

# One run claims about this many reminders, then queues its own continuation behind
# the batches: claims keep pace with sending instead of running minutes ahead of it
# (even through a slow HTTP gateway, a claim older than REMINDER_CLAIM_TIMEOUT_SECONDS
# would be taken over), and a burst is sent at once, not a run's worth per beat minute.
MAX_CLAIMED_PER_RUN = 2000


@shared_task(name="services.dispatch_due_reminders")
def task_dispatch_due_reminders(*, plan: bool = True) -> int:
    """Plan missing reminders, then claim due ones in batches and fan out the sending."""
    if plan:
        reminders_plan_missing(now=timezone.now())
    claimed, size = 0, settings.REMINDER_BATCH_SIZE
    for _batch in range(max(1, MAX_CLAIMED_PER_RUN // size)):
        token, ids = reminders_claim_due(now=timezone.now(), limit=size)
        if ids:
            # The claim has committed: a batch task can never see it unclaimed.
            task_send_reminder_batch.delay(ids=ids, claim_token=token)
        claimed += len(ids)
        if len(ids) < size:
            return claimed
    task_dispatch_due_reminders.delay(plan=False)  # more may be due: carry on right away
    return claimed


@shared_task(name="services.send_reminder_batch")
def task_send_reminder_batch(*, ids: list[int], claim_token: str) -> dict:
    return reminders_send_batch(ids=ids, claim_token=claim_token)


@shared_task(name="services.raise_escalations")
def task_raise_escalations() -> int:
    return escalations_raise(now=timezone.now())
