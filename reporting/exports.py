"""Exports of lists as CSV or XLSX: scoped by the *_visible_to functions, identifiers masked.

`export_start` records an ExportJob for every export. A small CSV is answered at once
(`export_csv_lines`); anything larger, and every XLSX, is built by the Celery task
`sanlian.build_export`, which calls `export_build` and writes the file under
MEDIA_ROOT/exports/<owner id>/ with a random name (MEDIA_ROOT is the volume web and
workers share). Every export is in the audit log; one that carries residents' data also
leaves one AccessLog row per resident in it. `exports_expire` (hourly, beat) removes a file
EXPORT_RETENTION_HOURS after its build finished and marks the job expired.
"""

import datetime
import io
import logging
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from communities.queries import residents_visible_to
from organizations.queries import organizations_visible_to
from projects import figures as project_figures
from projects.progress import contract_progress
from projects.queries import contracts_visible_to
from reporting.models import ExportJob
from reporting.stats import StatsFilter, communities_in, stats_by_area, stats_scope
from sanlian.audit import audit_record
from sanlian.models import AccessLog
from sanlian.roles import Role
from sanlian.spreadsheet_safety import SafeCsvWriter, spreadsheet_safe
from services.care.queries import requests_visible_to, visits_visible_to

logger = logging.getLogger(__name__)

# Above this many rows a CSV is built by a worker, so the page answers at once.
SYNC_ROW_LIMIT = 2000
PROGRESS_EVERY = 200
BOM = "\ufeff"  # Excel reads a CSV as UTF-8 (Chinese intact) only after a byte-order mark
Kind = ExportJob.Kind

# Which lists each role may export; organizations only what concerns their own work.
KINDS_BY_ROLE = {
    Role.CIVIL_AFFAIRS: tuple(Kind),
    Role.STREET_STAFF: tuple(Kind),
    Role.COMMUNITY_STAFF: tuple(Kind),
    Role.ORGANIZATION: (Kind.REQUESTS, Kind.VISITS, Kind.PROJECT_PROGRESS),
}
EXPORT_ROLES = frozenset(KINDS_BY_ROLE)
# Lists that carry residents' personal data: a purpose must be stated (PIPL).
PERSONAL_KINDS = frozenset({Kind.RESIDENTS, Kind.REQUESTS, Kind.VISITS})


@dataclass(frozen=True)
class Table:
    headers: list[str]
    count: int
    rows: Iterable[list]


def _text(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "tzinfo") and hasattr(value, "hour"):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return str(value)


def _organizations(user) -> tuple[QuerySet, list[str], Callable]:
    queryset = organizations_visible_to(user).order_by("name", "pk")
    headers = [_("组织名称"), _("统一社会信用代码"), _("类别"), _("状态"), _("联系人"),
               _("联系电话"), _("提交时间")]  # fmt: skip

    def row(o) -> list:
        return [o.name, o.credit_code, o.get_category_display(), o.get_status_display(),
                o.contact_name, o.masked_contact_phone, o.submitted_at]  # fmt: skip

    return queryset, headers, row


def _residents(user) -> tuple[QuerySet, list[str], Callable]:
    queryset = residents_visible_to(user).order_by("community__name", "name", "pk")
    headers = [_("姓名"), _("性别"), _("出生年份（年龄）"), _("身份证号码"), _("联系电话"),
               _("街道"), _("社区"), _("居住状况"), _("照护等级")]  # fmt: skip

    def row(r) -> list:
        return [r.name, r.get_sex_display(), r.birth_year_and_age, r.masked_id_number,
                r.masked_phone, r.community.street.name, r.community.name,
                r.get_living_situation_display(), r.get_care_level_display()]  # fmt: skip

    return queryset, headers, row


def _requests(user) -> tuple[QuerySet, list[str], Callable]:
    queryset = requests_visible_to(user).order_by("-created_at", "-pk")
    headers = [_("编号"), _("居民"), _("联系电话"), _("社区"), _("服务"), _("紧急"),
               _("渠道"), _("状态"), _("提交时间")]  # fmt: skip

    def row(r) -> list:
        return [r.pk, r.resident.name, r.resident.masked_phone, r.resident.community.name,
                r.service_type.name, _("是") if r.urgent else _("否"), r.get_channel_display(),
                r.get_status_display(), r.created_at]  # fmt: skip

    return queryset, headers, row


