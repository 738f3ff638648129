"""Forms of the resident privacy pages: reveal, export, correction, withdrawal, anonymisation."""

from django import forms
from django.utils.translation import gettext_lazy as _

from communities.hooks import care_level_assessed
from communities.models import Resident
from communities.privacy import CORRECTABLE, REVEALABLE
from sanlian.masking import mask_phone
from sanlian.widgets import DateInput

PURPOSE_HELP = _("例如：热线回拨确认身份。用途会记入访问记录。")


class ResidentSearchForm(forms.Form):
    q = forms.CharField(label=_("姓名"), required=False)


class RevealForm(forms.Form):
    field = forms.ChoiceField(label=_("查看哪项"), choices=list(REVEALABLE.items()))
    purpose = forms.CharField(label=_("用途"), max_length=200, help_text=PURPOSE_HELP)


class ExportForm(forms.Form):
    format = forms.ChoiceField(label=_("格式"), choices=[("json", "JSON"), ("csv", "CSV")])
    purpose = forms.CharField(
        label=_("用途"), max_length=200, help_text=_("例如：居民本人申请查阅个人信息。")
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=200)


class CorrectionForm(forms.ModelForm):
    """Identifiers and the birth date (the hidden digits of the ID number) are never filled
    in: left empty they stay as they are."""

    KEEP_IF_EMPTY = ("birth_date", "id_number", "phone", "emergency_contact_phone")
    reason = forms.CharField(label=_("更正原因"), max_length=200)

    class Meta:
        model = Resident
        fields = CORRECTABLE
        widgets = {"birth_date": DateInput}

    def __init__(self, *args, instance: Resident, **kwargs):
        super().__init__(*args, instance=instance, **kwargs)
        for name in self.KEEP_IF_EMPTY:
            masked = _shown(instance, name)
            self.initial[name] = ""
            self.fields[name].required = False
            self.fields[name].widget.attrs["placeholder"] = masked
            self.fields[name].help_text = _("留空表示不修改；当前：%(value)s") % {"value": masked}
        if care_level_assessed(instance):
            # Set by the latest signed ability assessment (casework), not typed here.
            self.fields["care_level"].disabled = True
            self.fields["care_level"].help_text = _("由最近一次签字的能力评估确定。")

    def _post_clean(self):
        # Validation of the whole resident happens in the domain function (full_clean).
        pass

    def changes(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self._meta.fields}
        for name in self.KEEP_IF_EMPTY:
            if not data[name]:
                data.pop(name)
        return data


def _shown(instance: Resident, name: str) -> str:
    if name == "birth_date":
        return instance.birth_year_and_age
    return getattr(instance, f"masked_{name}", "") or mask_phone(getattr(instance, name))
