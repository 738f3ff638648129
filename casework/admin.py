"""Admin of social work. Progress notes are not registered: they are read only through
casework.domain.case_notes_read, which checks who and logs the read."""

from django.contrib import admin

from casework.models import Assessment, Callback, Case, Instrument, Level, Supervision
from casework.queries import assessments_visible_to, callbacks_visible_to, cases_visible_to
from sanlian.admin_base import ScopedAdmin


class LevelInline(admin.TabularInline):
    model = Level
    extra = 0


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin):
    list_display = ("code", "title", "version", "active")
    inlines = [LevelInline]


@admin.register(Assessment)
class AssessmentAdmin(ScopedAdmin):
    scope = assessments_visible_to
    list_display = ("resident", "status", "total", "level_name", "signed_by", "effective_at")
    list_filter = ("status", "level_rank")
    raw_id_fields = ("resident", "assessor", "signed_by", "second_signed_by")
    readonly_fields = ("answers", "adjustments", "total", "level_rank", "level_name")


@admin.register(Case)
class CaseAdmin(ScopedAdmin):
    scope = cases_visible_to
    list_display = ("resident", "status", "source", "opened_at", "closed_at", "outcome")
    list_filter = ("status", "source", "outcome")
    raw_id_fields = ("resident", "opened_by")
    filter_horizontal = ("social_workers",)


@admin.register(Supervision)
class SupervisionAdmin(admin.ModelAdmin):
    list_display = ("supervisor", "social_worker")
    raw_id_fields = ("supervisor", "social_worker")


@admin.register(Callback)
class CallbackAdmin(ScopedAdmin):
    scope = callbacks_visible_to
    list_display = ("visit", "social_worker", "week_start", "status", "quality_score")
    list_filter = ("status", "week_start")
    raw_id_fields = ("visit", "social_worker")