def _visits(user) -> tuple[QuerySet, list[str], Callable]:
    queryset = visits_visible_to(user).select_related("feedback").order_by("-scheduled_start")
    headers = [_("编号"), _("居民"), _("社区"), _("服务"), _("社会组织"), _("预约时间"),
               _("状态"), _("签到时间"), _("签退时间"), _("评分")]  # fmt: skip

    def row(v) -> list:
        rating = getattr(getattr(v, "feedback", None), "rating", None)
        return [v.pk, v.request.resident.name, v.request.resident.community.name,
                v.request.service_type.name, v.offering.organization.name if v.offering else "",
                v.scheduled_start, v.get_status_display(), v.checked_in_at, v.checked_out_at,
                rating]  # fmt: skip

    return queryset, headers, row


def _figure(cell: dict):
    return _("少于5") if cell["suppressed"] else cell["value"]


def _indicators(user) -> tuple[list, list[str], Callable]:
    """The same figures as /api/v1/stats/communities/ for this user."""
    rows = stats_by_area(StatsFilter(community_ids=stats_scope(user)), level="community")
    headers = [_("社区代码"), _("社区"), _("街道"), _("区"), _("户数"), _("60岁以上老人"),
               _("设施面积（㎡）"), _("每百户设施面积（㎡）"), _("设施达标"), _("社工人数"),
               _("社工达标"), _("入驻组织"), _("服务需求"), _("完成服务"), _("已服务老人"),
               _("平均满意度")]  # fmt: skip

    def row(r) -> list:
        yes_no = {True: _("是"), False: _("否")}
        return [r["code"], r["name"], r["street_name"], r["district_name"], r["households"],
                r["residents_60_plus"], r["facility_area_m2"], r["facility_m2_per_100_households"],
                yes_no[r["meets_facility_target"]], r["social_workers"],
                yes_no[r["meets_social_worker_target"]], r["organizations_entered"],
                _figure(r["requests"]), _figure(r["visits_completed"]),
                _figure(r["residents_served"]), _figure(r["average_rating"])]  # fmt: skip

    return rows["results"], headers, row


def _project_progress(user) -> tuple[list, list[str], Callable]:
    """Each target of each contract the user may see: target vs verified output, forecast."""
    contracts = contracts_visible_to(user).order_by("pk")
    rows = [(contract, p) for contract in contracts for p in contract_progress(contract=contract)]
    headers = [_("合同编号"), _("项目名称"), _("社会组织"), _("合同状态"), _("合同期"),
               _("合同金额（元）"), _("已支付（元）"), _("指标类型"), _("服务类型"),
               _("统计期"), _("目标数量"), _("已核验"), _("按进度应完成"),
               _("按当前速度预计"), _("平均满意度")]  # fmt: skip

    def row(pair) -> list:
        contract, p = pair
        target = p.target
        return [contract.pk, contract.title, contract.organization.name,
                contract.get_status_display(), f"{contract.starts_on} – {contract.ends_on}",
                contract.budget_yuan, contract.paid_yuan, target.get_kind_display(),
                "、".join(t.name for t in target.service_types.all()),
                f"{target.starts_on} – {target.ends_on}", target.quantity, p.delivered,
                p.expected_by_now, p.forecast, p.mean_rating]  # fmt: skip

    return rows, headers, row


def _project_funds(user) -> tuple[list, list[str], Callable]:
    """The dashboard's cultivation and funding table for the user's scope."""
    communities = communities_in(StatsFilter(community_ids=stats_scope(user)))
    rows = project_figures.cultivation_by_district(communities)
    headers = [_("区"), _("组织类别"), _("组织数"), _("目标"), _("孵化中"), _("已出壳"),
               _("合同"), _("合同金额（元）"), _("已支付（元）")]  # fmt: skip

    def row(r) -> list:
        return [r["district_name"], r["category_name"], r["organizations"], r["target"],
                r["incubating"], r["graduated"], r["contracts"], r["committed"],
                r["paid"]]  # fmt: skip

    return rows, headers, row


