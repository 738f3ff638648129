"""Celery task keeping the city-wide statistics warm: a thin adapter over sanlian.stats."""

from celery import shared_task

from sanlian.stats import stats_warm


@shared_task(name="sanlian.warm_stats")
def task_warm_stats() -> list[str]:
    return stats_warm()
