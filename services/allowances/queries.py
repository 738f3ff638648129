import datetime

from django.db.models import Count, Max, QuerySet, Sum

from communities.queries import residents_visible_to, staff_community_ids
from sanlian.roles import LOCAL_STAFF, RESIDENT_SIDE, Role
from services.allowances.models import CareAccount, LedgerEntry, SettlementLine, SettlementStatement


def care_accounts_visible_to(user) -> QuerySet:
    """Staff see the accounts of residents in their area; residents and family their own."""

    accounts = CareAccount.objects.select_related("resident__community__street")
    if not user.is_authenticated:
        return accounts.none()
    if user.role == Role.CIVIL_AFFAIRS:
        return accounts
    if user.role in LOCAL_STAFF:
        return accounts.filter(resident__community_id__in=staff_community_ids(user))
    if user.role in RESIDENT_SIDE:
        return accounts.filter(resident__in=residents_visible_to(user).values("pk"))
    return accounts.none()


def ledger_entries_visible_to(user) -> QuerySet:

    return LedgerEntry.objects.select_related("account__resident", "rule", "actor", "visit").filter(
        account__in=care_accounts_visible_to(user).values("pk")
    )


def settlements_visible_to(user) -> QuerySet:
    """Organizations see their own statements; street and community staff those serving
    residents of their area; civil affairs all of them."""

    statements = SettlementStatement.objects.select_related("organization", "approved_by")
    if not user.is_authenticated:
        return statements.none()
    if user.role == Role.CIVIL_AFFAIRS:
        return statements
    if user.role == Role.ORGANIZATION:
        return statements.filter(organization__members__user=user)
    if user.role in LOCAL_STAFF:
        serving = SettlementLine.objects.filter(community_id__in=staff_community_ids(user)).values(
            "statement_id"
        )
        return statements.filter(pk__in=serving)
    return statements.none()


def settlement_lines_visible_to(user, *, statement=None) -> QuerySet:
    """Lines of visible statements (of one `statement` if given); staff see only the lines
    of their area's residents."""

    lines = SettlementLine.objects.select_related("resident", "community", "street", "visit")
    lines = lines.filter(statement__in=settlements_visible_to(user).values("pk"))
    if statement is not None:
        lines = lines.filter(statement=statement)
    if user.role in LOCAL_STAFF:
        return lines.filter(community_id__in=staff_community_ids(user))
    return lines


def settlement_latest_month() -> datetime.date | None:
    """The last month any statement has lines for: where the totals page opens."""
    return SettlementLine.objects.aggregate(month=Max("statement__month"))["month"]


def settlement_totals_by_area(*, month, approved_only: bool = False) -> dict:
    """City totals of a month's statements per street and per district (civil affairs)."""

    lines = SettlementLine.objects.filter(statement__month=month)
    if approved_only:
        lines = lines.filter(statement__status="approved")
    measures = {
        "visits": Count("pk"),
        "allowance_fen": Sum("allowance_fen"),
        "copay_fen": Sum("copay_fen"),
    }
    streets = (
        lines.values("street_id", "street__name", "street__district__name")
        .annotate(**measures)
        .order_by("street__district__name", "street__name")
    )
    districts = (
        lines.values("street__district_id", "street__district__name")
        .annotate(**measures)
        .order_by("street__district__name")
    )
    return {
        "streets": list(streets),
        "districts": list(districts),
        "city": lines.aggregate(**measures),
    }
