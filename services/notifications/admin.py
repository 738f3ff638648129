from django.contrib import admin

from sanlian.admin_base import ScopedAdmin
from services.models import (
    Notification,
    Reminder,
    ReminderPolicy,
)
from services.notifications.models_delivery import ChannelState, DeskCall
from services.notifications.queries import desk_calls_visible_to


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


@admin.register(ReminderPolicy)
class ReminderPolicyAdmin(admin.ModelAdmin):
    """The one row (pk=1) of reminder offsets; also edited at /notifications/reminder-policy/."""

    list_display = ("offsets", "updated_at", "updated_by")
    readonly_fields = ("updated_at", "updated_by")


@admin.register(ChannelState)
class ChannelStateAdmin(admin.ModelAdmin):
    """The circuit breaker of each channel: written by the senders, read here."""

    list_display = ("channel", "failures", "paused_until", "last_error", "changed_at")
    readonly_fields = ("channel", "failures", "paused_until", "last_error", "changed_at")

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(DeskCall)
class DeskCallAdmin(ScopedAdmin):
    """Reminders that became a phone call for the community's desk; closed on their page."""

    scope = desk_calls_visible_to
    list_display = (
        "created_at",
        "community",
        "visit",
        "signup",
        "reason",
        "called_at",
        "called_by",
    )
    list_filter = ("called_at",)
    list_select_related = (
        "community",
        "visit",
        "signup__resident",
        "signup__activity",
        "called_by",
    )
    readonly_fields = (
        "visit",
        "signup",
        "recipient_key",
        "recipient_user",
        "community",
        "reason",
        "created_at",
        "called_at",
        "called_by",
        "call_note",
    )

    def has_add_permission(self, request) -> bool:
        return False
