"""Celery tasks of reporting: exports built by id after commit, statistics kept warm.

Task names keep their `sanlian.` prefix: they are what beat rows and queued messages
carry, and the tasks lived in the plumbing package before reporting existed.
"""

from celery import shared_task
from django.utils import timezone

from reporting.exports import export_build, exports_expire
from reporting.models import ExportJob
from reporting.stats import stats_warm


@shared_task(name="sanlian.build_export")
def task_build_export(*, job_id: int) -> str:
    job = ExportJob.objects.select_related("owner").filter(pk=job_id).first()
    if job is None or job.is_finished:
        return "skipped"
    export_build(job=job)
    return "built"


@shared_task(name="sanlian.exports_expire")
def task_exports_expire() -> int:
    return exports_expire(now=timezone.now())


@shared_task(name="sanlian.warm_stats")
def task_warm_stats() -> list[str]:
    return stats_warm()
