"""Celery tasks of the organizations app: thin adapters over domain functions."""

from celery import shared_task

from organizations.emails import (
    organization_send_review_email,
    registration_username_taken_notify,
)
from organizations.models import Organization


@shared_task(name="organizations.send_review_email")
def task_send_review_email(*, organization_id: int, kind: str) -> None:
    organization = Organization.objects.get(pk=organization_id)
    organization_send_review_email(organization=organization, kind=kind)


@shared_task(name="organizations.send_username_taken_email")
def task_send_username_taken_email(*, email: str, username: str, language: str = "zh-hans") -> None:
    # `language` defaults for tasks queued before it was passed.
    registration_username_taken_notify(email=email, username=username, language=language)
