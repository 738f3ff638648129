"""Celery tasks of activities: thin adapters over activities.domain."""

import datetime

from celery import shared_task
from django.utils import timezone

from activities.domain.reminders import activity_reminders_send

# Residents with a place (and their family) hear about an activity the day before, by SMS
# and in-app; one ActivityReminder row per recipient and channel makes it go out once.
REMIND_AHEAD = datetime.timedelta(hours=24)


@shared_task(name="activities.send_activity_reminders")
def task_send_activity_reminders() -> int:
    return activity_reminders_send(now=timezone.now(), ahead=REMIND_AHEAD)
