from django.contrib import admin

from sanlian.admin_base import ScopedAdmin
from services.models import (
    Feedback,
    Match,
    MatchingRun,
    Notification,
    OfferingWeek,
    OfferingWindow,
    Reminder,
    ReminderPolicy,
    ServiceOffering,
    ServiceRequest,
    ServiceType,
    Visit,
    VisitPlan,
)
from services.queries import (
    feedback_visible_to,
    matches_visible_to,
    offerings_visible_to,
    requests_visible_to,
    visits_visible_to,
)


@admin.register(ServiceType)
class ServiceTypeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "care_mode", "default_duration_minutes")
    list_filter = ("care_mode",)
    search_fields = ("code", "name")


class OfferingWindowInline(admin.TabularInline):
    model = OfferingWindow
    extra = 0


@admin.register(ServiceOffering)
class ServiceOfferingAdmin(ScopedAdmin):
    scope = offerings_visible_to
    list_display = ("organization", "service_type", "weekly_capacity", "price_class", "status")
    list_filter = ("status", "price_class", "service_type__care_mode", "service_type")
    search_fields = ("organization__name", "service_type__name")
    filter_horizontal = ("communities",)
    raw_id_fields = ("organization", "venue")
    list_select_related = ("organization", "service_type")
    inlines = [OfferingWindowInline]


@admin.register(OfferingWeek)
class OfferingWeekAdmin(admin.ModelAdmin):
    list_display = ("offering", "week_start", "reserved", "capacity")
    list_filter = ("week_start",)
    raw_id_fields = ("offering",)


@admin.register(ServiceRequest)
class ServiceRequestAdmin(ScopedAdmin):
    scope = requests_visible_to
    list_display = ("resident", "service_type", "status", "urgent", "channel", "created_at")
    list_filter = ("status", "urgent", "channel", "service_type__care_mode", "service_type")
    search_fields = ("resident__name", "notes")
    date_hierarchy = "created_at"
    raw_id_fields = ("resident", "filed_by")
    list_select_related = ("resident", "service_type")


@admin.register(MatchingRun)
class MatchingRunAdmin(admin.ModelAdmin):
    list_display = ("started_at", "street", "community", "week_start", "started_by")
    date_hierarchy = "started_at"


@admin.register(Match)
class MatchAdmin(ScopedAdmin):
    scope = matches_visible_to
    list_display = ("request", "offering", "week_start", "status", "score", "reason")
    list_filter = ("status", "week_start")
    search_fields = ("request__resident__name", "offering__organization__name", "reason")
    raw_id_fields = ("request", "offering", "run", "confirmed_by", "responded_by")
    list_select_related = (
        "request__resident",
        "request__service_type",
        "offering__organization",
        "offering__service_type",
    )


@admin.register(VisitPlan)
class VisitPlanAdmin(admin.ModelAdmin):
    list_display = ("request", "offering", "weekday", "start_time", "until", "active")
    list_filter = ("active", "weekday")
    raw_id_fields = ("request", "offering")


@admin.register(Visit)
class VisitAdmin(ScopedAdmin):
    scope = visits_visible_to
    list_display = (
        "request",
        "scheduled_start",
        "status",
        "social_worker",
        "volunteer",
        "checked_in_at",
        "checked_out_at",
    )
    list_filter = ("status", "offering__service_type")
    search_fields = ("request__resident__name", "offering__organization__name")
    date_hierarchy = "scheduled_start"
    raw_id_fields = (
        "request",
        "offering",
        "match",
        "plan",
        "venue",
        "social_worker",
        "volunteer",
        "staff_member",
    )
    list_select_related = (
        "request__resident",
        "request__service_type",
        "social_worker",
        "volunteer",
    )


@admin.register(Feedback)
class FeedbackAdmin(ScopedAdmin):
    scope = feedback_visible_to
    list_display = ("visit", "rating", "created_at")
    list_filter = ("rating",)
    search_fields = ("comment", "visit__request__resident__name")
    raw_id_fields = ("visit", "given_by")


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ("visit", "recipient_key", "channel", "due_at", "status", "attempts", "sent_at")
    list_filter = ("status", "channel")
    date_hierarchy = "due_at"
    raw_id_fields = ("visit", "recipient_user")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("user", "title", "created_at", "read_at")
    list_filter = ("read_at",)
    search_fields = ("title", "user__username")
    raw_id_fields = ("user",)


@admin.register(OfferingWindow)
class OfferingWindowAdmin(admin.ModelAdmin):
    list_display = ("offering", "weekday", "start_time", "end_time")
    list_filter = ("weekday",)
    raw_id_fields = ("offering",)


@admin.register(ReminderPolicy)
class ReminderPolicyAdmin(admin.ModelAdmin):
    """The one row (pk=1) of reminder offsets; also edited at /notifications/reminder-policy/."""

    list_display = ("offsets", "updated_at", "updated_by")
    readonly_fields = ("updated_at", "updated_by")


# --- Monetary elderly care: rules are edited here too; ledger and statements are read-only ---

from services.models import (  # noqa: E402
    AllowanceRule,
    CareAccount,
    LedgerEntry,
    SettlementLine,
    SettlementStatement,
)
from services.queries import (  # noqa: E402
    care_accounts_visible_to,
    ledger_entries_visible_to,
    settlement_lines_visible_to,
    settlements_visible_to,
)


class ReadOnlyAdmin(ScopedAdmin):
    """Money moves only through services.domain.allowances / settlements: no edits here."""

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
    # Rules are saved through allowance_rule_save (audit trail) on the rules page.


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
