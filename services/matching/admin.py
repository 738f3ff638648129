from django.contrib import admin

from sanlian.admin_base import JobAdmin, ScopedAdmin
from services.care.queries import requests_visible_to
from services.matching.models import MatchingJob, UnservedRequest
from services.matching.queries import matches_visible_to
from services.models import (
    Match,
    MatchingRun,
)


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


@admin.register(MatchingJob)
class MatchingJobAdmin(JobAdmin):
    list_display = ("created_at", "owner", "street", "community", "week_start", "status")


def unserved_visible_to(user):
    return UnservedRequest.objects.filter(request__in=requests_visible_to(user).values("pk"))


@admin.register(UnservedRequest)
class UnservedRequestAdmin(ScopedAdmin):
    """Why matching left a request unserved: written by the runs, read here."""

    scope = unserved_visible_to
    list_display = ("run", "request", "week_start", "code", "blocking", "current")
    list_filter = ("code", "current")
    list_select_related = ("run", "request")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
