from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from organizations.models import (
    Agreement,
    Organization,
    OrganizationMember,
    OrganizationStatusChange,
)
from organizations.queries import agreements_visible_to, organizations_visible_to
from sanlian.admin_base import ScopedAdmin, masked_column, masked_phone_form


class StatusChangeInline(admin.TabularInline):
    model = OrganizationStatusChange
    extra = 0
    readonly_fields = ("from_status", "to_status", "changed_by", "changed_at", "reason")
    can_delete = False


class MemberInline(admin.TabularInline):
    model = OrganizationMember
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Organization)
class OrganizationAdmin(ScopedAdmin):
    scope = organizations_visible_to
    form = masked_phone_form("contact_phone")
    list_display = (
        "name",
        "credit_code",
        "category",
        "status",
        masked_column("contact_phone", "phone", _("联系电话")),
        "submitted_at",
    )
    list_filter = ("status", "category", "home_street__district")
    search_fields = ("name", "credit_code", "contact_name")
    date_hierarchy = "submitted_at"
    filter_horizontal = ("wants_to_serve",)
    inlines = [MemberInline, StatusChangeInline]


@admin.register(OrganizationMember)
class OrganizationMemberAdmin(admin.ModelAdmin):
    list_display = ("user", "organization", "is_admin", "joined_at")
    list_filter = ("is_admin",)
    search_fields = ("user__username", "organization__name")
    raw_id_fields = ("user", "organization")


@admin.register(OrganizationStatusChange)
class OrganizationStatusChangeAdmin(admin.ModelAdmin):
    list_display = ("organization", "from_status", "to_status", "changed_by", "changed_at")
    list_filter = ("to_status",)
    search_fields = ("organization__name", "reason")


@admin.register(Agreement)
class AgreementAdmin(ScopedAdmin):
    scope = agreements_visible_to
    list_display = ("organization", "community", "venue", "start_date", "end_date", "status")
    list_filter = ("status", "community__street")
    search_fields = ("organization__name", "community__name")
    date_hierarchy = "start_date"
    raw_id_fields = ("organization", "community", "venue", "requested_by", "decided_by")
    list_select_related = ("organization", "community", "venue")
