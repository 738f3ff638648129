"""Admin helpers: the scoped queries apply in the admin too, and identifiers stay masked."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from sanlian.masking import mask_id_number, mask_phone


class ScopedAdmin(admin.ModelAdmin):
    """Non-superusers see only what the entity's `*_visible_to(user)` lets them see."""

    scope = None  # a function user -> QuerySet, from the app's queries.py

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser or self.scope is None:
            return queryset
        return queryset.filter(pk__in=type(self).scope(request.user).values("pk"))


def masked_column(field: str, kind: str, label):
    """A list_display column showing `field` masked as an ID number or a phone."""
    masker = mask_id_number if kind == "id" else mask_phone

    @admin.display(description=label)
    def column(obj):
        return masker(getattr(obj, field))

    column.__name__ = f"masked_{field}"
    return column


MASKED_ID = masked_column("id_number", "id", _("身份证号码"))

MASKED_PHONE = masked_column("phone", "phone", _("联系电话"))


@admin.display(description=_("出生年份（年龄）"), ordering="birth_date")
def BIRTH_YEAR_AND_AGE(obj) -> str:
    """The birth date would give back the digits MASKED_ID hides."""
    return obj.birth_year_and_age


class JobAdmin(admin.ModelAdmin):
    """Background jobs are records of what ran: read-only, like the history.

    Not deletable either: an export's file is removed with its retention
    (`exports_expire`), which a deleted row would leave behind on the shared volume.
    """

    list_filter = ("status",)
    search_fields = ("owner__username",)
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class MaskedPhoneFormMixin:
    """An admin change form that never sends a stored phone number to the browser.

    The field of an existing object starts empty, with the masked number as its
    placeholder: left empty it keeps the number, a new number replaces it.
    """

    masked_phone_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            return
        for name in self.masked_phone_fields:
            if name in self.fields:
                self.initial[name] = ""
                field = self.fields[name]
                field.required = False
                field.widget.attrs["placeholder"] = mask_phone(getattr(self.instance, name))
                field.help_text = _("留空则保持原号码不变。")

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is not None:
            for name in self.masked_phone_fields:
                if name in self.fields and not cleaned.get(name):
                    cleaned[name] = getattr(self.instance, name)
        return cleaned


def masked_phone_form(*fields: str, base=forms.ModelForm):
    """A ModelAdmin `form` whose `fields` are phone numbers shown masked."""
    return type("MaskedPhoneForm", (MaskedPhoneFormMixin, base), {"masked_phone_fields": fields})
