"""Celery tasks for exports: thin, by id, enqueued after commit (sanlian/exports.py)."""

from celery import shared_task
from django.utils import timezone

from sanlian.exports import export_build, exports_expire
from sanlian.models import ExportJob


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
