from django.contrib import admin

from sanlian.admin_base import JobAdmin, ScopedAdmin
from services.matching.models import MatchingJob
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
