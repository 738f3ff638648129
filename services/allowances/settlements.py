"""Monthly settlement between care allowances and service organizations.

A statement covers one organization and one month. Its lines are the organization's
verified visits of that month: completed, checked out in that month (local time), and
charged (a visit debit or co-payment record whose corrections do not cancel it out).
Each line keeps what the allowance pays and what the resident pays, as charged.

Who does what:
- the organization (its members) or civil-affairs staff generate a statement, and may
  generate it again while it is a draft (visits completed since are added);
- civil-affairs staff approve any statement; street staff approve a statement when every
  served resident on it lives in their street(s) — a statement spanning several streets
  goes to the city (civil affairs);
- an approved statement is locked: it cannot be generated again or approved twice
  (checked under a row lock on the statement).
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from organizations.models import Organization
from sanlian import stored_text
from sanlian.audit import audit_record
from services.allowances.models import month_start
from services.allowances.rules import may_approve_statement, may_generate_statement
from services.models import LedgerEntry, SettlementLine, SettlementStatement, Visit


def month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The month as [start, end) aware datetimes in the portal's time zone."""
    start = month_start(month)
    following = (start + datetime.timedelta(days=32)).replace(day=1)
    as_aware = lambda day: timezone.make_aware(datetime.datetime.combine(day, datetime.time()))  # noqa: E731
    return as_aware(start), as_aware(following)


def verified_visit_rows(*, organization: Organization, month: datetime.date) -> list[dict]:
    """The charged visits of an organization checked out in `month`, with net amounts."""
    start, end = month_bounds(month)
    visits = (
        Visit.objects.filter(
            offering__organization=organization,
            status=Visit.Status.COMPLETED,
            checked_out_at__gte=start,
            checked_out_at__lt=end,
        )
        .filter(ledger_entries__kind__in=LedgerEntry.CHARGE_KINDS)
        .distinct()
        .select_related("offering", "request__service_type", "request__resident__community__street")
        .order_by("checked_out_at", "pk")
    )
    sums = {
        row["visit_id"]: row
        for row in LedgerEntry.objects.filter(visit__in=visits.values("pk"))
        .values("visit_id")
        .annotate(moved=Sum("amount_fen"), copay=Sum("copay_fen"))
    }
    rows = []
    for visit in visits:
        allowance, copay = -(sums[visit.pk]["moved"] or 0), sums[visit.pk]["copay"] or 0
        if allowance == 0 and copay == 0:
            continue  # the charge was reversed in full
        resident = visit.request.resident
        rows.append(
            {
                "visit": visit,
                "resident": resident,
                "community": resident.community,
                "street": resident.community.street,
                "service_type_name": visit.request.service_type.name,
                "served_on": timezone.localtime(visit.checked_out_at).date(),
                "price_class": visit.offering.price_class,
                "price_fen": visit.offering.price_fen,
                "allowance_fen": allowance,
                "copay_fen": copay,
            }
        )
    return rows


def _locked_statement(*, organization: Organization, month: datetime.date) -> SettlementStatement:
    statements = SettlementStatement.objects.select_for_update()
    statement = statements.filter(organization=organization, month=month).first()
    if statement is not None:
        return statement
    try:
        with transaction.atomic():
            return SettlementStatement.objects.create(organization=organization, month=month)
    except IntegrityError:
        # Another request created it a moment ago: wait for its lock.
        return statements.get(organization=organization, month=month)


def _check_settled_month(*, organization: Organization, month: datetime.date) -> None:
    """Only a month that has ended, and not before the organization registered, is settled:
    paid visits of a running month are still to come, and a month before registration
    has no visits of the organization to settle."""
    if month >= month_start(timezone.localdate()):
        raise ValidationError(
            {"month": _("只能为已结束的月份生成结算单，本月及将来的月份还不能结算。")}
        )
    registered = month_start(timezone.localdate(organization.submitted_at))
    if month < registered:
        raise ValidationError(
            {
                "month": _("该组织于 %(month)s 登记，不能结算登记之前的月份。")
                % {"month": f"{registered:%Y-%m}"}
            }
        )


@transaction.atomic
def settlement_generate(
    *, organization: Organization, month: datetime.date, actor
) -> SettlementStatement:
    """Build (or rebuild, while a draft) the statement of `organization` for `month`."""
    if not may_generate_statement(actor, organization):
        raise PermissionDenied
    month = month_start(month)
    _check_settled_month(organization=organization, month=month)
    statement = _locked_statement(organization=organization, month=month)
    if statement.status == SettlementStatement.Status.APPROVED:
        raise ValidationError(_("该结算单已审核，不能重新生成。"))
    statement.lines.all().delete()
    rows = verified_visit_rows(organization=organization, month=month)
    SettlementLine.objects.bulk_create(SettlementLine(statement=statement, **row) for row in rows)
    statement.visit_count = len(rows)
    statement.allowance_total_fen = sum(row["allowance_fen"] for row in rows)
    statement.copay_total_fen = sum(row["copay_fen"] for row in rows)
    statement.generated_at = timezone.now()
    statement.generated_by = actor
    statement.full_clean()
    statement.save()
    audit_record(
        actor=actor,
        instance=statement,
        action="change",
        after={
            "visit_count": statement.visit_count,
            "allowance_total_fen": statement.allowance_total_fen,
            "copay_total_fen": statement.copay_total_fen,
        },
        reason=stored_text.text(gettext_noop("生成结算单")),
    )
    return statement


@transaction.atomic
def settlement_approve(*, statement: SettlementStatement, actor) -> SettlementStatement:
    statement = SettlementStatement.objects.select_for_update().get(pk=statement.pk)
    if statement.status == SettlementStatement.Status.APPROVED:
        raise ValidationError(_("该结算单已经审核过了。"))
    if not may_approve_statement(actor, statement):
        raise PermissionDenied
    _check_settled_month(organization=statement.organization, month=statement.month)
    statement.status = SettlementStatement.Status.APPROVED
    statement.approved_at = timezone.now()
    statement.approved_by = actor
    statement.full_clean()
    statement.save(update_fields=["status", "approved_at", "approved_by"])
    audit_record(
        actor=actor,
        instance=statement,
        action="status",
        before={"status": SettlementStatement.Status.DRAFT},
        after={"status": statement.status},
        reason=stored_text.text(gettext_noop("审核结算单")),
    )
    return statement