_SOURCES = {
    Kind.PROJECT_PROGRESS: _project_progress,
    Kind.PROJECT_FUNDS: _project_funds,
    Kind.ORGANIZATIONS: _organizations,
    Kind.RESIDENTS: _residents,
    Kind.REQUESTS: _requests,
    Kind.VISITS: _visits,
    Kind.INDICATORS: _indicators,
}


def kinds_for(user) -> tuple:
    return KINDS_BY_ROLE.get(user.role, ())


def export_table(*, user, kind: str) -> Table:
    """Headers, row count and rows (lazily, in chunks) of one list as `user` may see it."""
    if kind not in kinds_for(user):
        raise PermissionError(kind)
    source, headers, row = _SOURCES[kind](user)
    if isinstance(source, QuerySet):
        count = source.count()
        rows = (row(item) for item in source.iterator(chunk_size=500))
    else:
        count = len(source)
        rows = (row(item) for item in source)
    return Table(headers=[str(h) for h in headers], count=count, rows=rows)


def runs_in_background(*, file_format: str, count: int) -> bool:
    return file_format == ExportJob.Format.XLSX or count > SYNC_ROW_LIMIT


@transaction.atomic
def export_start(*, user, kind: str, file_format: str, purpose: str = "") -> ExportJob:
    """Record the export (and its audit entry); the caller answers at once or enqueues it."""
    table = export_table(user=user, kind=kind)
    background = runs_in_background(file_format=file_format, count=table.count)
    job = ExportJob(
        owner=user,
        kind=kind,
        file_format=file_format,
        purpose=purpose,
        row_count=table.count,
        status=ExportJob.Status.QUEUED if background else ExportJob.Status.DONE,
        progress=0 if background else 100,
        finished_at=None if background else timezone.now(),
    )
    job.full_clean()
    job.save()
    if kind in PERSONAL_KINDS:
        _log_personal_reads(user=user, kind=kind, purpose=purpose)
    audit_record(
        actor=user,
        instance=job,
        action="export",
        after={"kind": kind, "format": file_format, "rows": table.count},
        reason=purpose,
    )
    return job


_RESIDENT_IDS = {
    Kind.RESIDENTS: lambda user: residents_visible_to(user).values_list("pk", flat=True),
    Kind.REQUESTS: lambda user: requests_visible_to(user).values_list("resident_id", flat=True),
    Kind.VISITS: lambda user: visits_visible_to(user).values_list(
        "request__resident_id", flat=True
    ),
}


def _log_personal_reads(*, user, kind: str, purpose: str) -> None:
    """One access-log row per resident whose data leaves in the file (PIPL: who, when, why)."""
    if not purpose.strip():
        raise ValidationError({"purpose": _("请填写导出个人信息的用途。")})
    ids = set(_RESIDENT_IDS[kind](user).order_by())
    AccessLog.objects.bulk_create(
        [
            AccessLog(actor=user, resident_id=pk, kind=AccessLog.Kind.EXPORT, field=kind,
                      purpose=purpose.strip()[:200])
            for pk in sorted(ids)
        ],
        batch_size=1000,
    )  # fmt: skip


def export_csv_lines(*, user, kind: str) -> Iterator[str]:
    """The CSV text, line by line, starting with the BOM (for a streaming response)."""
    table = export_table(user=user, kind=kind)
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer)
    writer.writerow(table.headers)
    yield BOM + _flush(buffer)
    for row in table.rows:
        writer.writerow([_text(value) for value in row])
        yield _flush(buffer)


