from django.contrib import admin

from sanlian.admin_base import ScopedAdmin
from services.allowances.queries import (
    care_accounts_visible_to,
    ledger_entries_visible_to,
    settlement_lines_visible_to,
    settlements_visible_to,
)
from services.models import (
    AllowanceRule,
    CareAccount,
    LedgerEntry,
    SettlementLine,
    SettlementStatement,
)


class ReadOnlyAdmin(ScopedAdmin):
    """Money moves only through services.allowances.domain / settlements: no edits here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AllowanceRule)
class AllowanceRuleAdmin(ReadOnlyAdmin):
    list_display = ("name", "monthly_amount_fen", "stacking", "min_age", "valid_from", "valid_to")
    list_filter = ("stacking",)
    search_fields = ("name",)


@admin.register(CareAccount)
class CareAccountAdmin(ReadOnlyAdmin):
    scope = care_accounts_visible_to
    list_display = ("resident", "balance_fen", "opened_at")
    search_fields = ("resident__name",)
    list_select_related = ("resident",)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    scope = ledger_entries_visible_to
    list_display = ("created_at", "account", "kind", "amount_fen", "copay_fen", "actor", "reason")
    list_filter = ("kind",)
    search_fields = ("account__resident__name", "reason")
    list_select_related = ("account__resident", "actor")


@admin.register(SettlementStatement)
class SettlementStatementAdmin(ReadOnlyAdmin):
    scope = settlements_visible_to
    list_display = ("organization", "month", "status", "visit_count", "allowance_total_fen")
    list_filter = ("status", "month")
    search_fields = ("organization__name",)


@admin.register(SettlementLine)
class SettlementLineAdmin(ReadOnlyAdmin):
    scope = settlement_lines_visible_to
    list_display = ("statement", "served_on", "resident", "allowance_fen", "copay_fen")
    list_select_related = ("statement__organization", "resident")
