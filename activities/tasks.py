"""Celery tasks of activities: thin adapters over activities.domain."""

import datetime

from celery import shared_task
from django.utils import timezone

from activities.domain.activities import activity_reminders_send

# Residents with a place hear about an activity the day before; the dedupe key on each
# notification makes every run after the first a no-op for the same sign-up.
REMIND_AHEAD = datetime.timedelta(hours=24)


@shared_task(name="activities.send_activity_reminders")
def task_send_activity_reminders() -> int:
    return activity_reminders_send(now=timezone.now(), ahead=REMIND_AHEAD)
