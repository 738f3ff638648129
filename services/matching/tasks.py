"""Celery tasks of the services app: thin adapters over domain functions."""

from celery import shared_task
from django.utils import timezone

from services.matching.domain import match_expire_overdue
from services.matching.jobs import matching_job_execute
from services.matching.models import MatchingJob


@shared_task(name="services.expire_matches")
def task_expire_matches() -> int:
    return match_expire_overdue(now=timezone.now())


# A city-wide run takes about a minute (docs/benchmarks.md); past the soft limit the job is
# recorded as failed (SoftTimeLimitExceeded is an Exception) and its transaction rolls back.
MATCHING_SOFT_TIME_LIMIT = 15 * 60


@shared_task(
    name="services.run_matching",
    soft_time_limit=MATCHING_SOFT_TIME_LIMIT,
    time_limit=MATCHING_SOFT_TIME_LIMIT + 60,
)
def task_run_matching(*, job_id: int) -> str:
    # The job row lives in sanlian: it shares the progress pages with exports.
    job = MatchingJob.objects.select_related("owner", "street", "community").filter(pk=job_id)
    job = job.first()
    if job is None or job.is_finished:
        return "skipped"
    matching_job_execute(job=job)
    return "done"
