"""Celery tasks of monetary elderly care: beat credits the month's allowances."""

from celery import shared_task
from django.utils import timezone

from services.allowances.domain import allowances_credit_month


@shared_task(name="services.credit_monthly_allowances")
def task_credit_monthly_allowances() -> int:
    """Credit the current month; safe to run daily and twice (one credit per rule and month)."""
    return allowances_credit_month(month=timezone.localdate().replace(day=1))
