"""Celery tasks of the services app: thin adapters over domain functions."""

from celery import shared_task
from django.utils import timezone

from sanlian.job_queue import job_claim, jobs_requeue_stale
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
    if not job_claim(MatchingJob, job_id=job_id):
        return "skipped"  # gone, finished, or already taken by another delivery
    jobs = MatchingJob.objects.select_related("owner", "street", "community")
    matching_job_execute(job=jobs.get(pk=job_id))
    return "done"


@shared_task(name="services.requeue_stale_matching")
def task_requeue_stale_matching() -> int:
    return jobs_requeue_stale(model=MatchingJob, task=task_run_matching, now=timezone.now())
