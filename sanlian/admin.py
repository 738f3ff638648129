from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from sanlian.admin_base import MASKED_PHONE, masked_phone_form
from sanlian.api.tokens import user_tokens_end
from sanlian.forms import LockoutAdminAuthenticationForm
from sanlian.models import AccessLog, AuditEntry, BeatLease, TokenActivity, User

# The admin login is a way in like any other: the same lockout (issue 19).
admin.site.login_form = LockoutAdminAuthenticationForm


class AdministratorPasswordForm(AdminPasswordChangeForm):
    """A password an administrator sets is the administrator's, not the user's: the user
    must choose their own at the next login, and the old password's API tokens end."""

    def save(self, commit=True):
        user = super().save(commit=False)
        if user.has_usable_password():
            user.must_change_password = True
        if commit:
            user.save()
            user_tokens_end(user=user)
        return user


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = masked_phone_form("phone", base=UserChangeForm)
    change_password_form = AdministratorPasswordForm
    list_display = ("username", "display_name", "role", MASKED_PHONE, "is_active", "last_login")
    list_filter = ("role", "is_active", "is_staff", "is_superuser")
    search_fields = ("username", "display_name", "email")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        # A password the administrator sets (here or when adding the user) ticks
        # must_change_password: the user then chooses their own at the next login
        # (sanlian/password_change.py).
        (_("门户"), {"fields": ("role", "display_name", "phone", "must_change_password")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("门户"), {"fields": ("role", "display_name", "phone")}),
    )

    def save_model(self, request, obj, form, change):
        if not change and obj.has_usable_password():
            obj.must_change_password = True
        super().save_model(request, obj, form, change)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("at", "actor", "action", "object_type", "object_repr")
    list_filter = ("action", "object_type")
    search_fields = ("object_repr", "object_id", "actor__username", "reason")
    date_hierarchy = "at"

    # The history is evidence: nobody edits or deletes it through the admin.
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    """Reads of residents' identifiers (communities/privacy.py): evidence, read-only."""

    list_display = ("at", "actor", "kind", "resident", "field", "purpose", "client_address")
    list_filter = ("kind", "field")
    search_fields = ("actor__username", "purpose", "resident__name")
    date_hierarchy = "at"
    list_select_related = ("actor", "resident")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(TokenActivity)
class TokenActivityAdmin(admin.ModelAdmin):
    """API tokens in use, by owner and last use (sanlian/api/tokens.py); deleting revokes."""

    list_display = ("token_owner", "token_created", "last_used_at")
    list_select_related = ("token__user",)
    search_fields = ("token__user__username",)
    date_hierarchy = "last_used_at"

    @admin.display(description=_("用户"))
    def token_owner(self, obj) -> str:
        return str(obj.token.user)

    @admin.display(description=_("签发时间"))
    def token_created(self, obj):
        return obj.token.created

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def delete_model(self, request, obj) -> None:
        obj.token.delete()  # the activity row goes with it

    def delete_queryset(self, request, queryset) -> None:
        for activity in queryset.select_related("token"):
            activity.token.delete()


@admin.register(BeatLease)
class BeatLeaseAdmin(admin.ModelAdmin):
    """Which beat sends (sanlian/beat.py). Deleting the row makes a standby take over at once."""

    list_display = ("name", "holder", "expires_at")
    readonly_fields = ("name", "holder", "expires_at")

    def has_add_permission(self, request) -> bool:
        return False
