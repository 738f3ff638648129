"""Background jobs reach a worker even when the broker was away as they were started.

A job's row is written in the request's transaction and sent to the broker after the
commit. When that send fails (Redis away) the page still answers, the row stays
"queued", and a beat sweep sends queued jobs again once JOB_REQUEUE_AFTER_SECONDS have
passed. A task claims its job queued → running with one conditional UPDATE, so a job
sent twice (slow queue, then the sweep) still runs once.
"""

import datetime
import logging

from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

SWEEP_BATCH = 100


def job_enqueue(task, *, job_id: int) -> bool:
    """Send the job to the broker; False (logged, not raised) when the broker is away."""
    try:
        task.delay(job_id=job_id)
    except Exception as error:  # kombu's OperationalError, a refused or timed-out socket
        logger.warning("job %s not sent to the broker, the sweep will resend it: %s", job_id, error)
        return False
    return True


def job_enqueue_after_commit(task, *, job_id: int) -> None:
    transaction.on_commit(lambda: job_enqueue(task, job_id=job_id))


def notice_send_after_commit(task, **kwargs) -> None:
    """Send a notice task (an e-mail) after the commit; with the broker away the request
    still answers and the notice is logged as not sent. Unlike a job it has no row for
    the sweep to resend: the decision it tells of is on the page either way."""

    def send():
        try:
            task.delay(**kwargs)
        except Exception as error:  # kombu's OperationalError, a refused or timed-out socket
            logger.warning("notice %s not sent, the broker is away: %s", task.name, error)

    transaction.on_commit(send)


def job_claim(model, *, job_id: int) -> bool:
    """queued → running, once: False when another delivery of the job got there first."""
    queued, running = model.Status.QUEUED, model.Status.RUNNING
    return model.objects.filter(pk=job_id, status=queued).update(status=running) == 1


def jobs_requeue_stale(*, model, task, now: datetime.datetime) -> int:
    """Send again the jobs left queued too long; returns how many reached the broker."""
    stale = now - datetime.timedelta(seconds=settings.JOB_REQUEUE_AFTER_SECONDS)
    queued = model.objects.filter(status=model.Status.QUEUED, created_at__lt=stale)
    ids = list(queued.order_by("created_at").values_list("pk", flat=True)[:SWEEP_BATCH])
    return sum(job_enqueue(task, job_id=job_id) for job_id in ids)
