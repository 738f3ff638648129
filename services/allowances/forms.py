"""Forms of the allowance and settlement pages: input shape only, rules live in the domain."""

import datetime
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from communities.models import Community, District, Resident
from organizations.models import Organization
from sanlian.forms import FilterForm
from sanlian.widgets import DateInput
from services.models import AllowanceRule, SettlementStatement


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m")


def month_field(label, *, required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        input_formats=["%Y-%m", "%Y-%m-%d"],
        widget=MonthInput,
        error_messages={"invalid": _("请按“年-月”填写，例如 2026-03。")},
    )


class AllowanceRuleForm(forms.ModelForm):
    care_levels = forms.MultipleChoiceField(
        label=_("照护等级"),
        choices=Resident.CareLevel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选表示不限照护等级。"),
    )
    monthly_amount_yuan = forms.DecimalField(
        label=_("每月金额（元）"),
        min_value=Decimal("0.01"),
        max_value=Decimal("100000"),
        decimal_places=2,
    )

    class Meta:
        model = AllowanceRule
        fields = [
            "name",
            "min_age",
            "max_age",
            "care_levels",
            "living_alone_only",
            "low_income_only",
            "district",
            "community",
            "stacking",
            "valid_from",
            "valid_to",
        ]
        widgets = {"valid_from": DateInput, "valid_to": DateInput}
        help_texts = {
            "stacking": _(
                "叠加发放：符合条件即发放；取最高一项：同时符合多项“取最高”规则时只发金额最高的一项。"
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = District.objects.order_by("code")
        self.fields["community"].queryset = Community.objects.order_by("code")
        if self.instance.pk:
            self.initial["monthly_amount_yuan"] = Decimal(self.instance.monthly_amount_fen) / 100

    def clean(self):
        data = super().clean()
        amount = data.get("monthly_amount_yuan")
        if amount is not None:
            self.instance.monthly_amount_fen = int(amount * 100)
        return data


class AccountFilterForm(FilterForm):
    q = forms.CharField(label=_("居民姓名"), required=False, max_length=30)
    community = forms.ModelChoiceField(
        label=_("社区"), queryset=Community.objects.none(), required=False
    )

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities


class ReverseForm(forms.Form):
    reason = forms.CharField(
        label=_("更正原因"), max_length=200, widget=forms.Textarea(attrs={"rows": 2})
    )


class StatementFilterForm(FilterForm):
    month = month_field(_("月份"), required=False)
    status = forms.ChoiceField(
        label=_("状态"),
        choices=[("", _("全部")), *SettlementStatement.Status.choices],
        required=False,
    )


class StatementGenerateForm(forms.Form):
    month = month_field(_("结算月份"))
    organization = forms.ModelChoiceField(
        label=_("社会组织"), queryset=Organization.objects.none(), required=False
    )

    def __init__(self, *args, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organizations is None:
            del self.fields["organization"]
        else:
            self.fields["organization"].queryset = organizations
            self.fields["organization"].required = True


class TotalsForm(FilterForm):
    month = month_field(_("月份"), required=False)
    approved_only = forms.BooleanField(label=_("只统计已审核"), required=False)

    def month_or_default(self, default: datetime.date | None = None) -> datetime.date:
        if self.is_bound and self.is_valid() and self.cleaned_data["month"]:
            return self.cleaned_data["month"].replace(day=1)
        return (default or datetime.date.today()).replace(day=1)
