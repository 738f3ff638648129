from django.contrib import admin

from reporting.models import ExportJob
from sanlian.admin_base import JobAdmin


@admin.register(ExportJob)
class ExportJobAdmin(JobAdmin):
    list_display = (
        "created_at",
        "owner",
        "kind",
        "file_format",
        "row_count",
        "status",
        "expired_at",
    )
    list_filter = ("status", "kind", "file_format")
