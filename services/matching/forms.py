"""Forms of the matching pages; choices always come from the user's scoped querysets."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communities.queries import communities_visible_to
from organizations.models import Organization
from sanlian.forms import FilterForm
from sanlian.widgets import DateInput
from services.care.queries import requests_visible_to
from services.matching.queries import streets_runnable_by
from services.matching.rules import CITY, may_run_matching
from services.matching.weeks import week_check_not_past
from services.models import Match, ServiceOffering, ServiceRequest
from services.offerings.models import week_start_of
from services.offerings.queries import offerings_visible_to


def _this_week():
    return week_start_of(timezone.localdate())


class WeekField(forms.DateField):
    widget = DateInput

    def clean(self, value):
        day = super().clean(value)
        return week_start_of(day) if day else day


class RunForm(forms.Form):
    scope = forms.ChoiceField(label=_("匹配范围"))
    week_start = WeekField(
        label=_("服务周"), initial=_this_week, help_text=_("任选该周一天，按所在周（周一起）计算。")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        streets = [(f"street:{s.pk}", _("%(name)s（全街道）") % {"name": s.name}) for s in
                   streets_runnable_by(user)]  # fmt: skip
        communities = [(f"community:{c.pk}", str(c)) for c in communities_visible_to(user)]
        city = [("city", _("全市（所有街道）"))] if may_run_matching(user, CITY) else []
        self.fields["scope"].choices = city + streets + communities
        self._user = user

    def clean_week_start(self):
        week_start = self.cleaned_data["week_start"]
        try:
            week_check_not_past(week_start)
        except ValidationError as error:
            raise ValidationError(error.messages) from error
        return week_start

    def clean_scope(self) -> dict:
        kind, _sep, pk = self.cleaned_data["scope"].partition(":")
        if kind == "city":
            return {"street": None, "community": None, "city": True}
        if kind == "street":
            return {"street": streets_runnable_by(self._user).get(pk=pk), "community": None}
        return {"street": None, "community": communities_visible_to(self._user).get(pk=pk)}


class AssignForm(forms.Form):
    request = forms.ModelChoiceField(label=_("服务需求"), queryset=ServiceRequest.objects.none())
    offering = forms.ModelChoiceField(label=_("服务项目"), queryset=ServiceOffering.objects.none())
    week_start = WeekField(label=_("服务周"), initial=_this_week)
    reason = forms.CharField(label=_("指派原因"), max_length=200)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["request"].queryset = requests_visible_to(user).filter(
            status=ServiceRequest.Status.OPEN
        )
        self.fields["offering"].queryset = offerings_visible_to(user).filter(
            status=ServiceOffering.Status.ACTIVE,
            organization__status=Organization.Status.APPROVED,
        )
        self.fields["request"].label_from_instance = _request_label

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("请说明手工指派的原因。"))
        return reason


def _request_label(request: ServiceRequest) -> str:
    urgent = _("【紧急】") if request.urgent else ""
    resident = request.resident
    return f"{urgent}{resident.name}（{resident.masked_phone}）· {request.service_type}"


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("拒绝原因"), max_length=200)


class MatchFilterForm(FilterForm):
    q = forms.CharField(label=_("居民姓名"), required=False, max_length=30)
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部"))]
        + [(value, label) for value, label in Match.Status.choices if value != "proposed"],
    )
