"""Thin Celery tasks of social work; the weekly schedule lives in sanlian/celery.py."""

import datetime

from celery import shared_task
from django.utils import timezone

from casework.domain import callbacks_sample_week
from casework.reminders import casework_reminders_send


@shared_task(name="casework.sample_callbacks")
def task_sample_callbacks() -> int:
    """Sample last week's completed visits (Monday to Sunday) for quality callbacks."""
    today = timezone.localdate()
    last_monday = today - datetime.timedelta(days=today.weekday() + 7)
    return callbacks_sample_week(week_start=last_monday)


@shared_task(name="casework.send_reminders")
def task_send_reminders() -> int:
    """Reminders of case reviews and reassessments falling due; each is sent once."""
    return casework_reminders_send(today=timezone.localdate())
