from django.contrib import admin

from sanlian.admin_base import ScopedAdmin
from services.models import (
    OfferingWeek,
    OfferingWindow,
    ServiceOffering,
    ServiceType,
)
from services.offerings.queries import offerings_visible_to


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


@admin.register(OfferingWindow)
class OfferingWindowAdmin(admin.ModelAdmin):
    list_display = ("offering", "weekday", "start_time", "end_time")
    list_filter = ("weekday",)
    raw_id_fields = ("offering",)
