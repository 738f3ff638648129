"""Admin for projects: read-mostly; payments are append-only and never edited here."""

from django.contrib import admin

from projects.models import (
    Application,
    Contract,
    Incubation,
    Payment,
    PaymentRequest,
    ProjectCall,
)
from projects.queries import (
    applications_visible_to,
    calls_visible_to,
    contracts_visible_to,
    incubations_visible_to,
)
from sanlian.admin_base import ScopedAdmin


class ScopedReadOnlyAdmin(ScopedAdmin):
    """Writes go through the pages (the domain, audited); the admin only looks."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ProjectCall)
class ProjectCallAdmin(ScopedReadOnlyAdmin):
    scope = calls_visible_to
    list_display = ["title", "street", "budget_ceiling_fen", "opens_on", "closes_on", "status"]
    list_filter = ["status"]


@admin.register(Application)
class ApplicationAdmin(ScopedReadOnlyAdmin):
    scope = applications_visible_to
    list_display = ["organization", "call", "requested_fen", "status", "rank"]
    list_filter = ["status"]


@admin.register(Contract)
class ContractAdmin(ScopedReadOnlyAdmin):
    scope = contracts_visible_to
    list_display = ["title", "organization", "budget_fen", "paid_fen", "status"]
    list_filter = ["status"]


@admin.register(PaymentRequest)
class PaymentRequestAdmin(ScopedReadOnlyAdmin):
    list_display = ["milestone", "amount_fen", "verified_visits", "status", "requested_at"]

    @staticmethod
    def scope(user):
        return PaymentRequest.objects.filter(milestone__contract__in=contracts_visible_to(user))


@admin.register(Payment)
class PaymentAdmin(ScopedReadOnlyAdmin):
    list_display = ["contract", "milestone", "amount_fen", "approved_by", "paid_at"]

    @staticmethod
    def scope(user):
        return Payment.objects.filter(contract__in=contracts_visible_to(user))


@admin.register(Incubation)
class IncubationAdmin(ScopedReadOnlyAdmin):
    scope = incubations_visible_to
    list_display = ["organization", "mentor", "stage", "started_on", "ended_on"]
    list_filter = ["stage"]
