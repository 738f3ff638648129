"""Resident rosters from Excel: dry run with reasons, all-or-nothing import, no duplicates."""

import datetime
import io
import time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from activities import rosters
from activities.rosters import COLUMNS, roster_check, roster_import, roster_read, roster_template
from communities.models import Resident
from sanlian.models import AuditEntry
from tests import factories as f

BIRTH = datetime.date(1945, 5, 1)


def _row(n, community, **change):
    row = {
        "姓名": f"名册居民{n}",
        "性别": "女",
        "身份证号码": f.resident_id("140105", BIRTH, 500 + n),
        "联系电话": f"137{n:08d}",
        "住址": f"桃园南路{n}号",
        "社区代码": community.code,
        "居住状况": "独居",
        "照护等级": "自理",
    }
    row.update(change)
    return row


def _xlsx(rows) -> bytes:
    book = Workbook()
    book.active.append(COLUMNS)
    for row in rows:
        book.active.append([row[column] for column in COLUMNS])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet(cast, n=400):
    """n rows with exactly one of each kind of bad row among the last six."""
    rows = [_row(i, cast.community) for i in range(n - 6)]
    bad_checksum = _row(n - 6, cast.community)
    bad_checksum["身份证号码"] = bad_checksum["身份证号码"][:17] + (
        "0" if bad_checksum["身份证号码"][17] != "0" else "1"
    )
    rows += [
        bad_checksum,
        _row(n - 5, cast.community, 联系电话="12345"),
        _row(n - 4, cast.community, 身份证号码=rows[0]["身份证号码"]),  # duplicate in the file
        _row(n - 3, cast.community, 社区代码="999999999"),
        _row(n - 2, cast.other_community),  # outside community staff's scope
        _row(n - 1, cast.community, 身份证号码=cast.resident.id_number),  # in the portal already
    ]
    return rows


def test_dry_run_reports_every_bad_row_with_its_reason_and_writes_nothing(cast):
    rows = roster_read(name="名册.xlsx", content=_xlsx(_sheet(cast)))
    before = Resident.objects.count()
    report = roster_check(actor=cast.community_staff, rows=rows)
    reasons = {row: reason for row, _masked, reason in report.errors}
    assert sorted(reasons) == [396, 397, 398, 399, 400, 401]
    assert "校验" in reasons[396] or "身份证" in reasons[396]
    assert "联系电话" in reasons[397]
    assert "文件中重复" in reasons[398]
    assert "社区代码" in reasons[399] and "社区代码" in reasons[400]
    assert "已在平台登记" in reasons[401]
    assert all("*" in masked for _row, masked, _reason in report.errors)
    assert len(report.residents) == 394
    with pytest.raises(ValidationError, match="6 行不合格"):
        roster_import(actor=cast.community_staff, rows=rows)
    assert Resident.objects.count() == before


def test_corrected_sheet_imports_at_once_and_reimport_adds_nothing(cast):
    rows = roster_read(name="名册.xlsx", content=_xlsx(_sheet(cast)[:-6]))
    before = Resident.objects.count()
    report = roster_import(actor=cast.community_staff, rows=rows)
    assert Resident.objects.count() == before + 394 == before + len(report.residents)
    imported = Resident.objects.get(name="名册居民3")
    assert imported.phone_last4 == imported.phone[-4:] and imported.birth_date == BIRTH
    assert AuditEntry.objects.filter(reason="Excel 名册导入").count() == 1
    again = roster_import(actor=cast.community_staff, rows=rows)
    assert (len(again.residents), again.skipped) == (0, 394)
    assert Resident.objects.count() == before + 394


def test_csv_and_bad_files(cast):
    text = ",".join(COLUMNS) + "\n" + ",".join(_row(1, cast.community).values()) + "\n"
    rows = roster_read(name="名册.csv", content=text.encode("utf-8-sig"))
    assert roster_check(actor=cast.community_staff, rows=rows).ok
    with pytest.raises(ValidationError, match="表头"):
        roster_read(name="x.csv", content=b"a,b\n1,2\n")
    with pytest.raises(ValidationError, match="无法读取"):
        roster_read(name="x.xlsx", content=b"not a workbook")


