"""Celery tasks of the services app: thin adapters over domain functions."""

from celery import shared_task
from django.utils import timezone

from services.domain.matches import match_expire_overdue


@shared_task(name="services.expire_matches")
def task_expire_matches() -> int:
    return match_expire_overdue(now=timezone.now())
