"""Celery tasks of reporting: exports built by id after commit, statistics kept warm.

Task names keep their `sanlian.` prefix: they are what beat rows and queued messages
carry, and the tasks lived in the plumbing package before reporting existed.
"""

from celery import shared_task
from django.utils import timezone

from reporting.exports import export_build, exports_expire
from reporting.models import ExportJob
from reporting.stats import stats_warm
from sanlian.job_queue import job_claim, jobs_requeue_stale


@shared_task(name="sanlian.build_export")
def task_build_export(*, job_id: int) -> str:
    if not job_claim(ExportJob, job_id=job_id):
        return "skipped"  # gone, finished, or already taken by another delivery
    export_build(job=ExportJob.objects.select_related("owner").get(pk=job_id))
    return "built"


@shared_task(name="sanlian.requeue_stale_exports")
def task_requeue_stale_exports() -> int:
    return jobs_requeue_stale(model=ExportJob, task=task_build_export, now=timezone.now())


@shared_task(name="sanlian.exports_expire")
def task_exports_expire() -> int:
    return exports_expire(now=timezone.now())


@shared_task(name="sanlian.warm_stats")
def task_warm_stats() -> list[str]:
    return stats_warm()