@pytest.mark.parametrize("who", ["member", "family"])
def test_only_staff_import(cast, who):
    rows = [_row(1, cast.community)]
    with pytest.raises(PermissionDenied):
        roster_import(actor=getattr(cast, who), rows=rows)
    assert not Resident.objects.filter(name="名册居民1").exists()


def test_template_has_the_columns():
    sheet = load_workbook(io.BytesIO(roster_template())).active
    assert tuple(cell.value for cell in sheet[1]) == COLUMNS


def test_roster_page_dry_run_then_import(client, cast):
    client.force_login(cast.community_staff)
    content = _xlsx([_row(1, cast.community), _row(2, cast.community, 联系电话="1")])
    page = client.post(
        reverse("activities:roster_import"),
        {"file": SimpleUploadedFile("r.xlsx", content), "dry_run": ""},
    ).content.decode()
    assert "联系电话" in page and not Resident.objects.filter(name="名册居民1").exists()
    client.post(
        reverse("activities:roster_import"),
        {"file": SimpleUploadedFile("r.xlsx", _xlsx([_row(1, cast.community)])), "commit": ""},
    )
    assert Resident.objects.filter(name="名册居民1", community=cast.community).exists()
    client.force_login(cast.member)
    assert client.get(reverse("activities:roster_import")).status_code == 403


def _big_sheet(cast, n=2000):
    """n rows, 30 of them bad (five of each of six kinds), spread through the sheet; and
    the same sheet corrected."""
    # A sequence number has three digits: the birth day varies so 2,000 numbers differ.
    good = [
        _row(
            i,
            cast.community,
            身份证号码=f.resident_id("140105", BIRTH + datetime.timedelta(days=i // 900), i % 900),
        )
        for i in range(n)
    ]
    bad = list(good)
    kinds = [
        lambda r: {
            **r,
            "身份证号码": r["身份证号码"][:17] + ("1" if r["身份证号码"][17] == "0" else "0"),
        },
        lambda r: {**r, "联系电话": "12345"},
        lambda r: {**r, "身份证号码": good[0]["身份证号码"]},  # duplicate in the file
        lambda r: {**r, "社区代码": "999999999"},
        lambda r: {**r, "社区代码": cast.other_community.code},  # outside the importer's scope
        # In the portal already, under another name: one registered resident each.
        lambda r: {**r, "身份证号码": f.ResidentFactory(community=cast.community).id_number},
    ]
    broken = {}
    for k in range(30):
        index = 7 + k * 66  # every 66th row from the 8th
        bad[index] = kinds[k % 6](good[index])
        broken[index + 2] = k % 6  # sheet row number: the header is row 1
    return good, bad, broken


def test_2000_rows_with_30_bad_report_exactly_those_then_import_once(cast, monkeypatch):
    good, bad, broken = _big_sheet(cast)
    before = Resident.objects.count()
    rows = roster_read(name="名册.xlsx", content=_xlsx(bad))
    report = roster_check(actor=cast.community_staff, rows=rows)
    assert sorted(row for row, _masked, _reason in report.errors) == sorted(broken)
    reasons = {row: reason for row, _masked, reason in report.errors}
    words = ["身份证", "联系电话", "文件中重复", "社区代码", "社区代码", "已在平台登记"]
    assert all(words[kind] in reasons[row] for row, kind in broken.items())
    with pytest.raises(ValidationError, match="30 行不合格"):
        roster_import(actor=cast.community_staff, rows=rows)
    assert Resident.objects.count() == before

    corrected = roster_read(name="名册.xlsx", content=_xlsx(good))
    # One transaction: a failure after the rows were written (the audit) leaves none of them.
    with monkeypatch.context() as patched:
        patched.setattr(rosters, "audit_record", _fail)
        with pytest.raises(RuntimeError):
            roster_import(actor=cast.community_staff, rows=corrected)
    assert Resident.objects.count() == before
    started = time.perf_counter()
    imported = roster_import(actor=cast.community_staff, rows=corrected)
    print(f"\n2,000-row roster imported in {time.perf_counter() - started:.2f} s")
    assert len(imported.residents) == 2000 and Resident.objects.count() == before + 2000
    again = roster_import(actor=cast.community_staff, rows=corrected)
    assert (len(again.residents), again.skipped) == (0, 2000)
    assert Resident.objects.count() == before + 2000


def _fail(**kwargs):
    raise RuntimeError("audit store away")
