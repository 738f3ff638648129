"""Export files are removed EXPORT_RETENTION_HOURS after their build; the job stays, expired."""

import datetime
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone

from reporting import exports
from reporting.models import ExportJob
from reporting.tasks import task_exports_expire
from sanlian.celery import app
from tests import factories as f


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.EXPORT_RETENTION_HOURS = 72


def _built(user, *, hours_ago: float) -> ExportJob:
    """An XLSX export built by the worker, finished `hours_ago`."""
    job = exports.export_start(user=user, kind="organizations", file_format="xlsx")
    exports.export_build(job=job)
    finished = timezone.now() - datetime.timedelta(hours=hours_ago)
    ExportJob.objects.filter(pk=job.pk).update(finished_at=finished)
    job.refresh_from_db()
    assert job.status == "done" and _file(job).is_file()
    return job


def _file(job: ExportJob) -> Path:
    return Path(django_settings.MEDIA_ROOT) / job.file_path


def test_expiry_removes_old_files_and_keeps_younger_ones(cast):
    old = _built(cast.civil, hours_ago=73)
    young = _built(cast.civil, hours_ago=71)
    assert exports.exports_expire(now=timezone.now()) == 1
    old.refresh_from_db()
    young.refresh_from_db()
    assert not _file(old).exists() and old.expired_at is not None
    assert old.status == "done"  # it did finish; only its file is gone
    assert _file(young).is_file() and young.expired_at is None


def test_expiry_twice_changes_nothing_the_second_time(cast):
    job = _built(cast.civil, hours_ago=100)
    first = timezone.now()
    assert exports.exports_expire(now=first) == 1
    assert exports.exports_expire(now=first + datetime.timedelta(hours=1)) == 0
    job.refresh_from_db()
    assert job.expired_at == first


def test_expiry_tolerates_a_file_already_missing(cast):
    job = _built(cast.civil, hours_ago=80)
    _file(job).unlink()
    assert exports.exports_expire(now=timezone.now()) == 1
    job.refresh_from_db()
    assert job.expired_at is not None


def test_expiry_keeps_the_row_unmarked_when_the_file_cannot_be_removed(cast, monkeypatch):
    job = _built(cast.civil, hours_ago=80)
    monkeypatch.setattr(exports, "_file_removed", lambda relative: False)
    assert exports.exports_expire(now=timezone.now()) == 0
    job.refresh_from_db()
    assert job.expired_at is None  # the next run tries again


def test_expiry_leaves_exports_answered_at_once_alone(cast):
    job = exports.export_start(user=cast.civil, kind="organizations", file_format="csv")
    ExportJob.objects.filter(pk=job.pk).update(
        finished_at=timezone.now() - datetime.timedelta(days=30)
    )
    assert exports.exports_expire(now=timezone.now()) == 0
    job.refresh_from_db()
    assert (job.status, job.expired_at) == ("done", None)


def test_expiry_removes_the_partial_file_of_a_build_whose_worker_died(cast, tmp_path):
    job = ExportJob.objects.create(
        owner=cast.civil,
        kind="organizations",
        file_format="csv",
        status=ExportJob.Status.RUNNING,
        progress=40,
        file_path="exports/1/partial.csv",
    )
    partial = tmp_path / "exports/1/partial.csv"
    partial.parent.mkdir(parents=True)
    partial.write_text("half")
    ExportJob.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=73)
    )
    assert exports.exports_expire(now=timezone.now()) == 1
    job.refresh_from_db()
    assert not partial.exists()
    assert job.status == "failed" and job.finished_at and job.expired_at


def test_a_running_build_younger_than_the_retention_is_left_alone(cast, tmp_path):
    job = ExportJob.objects.create(
        owner=cast.civil,
        kind="organizations",
        file_format="csv",
        status=ExportJob.Status.RUNNING,
        file_path="exports/1/partial.csv",
    )
    assert exports.exports_expire(now=timezone.now()) == 0
    job.refresh_from_db()
    assert (job.status, job.expired_at) == ("running", None)


def test_a_build_failing_midway_removes_its_partial_file(cast, tmp_path, monkeypatch):
    job = exports.export_start(user=cast.civil, kind="organizations", file_format="xlsx")

    def half_written(target, *args):
        target.write_bytes(b"PK partial")
        raise OSError("disk full")

    monkeypatch.setattr(exports, "_write_xlsx", half_written)
    exports.export_build(job=job)
    job.refresh_from_db()
    assert job.status == "failed" and "disk full" in job.error
    assert job.file_path == ""
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_download_of_an_expired_export_explains_instead_of_failing(client, cast):
    job = _built(cast.civil, hours_ago=80)
    exports.exports_expire(now=timezone.now())
    client.force_login(cast.civil)
    response = client.get(reverse("exports:download", args=[job.pk]))
    assert response.status_code == 410
    page = response.content.decode()
    assert 'data-testid="export-expired"' in page and "已按保留期限" in page
    assert f"?kind={job.kind}" in page  # one click to export again
    progress = client.get(reverse("exports:progress", args=[job.pk])).content.decode()
    assert "export-expired" in progress and "export-download" not in progress


def test_expired_download_message_is_translated(client, cast, settings):
    job = _built(cast.civil, hours_ago=80)
    exports.exports_expire(now=timezone.now())
    client.force_login(cast.civil)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("exports:download", args=[job.pk]))
    assert response.status_code == 410
    page = response.content.decode()
    assert "已按保留期限" not in page and "retention period" in page


def test_another_user_cannot_download_an_export_expired_or_not(client, cast):
    live = _built(cast.civil, hours_ago=1)
    gone = _built(cast.civil, hours_ago=80)
    exports.exports_expire(now=timezone.now())
    client.force_login(cast.street_staff)
    for job in (live, gone):
        assert client.get(reverse("exports:download", args=[job.pk])).status_code == 404
        assert client.get(reverse("exports:job", args=[job.pk])).status_code == 404
    client.force_login(cast.civil)
    download = client.get(reverse("exports:download", args=[live.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content)[:2] == b"PK"


def test_export_list_shows_expired_jobs_and_when_files_go(client, cast):
    live = _built(cast.civil, hours_ago=2)
    gone = _built(cast.civil, hours_ago=80)
    exports.exports_expire(now=timezone.now())
    client.force_login(cast.civil)
    page = client.get(reverse("exports:index")).content.decode()
    kept_until = timezone.localtime(live.finished_at + datetime.timedelta(hours=72))
    assert f"保留至 {kept_until:%Y-%m-%d %H:%M}" in page
    assert reverse("exports:download", args=[live.pk]) in page
    assert "已过期" in page
    assert reverse("exports:download", args=[gone.pk]) not in page


def test_expiry_task_is_on_the_beat_schedule_hourly(cast):
    entry = app.conf.beat_schedule["expire-exports"]
    assert (entry["task"], entry["schedule"]) == ("sanlian.exports_expire", 3600)
    assert entry["task"] in app.tasks and task_exports_expire.name == entry["task"]
    job = _built(cast.civil, hours_ago=80)
    assert task_exports_expire.delay().get() == 1
    job.refresh_from_db()
    assert job.expired_at is not None and not _file(job).exists()


def test_admin_cannot_delete_an_export_and_orphan_its_file(client, cast):
    job = _built(cast.civil, hours_ago=1)
    client.force_login(f.UserFactory(username="root", is_superuser=True, is_staff=True))
    url = reverse("admin:reporting_exportjob_delete", args=[job.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert ExportJob.objects.filter(pk=job.pk).exists() and _file(job).is_file()
