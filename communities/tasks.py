"""Scheduled privacy work: anonymising residents whose consent was withdrawn."""

from celery import shared_task
from django.utils import timezone

from communities.privacy import residents_anonymise_due


@shared_task(name="communities.anonymise_withdrawn")
def task_anonymise_withdrawn() -> int:
    return residents_anonymise_due(now=timezone.now())
