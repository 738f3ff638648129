"""Celery tasks of the organizations app: thin adapters over domain functions."""

from celery import shared_task

from organizations.emails import organization_send_review_email
from organizations.models import Organization


@shared_task(name="organizations.send_review_email")
def task_send_review_email(*, organization_id: int, kind: str) -> None:
    organization = Organization.objects.get(pk=organization_id)
    organization_send_review_email(organization=organization, kind=kind)
