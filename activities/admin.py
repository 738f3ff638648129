"""Read-only admin: every write goes through activities.domain (venue lock, place counter,
append-only ledgers), so the admin only looks, scoped like the pages."""

from django.contrib import admin

from activities.models import (
    Activity,
    ActivityReminder,
    HelpRecord,
    Signup,
    Suggestion,
    TimeBankAccount,
    VolunteerPost,
)
from activities.queries import (
    activities_visible_to,
    activity_reminders_visible_to,
    help_records_visible_to,
    posts_visible_to,
    signups_visible_to,
    suggestions_visible_to,
    time_bank_accounts_visible_to,
)
from sanlian.admin_base import ScopedAdmin


class ReadOnlyScopedAdmin(ScopedAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Activity)
class ActivityAdmin(ReadOnlyScopedAdmin):
    scope = activities_visible_to
    list_display = (
        "title",
        "venue",
        "starts_at",
        "ends_at",
        "capacity",
        "confirmed_count",
        "status",
    )
    list_filter = ("status", "community__street")
    search_fields = ("title",)


@admin.register(Signup)
class SignupAdmin(ReadOnlyScopedAdmin):
    scope = signups_visible_to
    list_display = ("activity", "resident", "status", "channel", "attended_at")
    list_filter = ("status", "channel")


@admin.register(VolunteerPost)
class VolunteerPostAdmin(ReadOnlyScopedAdmin):
    scope = posts_visible_to
    list_display = ("title", "project", "community", "skill")


@admin.register(TimeBankAccount)
class TimeBankAccountAdmin(ReadOnlyScopedAdmin):
    scope = time_bank_accounts_visible_to
    list_display = ("resident", "balance_minutes")


@admin.register(HelpRecord)
class HelpRecordAdmin(ReadOnlyScopedAdmin):
    scope = help_records_visible_to
    list_display = ("day", "helper", "helped", "kind", "minutes", "status")
    list_filter = ("status", "kind")


@admin.register(Suggestion)
class SuggestionAdmin(ReadOnlyScopedAdmin):
    scope = suggestions_visible_to
    list_display = ("title", "community", "status", "created_at")
    list_filter = ("status",)


@admin.register(ActivityReminder)
class ActivityReminderAdmin(ReadOnlyScopedAdmin):
    scope = activity_reminders_visible_to
    list_display = ("signup", "recipient_key", "channel", "status", "attempts", "sent_at")
    list_filter = ("status", "channel")
