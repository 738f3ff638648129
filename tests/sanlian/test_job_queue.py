"""A job started while the broker is away answers, stays queued, and runs once it is back."""

import datetime

import pytest
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from reporting.models import ExportJob
from reporting.tasks import task_build_export
from sanlian.job_queue import jobs_requeue_stale
from services.matching.models import MatchingJob
from services.matching.tasks import task_requeue_stale_matching, task_run_matching
from services.offerings.models import week_start_of

NEXT_WEEK = week_start_of(timezone.localdate()) + datetime.timedelta(days=7)


@pytest.fixture
def broker_away(monkeypatch):
    def refuse(**_kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(task_run_matching, "delay", refuse)
    monkeypatch.setattr(task_build_export, "delay", refuse)
    return monkeypatch


def start_matching(client, cast):
    client.force_login(cast.street_staff)
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(
            reverse("matching:run"),
            {"scope": f"street:{cast.east_street.pk}", "week_start": NEXT_WEEK.isoformat()},
        )


def test_matching_started_while_the_broker_is_away_runs_when_it_is_back(client, cast, broker_away):
    response = start_matching(client, cast)
    job = MatchingJob.objects.get()
    assert response.status_code == 302 and job.status == MatchingJob.Status.QUEUED
    assert jobs_requeue_stale(model=MatchingJob, task=task_run_matching, now=timezone.now()) == 0
    broker_away.undo()  # the broker is back
    later = timezone.now() + datetime.timedelta(minutes=2)
    assert jobs_requeue_stale(model=MatchingJob, task=task_run_matching, now=later) == 1
    job.refresh_from_db()
    assert job.status == MatchingJob.Status.DONE and job.run_id is not None
    assert task_requeue_stale_matching.delay().get() == 0  # nothing left queued


def test_a_job_sent_twice_runs_once(client, cast, broker_away):
    start_matching(client, cast)
    job = MatchingJob.objects.get()
    broker_away.undo()
    assert task_run_matching.delay(job_id=job.pk).get() == "done"
    assert task_run_matching.delay(job_id=job.pk).get() == "skipped"
    running = MatchingJob.objects.create(owner=cast.street_staff, week_start=NEXT_WEEK,
                                         street=cast.east_street, status="running")  # fmt: skip
    assert task_run_matching.delay(job_id=running.pk).get() == "skipped"


def test_export_started_while_the_broker_is_away_is_built_later(
    client, cast, settings, tmp_path, broker_away
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(cast.civil)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            reverse("exports:index"),
            {"file_format": "xlsx", "kind": "organizations"},
        )
    job = ExportJob.objects.get()
    assert response.status_code == 302 and job.status == ExportJob.Status.QUEUED
    broker_away.undo()
    later = timezone.now() + datetime.timedelta(minutes=2)
    assert jobs_requeue_stale(model=ExportJob, task=task_build_export, now=later) == 1
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE
