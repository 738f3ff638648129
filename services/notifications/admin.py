from django.contrib import admin

from services.models import (
    Notification,
    Reminder,
    ReminderPolicy,
)


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