def _flush(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def _set_progress(job: ExportJob, **fields) -> None:
    ExportJob.objects.filter(pk=job.pk).update(**fields)


def export_file_name(job: ExportJob) -> str:
    """The name offered to the browser, e.g. 老年居民-20260302-0930.xlsx."""
    stamp = timezone.localtime(job.created_at).strftime("%Y%m%d-%H%M")
    return f"{job.get_kind_display()}-{stamp}.{job.file_format}"


def export_build(*, job: ExportJob) -> None:
    """Write the job's file, updating its progress as rows go out; never raises."""
    relative = Path("exports") / str(job.owner_id) / f"{uuid.uuid4().hex}.{job.file_format}"
    # The path is recorded first: should the worker die mid-build, the sweep finds the file.
    _set_progress(job, status=ExportJob.Status.RUNNING, progress=0, file_path=str(relative))
    target = Path(settings.MEDIA_ROOT) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        table = export_table(user=job.owner, kind=job.kind)
        if job.file_format == ExportJob.Format.XLSX:
            _write_xlsx(
                target, table, job.get_kind_display(), lambda n: _progress(job, n, table.count)
            )
        else:
            _write_csv(target, table, lambda n: _progress(job, n, table.count))
    except Exception as error:
        # A partial file is never offered; when it cannot be removed now the sweep retries.
        kept = "" if _file_removed(str(relative)) else str(relative)
        _set_progress(job, status=ExportJob.Status.FAILED, error=str(error)[:500],
                      file_path=kept, finished_at=timezone.now())  # fmt: skip
        return
    _set_progress(job, status=ExportJob.Status.DONE, progress=100, file_path=str(relative),
                  row_count=table.count, finished_at=timezone.now())  # fmt: skip


def _progress(job: ExportJob, done: int, total: int) -> None:
    if done % PROGRESS_EVERY == 0 and total:
        _set_progress(job, progress=min(99, done * 100 // total))


def _write_csv(target: Path, table: Table, report: Callable[[int], None]) -> None:
    with target.open("w", encoding="utf-8", newline="") as handle:
        handle.write(BOM)
        writer = SafeCsvWriter(handle)
        writer.writerow(table.headers)
        for done, row in enumerate(table.rows, start=1):
            writer.writerow([_text(value) for value in row])
            report(done)


def _write_xlsx(target: Path, table: Table, title: str, report: Callable[[int], None]) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([spreadsheet_safe(header) for header in table.headers])
    for done, row in enumerate(table.rows, start=1):
        sheet.append([_cell(value) for value in row])
        report(done)
    workbook.save(target)


def _cell(value):
    """Numbers stay numbers in Excel; dates and everything else become inert text."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return value
    return spreadsheet_safe(_text(value))


def export_job_path(job: ExportJob) -> Path | None:
    if job.status != ExportJob.Status.DONE or not job.file_path or job.expired_at:
        return None
    path = Path(settings.MEDIA_ROOT) / job.file_path
    return path if path.is_file() else None


def export_jobs_of(user) -> QuerySet[ExportJob]:
    """A user's own exports; nobody else's job is ever found (the download's 404)."""
    return ExportJob.objects.filter(owner=user)


def _file_removed(relative: str) -> bool:
    """Delete one export file; True when it is gone, also when it was gone already."""
    try:
        (Path(settings.MEDIA_ROOT) / relative).unlink(missing_ok=True)
    except OSError:
        logger.exception("export file %s could not be removed", relative)
        return False
    return True


def exports_expire(*, now: datetime.datetime) -> int:
    """Remove the files of exports past EXPORT_RETENTION_HOURS and mark the jobs expired.

    A finished job counts from `finished_at`; one still queued or running that long has
    lost its worker, so it is failed and its partial file removed too. Idempotent: an
    expired job is not looked at again, and a file already missing is no error. Returns
    the number of jobs expired.
    """
    cutoff = now - datetime.timedelta(hours=settings.EXPORT_RETENTION_HOURS)
    due = (
        ExportJob.objects.filter(expired_at__isnull=True)
        .exclude(file_path="")
        .filter(Q(finished_at__lt=cutoff) | Q(finished_at__isnull=True, created_at__lt=cutoff))
    )
    expired = 0
    for job in due.only("pk", "file_path", "status").iterator():
        if not _file_removed(job.file_path):
            continue  # left unmarked, so the next run tries again
        fields = {"expired_at": now}
        if not job.is_finished:
            fields |= {"status": ExportJob.Status.FAILED, "finished_at": now,
                       "error": "abandoned: no worker finished it in time"}  # fmt: skip
        expired += ExportJob.objects.filter(pk=job.pk, expired_at__isnull=True).update(**fields)
    return expired
