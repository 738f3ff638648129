"""Exports: scope, masking, BOM, XLSX through the worker, progress, owner-only download, audit."""

import csv
import io

import pytest
from django.test import TestCase
from django.urls import reverse
from openpyxl import load_workbook

from reporting import exports
from reporting.models import ExportJob
from sanlian.models import AccessLog, AuditEntry
from tests import factories as f


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _post(client, user, **data):
    client.force_login(user)
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(reverse("exports:index"), {"file_format": "csv", **data})


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")  # Excel needs the BOM to read UTF-8 Chinese
    return list(csv.reader(io.StringIO(body[1:])))


def test_residents_csv_is_scoped_masked_and_audited(client, cast):
    response = _post(client, cast.street_staff, kind="residents", purpose="季度走访名单")
    rows = _csv(response)
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    names = [row[0] for row in rows[1:]]
    assert names == [cast.resident.name]  # the west resident is another street's
    line = ",".join(rows[1])
    assert cast.resident.masked_id_number in line and cast.resident.id_number not in line
    assert cast.resident.masked_phone in line and cast.resident.phone not in line
    job = ExportJob.objects.get()
    assert (job.owner, job.status, job.row_count, job.file_path) == (
        cast.street_staff,
        "done",
        1,
        "",
    )
    entry = AuditEntry.objects.get(action="export")
    assert entry.actor == cast.street_staff and entry.reason == "季度走访名单"
    assert entry.changes["rows"] == [None, 1]
    log = AccessLog.objects.get()
    assert (log.actor, log.resident, log.kind, log.purpose) == (
        cast.street_staff,
        cast.resident,
        "export",
        "季度走访名单",
    )


def test_export_without_personal_data_leaves_no_access_log(client, cast):
    _csv(_post(client, cast.civil, kind="organizations"))
    assert AuditEntry.objects.filter(action="export").count() == 1
    assert not AccessLog.objects.exists()


def test_personal_export_without_purpose_changes_nothing(client, cast):
    response = _post(client, cast.civil, kind="residents", purpose="")
    assert response.status_code == 200
    assert response.context["form"].errors["purpose"]
    assert not ExportJob.objects.exists() and not AuditEntry.objects.exists()
    assert not AccessLog.objects.exists()


def test_organization_may_export_only_its_own_work(client, cast):
    response = _post(client, cast.member, kind="residents", purpose="x")
    assert response.context["form"].errors["kind"]
    assert not ExportJob.objects.exists()
    rows = _csv(_post(client, cast.member, kind="requests", purpose="对账"))
    assert rows[1:] == []  # nothing was matched to the organization yet


@pytest.mark.parametrize("who", ["resident", "family"])
def test_residents_cannot_export(client, cast, who):
    user = cast.resident.user if who == "resident" else cast.family
    client.force_login(user)
    assert client.get(reverse("exports:index")).status_code == 403


def test_xlsx_runs_in_background_then_owner_downloads(client, cast):
    f.OrganizationFactory(name="晋阳助老服务社")
    response = _post(client, cast.civil, kind="organizations", file_format="xlsx")
    job = ExportJob.objects.get()
    assert response.url == reverse("exports:job", args=[job.pk])
    page = client.get(response.url).content.decode()
    assert 'data-testid="export-download"' in page
    assert "hx-trigger" not in page  # finished: the page stops polling
    download = client.get(reverse("exports:download", args=[job.pk]))
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "组织名称"
    assert sorted(row[0] for row in rows[1:]) == sorted(
        [cast.organization.name, cast.other_organization.name, "晋阳助老服务社"]
    )
    assert all("****" in row[5] for row in rows[1:])  # contact phones masked
    job.refresh_from_db()
    assert (job.status, job.progress, job.row_count) == ("done", 100, 3)
    assert job.file_path.startswith(f"exports/{cast.civil.pk}/")


def test_download_and_progress_of_another_users_export_are_not_found(client, cast):
    _post(client, cast.civil, kind="organizations", file_format="xlsx")
    job = ExportJob.objects.get()
    client.force_login(cast.street_staff)
    for name in ("exports:job", "exports:progress", "exports:download"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404


def test_large_csv_goes_to_the_worker(client, cast, monkeypatch):
    monkeypatch.setattr(exports, "SYNC_ROW_LIMIT", 1)
    f.ResidentFactory(community=cast.community)
    response = _post(client, cast.community_staff, kind="residents", purpose="核对")
    job = ExportJob.objects.get()
    assert response.url == reverse("exports:job", args=[job.pk])
    body = client.get(reverse("exports:download", args=[job.pk]))
    text = b"".join(body.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff") and len(text.strip().splitlines()) == 3


def test_progress_fragment_polls_while_queued(client, cast):
    job = ExportJob.objects.create(owner=cast.civil, kind="organizations", file_format="xlsx")
    client.force_login(cast.civil)
    page = client.get(reverse("exports:progress", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in page and 'aria-valuenow="0"' in page
    assert client.get(reverse("exports:download", args=[job.pk])).status_code == 404


def test_indicator_export_has_the_api_figures(client, cast):
    rows = _csv(_post(client, cast.street_staff, kind="indicators"))
    assert [row[1] for row in rows[1:]] == [cast.community.name]
    assert rows[0][7] == "每百户设施面积（㎡）"


def test_failed_build_is_recorded_and_leaves_no_file(cast, tmp_path, monkeypatch):
    job = exports.export_start(user=cast.civil, kind="organizations", file_format="xlsx")

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(exports, "export_table", broken)
    exports.export_build(job=job)
    job.refresh_from_db()
    assert job.status == "failed" and "disk full" in job.error
    assert not list(tmp_path.rglob("*.xlsx"))
