from django.contrib import admin

from sanlian.admin_base import ScopedAdmin
from services.care.queries import feedback_visible_to, requests_visible_to, visits_visible_to
from services.models import (
    Feedback,
    ServiceRequest,
    Visit,
    VisitPlan,
    VisitStep,
)


def _steps_visible_to(user):
    return VisitStep.objects.filter(visit__in=visits_visible_to(user))


@admin.register(ServiceRequest)
class ServiceRequestAdmin(ScopedAdmin):
    scope = requests_visible_to
    list_display = ("resident", "service_type", "status", "urgent", "channel", "created_at")
    list_filter = ("status", "urgent", "channel", "service_type__care_mode", "service_type")
    search_fields = ("resident__name", "notes")
    date_hierarchy = "created_at"
    raw_id_fields = ("resident", "filed_by")
    list_select_related = ("resident", "service_type")


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


@admin.register(VisitStep)
class VisitStepAdmin(ScopedAdmin):
    """The phone's queued steps, read-only: the record of what arrived when."""

    scope = _steps_visible_to
    list_display = ("visit", "kind", "device_at", "received_at", "gap_seconds", "late")
    list_filter = ("kind", "late")
    date_hierarchy = "received_at"
    raw_id_fields = ("visit", "actor")
    list_select_related = ("visit",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
