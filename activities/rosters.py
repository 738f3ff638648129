"""Resident rosters from Excel (XLSX, read with openpyxl) or CSV: template, dry run, import.

Communities keep their residents in spreadsheets. A dry run reports every bad row with its
reason (ID-card checksum, phone format, duplicate in the file or in the portal, unknown
community or one outside the importer's scope); the import re-checks and writes all rows in
one transaction or none. A row whose ID number is already registered with the same name in
the same community is skipped as "already registered", so importing a sheet twice creates
no duplicates. Lives here, beside the other community rosters' consumers, because issue 18
asked for it with activities; communities/ would be its natural home later.
"""

import csv
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from openpyxl import Workbook, load_workbook

from activities.rules import roster_import_refusal
from communities.models import Resident
from communities.queries import communities_visible_to
from sanlian import stored_text
from sanlian.audit import audit_record
from sanlian.masking import mask_id_number
from sanlian.refusals import refuse
from sanlian.validators import resident_id_birth_date, validate_mobile, validate_resident_id

COLUMNS = ("姓名", "性别", "身份证号码", "联系电话", "住址", "社区代码", "居住状况", "照护等级")
SEX = {label: value for value, label in Resident.Sex.choices}
LIVING = {label: value for value, label in Resident.LivingSituation.choices}
CARE = {label: value for value, label in Resident.CareLevel.choices}
MAX_ROWS = 20_000


@dataclass
class RosterReport:
    residents: list[Resident] = field(default_factory=list)
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (row, masked id, reason)
    skipped: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def roster_template() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "居民名册"
    sheet.append(COLUMNS)
    sheet.append(("张桂兰", "女", "", "13912345678", "桃园南路1号", "140105001001", "独居", "自理"))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def roster_read(*, name: str, content: bytes) -> list[dict]:
    """Rows as dicts keyed by COLUMNS; header row required; bad files raise ValidationError."""
    try:
        if name.lower().endswith(".csv"):
            lines = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        else:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).active
            lines = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    except Exception as error:  # openpyxl and csv raise many kinds for a broken file
        raise ValidationError(_("无法读取文件，请使用下载的模板（xlsx 或 csv）。")) from error
    if not lines or tuple(_cell(v) for v in lines[0][: len(COLUMNS)]) != COLUMNS:
        raise ValidationError(_("表头与模板不一致，请使用下载的模板。"))
    if len(lines) - 1 > MAX_ROWS:
        raise ValidationError(_("一次最多导入 %(n)s 行。") % {"n": MAX_ROWS})
    rows = []
    for line in lines[1:]:
        cells = [_cell(v) for v in line] + [""] * len(COLUMNS)
        if any(cells[: len(COLUMNS)]):
            rows.append(dict(zip(COLUMNS, cells, strict=False)))
    return rows


def _row_error(row: dict, communities: dict) -> str | None:
    for column in ("姓名", "身份证号码", "住址", "社区代码"):
        if not row[column]:
            return _("缺少“%(column)s”。") % {"column": column}
    checks = (
        (row["性别"] not in SEX, _("性别须为“男”或“女”。")),
        (row["居住状况"] not in LIVING, _("居住状况须为：独居、空巢、与家人同住。")),
        (row["照护等级"] and row["照护等级"] not in CARE, _("照护等级须为：自理、半失能、失能。")),
        (row["社区代码"] not in communities, _("社区代码不存在或不在您的管辖范围内。")),
    )
    for failed, reason in checks:
        if failed:
            return reason
    for validator, column in ((validate_resident_id, "身份证号码"), (validate_mobile, "联系电话")):
        value = row[column].upper()
        if value:
            try:
                validator(value)
            except ValidationError as error:
                return f"{column}：{'；'.join(error.messages)}"
    return None


def _resident(row: dict, communities: dict) -> Resident:
    phone = row["联系电话"]
    return Resident(
        name=row["姓名"][:30],
        sex=SEX[row["性别"]],
        id_number=row["身份证号码"].upper(),
        birth_date=resident_id_birth_date(row["身份证号码"]),
        phone=phone,
        phone_last4=phone[-4:],  # bulk_create skips save(), which keeps this in step
        address=row["住址"][:120],
        community=communities[row["社区代码"]],
        living_situation=LIVING[row["居住状况"]],
        care_level=CARE.get(row["照护等级"], Resident.CareLevel.SELF_RELIANT),
    )


def roster_check(*, actor, rows: list[dict]) -> RosterReport:
    """The dry run: every bad row with its reason; nothing is written."""
    refuse(roster_import_refusal(actor))
    communities = {c.code: c for c in communities_visible_to(actor)}
    ids = [row["身份证号码"].upper() for row in rows]
    known = {
        r.id_number: r
        for r in Resident.objects.filter(id_number__in=ids).select_related("community")
    }
    report, seen = RosterReport(), set()
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        id_number = row["身份证号码"].upper()
        reason = _row_error(row, communities)
        if reason is None and id_number in seen:
            reason = _("身份证号码在文件中重复。")
        seen.add(id_number)
        existing = known.get(id_number)
        if reason is None and existing is not None:
            same = existing.name == row["姓名"] and existing.community.code == row["社区代码"]
            if same:
                report.skipped += 1
                continue
            reason = _("身份证号码已在平台登记（姓名或社区不同）。")
        if reason is not None:
            report.errors.append((number, mask_id_number(id_number), reason))
        else:
            report.residents.append(_resident(row, communities))
    return report


@transaction.atomic
def roster_import(*, actor, rows: list[dict]) -> RosterReport:
    """All rows or none: any bad row refuses the whole sheet; audited per community."""
    report = roster_check(actor=actor, rows=rows)
    if not report.ok:
        raise ValidationError(
            _("有 %(n)s 行不合格，未导入任何数据。请先试导入查看原因。") % {"n": len(report.errors)}
        )
    Resident.objects.bulk_create(report.residents, batch_size=500)
    per_community: dict = {}
    for resident in report.residents:
        per_community.setdefault(resident.community, 0)
        per_community[resident.community] += 1
    for community, count in per_community.items():
        audit_record(
            actor=actor,
            instance=community,
            action="change",
            after={"residents_imported": count},
            reason=stored_text.text(gettext_noop("Excel 名册导入")),
        )
    return report
