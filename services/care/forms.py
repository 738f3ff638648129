"""Forms of the resident, hotline and visit pages: input shape only, rules live in the domain."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from communities.domain import RESIDENT_FIELDS
from communities.models import Consent, Resident
from sanlian.forms import FilterForm
from sanlian.widgets import DateInput, DateTimeInput, TimeInput
from services.care.models import ReviewState, VisitStep
from services.care.verification import position_of
from services.models import CareMode, ServiceRequest, ServiceType, Visit
from services.offerings.models import WEEKDAY_NAMES
from services.offerings.queries import organizations_serving, service_types_for_residents

DATETIME_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


def _grouped_service_types(queryset) -> list:
    types = list(queryset.order_by("care_mode", "name"))
    return [("", _("请选择服务"))] + [
        (label, [(t.pk, t.name) for t in types if t.care_mode == mode])
        for mode, label in CareMode.choices
        if any(t.care_mode == mode for t in types)
    ]


class RequestForm(forms.Form):
    """A resident's own request; `residents` > 1 adds the "for whom" choice for family."""

    resident = forms.ModelChoiceField(label=_("为谁申请"), queryset=Resident.objects.none())
    service_type = forms.ModelChoiceField(
        label=_("需要什么服务"), queryset=ServiceType.objects.all()
    )
    preferred_days = forms.TypedMultipleChoiceField(
        label=_("哪几天方便"),
        choices=[(day, name) for day, name in enumerate(WEEKDAY_NAMES)],
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请至少选择一天。")},
    )
    preferred_start = forms.TimeField(
        label=_("最早几点"), initial=datetime.time(8, 0), widget=TimeInput
    )
    preferred_end = forms.TimeField(
        label=_("最晚几点"), initial=datetime.time(18, 0), widget=TimeInput
    )
    notes = forms.CharField(
        label=_("还有什么要说明的"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # Choices: organizations serving the residents' communities. A posted id outside them
    # (another community's organization, or a made-up one) gets a plain sentence.
    preferred_organization = forms.ModelChoiceField(
        label=_("希望由哪家机构服务（可不选）"),
        required=False,
        queryset=None,
        empty_label=_("不指定"),
        help_text=_("我们会尽量安排；名额已满时会安排其他机构。"),
        error_messages={
            "invalid_choice": _("该机构不为该居民所在社区提供服务，请从列出的机构中选择。")
        },
    )
    excluded_organization = forms.ModelChoiceField(
        label=_("不希望由哪家机构服务（可不选）"),
        required=False,
        queryset=None,
        empty_label=_("不回避"),
        help_text=_("例如曾经投诉过的机构；只有别无名额时才会安排它。"),
        error_messages={
            "invalid_choice": _("该机构不为该居民所在社区提供服务，请从列出的机构中选择。")
        },
    )

    def __init__(self, *args, residents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resident"].queryset = residents
        if len(residents) == 1:
            self.fields["resident"].initial = residents[0].pk
            self.fields["resident"].widget = forms.HiddenInput()
        serving = organizations_serving(residents.values("community_id"))
        self.fields["preferred_organization"].queryset = serving
        self.fields["excluded_organization"].queryset = serving
        offered = self.offered_service_types()
        self.fields["service_type"].queryset = offered
        self.fields["service_type"].choices = _grouped_service_types(offered)

    def offered_service_types(self):
        return service_types_for_residents()

    def clean(self):
        data = super().clean()
        start, end = data.get("preferred_start"), data.get("preferred_end")
        if start and end and end <= start:
            self.add_error("preferred_end", _("最晚时间要晚于最早时间。"))
        preferred, excluded = data.get("preferred_organization"), data.get("excluded_organization")
        if preferred and excluded and preferred == excluded:
            self.add_error("excluded_organization", _("同一家机构不能既指定又回避。"))
        return data


class HotlineRequestForm(RequestForm):
    """Filed by staff for one resident found on the hotline."""

    urgent = forms.BooleanField(label=_("紧急（优先处理）"), required=False)

    def __init__(self, *args, resident, **kwargs):
        residents = Resident.objects.filter(pk=resident.pk)
        super().__init__(*args, residents=residents, **kwargs)
        del self.fields["resident"]

    def offered_service_types(self):
        # Staff dispatch virtual care and help with allowances on the phone as well.
        return ServiceType.objects.all()


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("取消原因（可不填）"), required=False, max_length=200)


class FeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("您满意吗？"),
        choices=[
            (5, _("5 分 · 非常满意")),
            (4, _("4 分 · 满意")),
            (3, _("3 分 · 一般")),
            (2, _("2 分 · 不太满意")),
            (1, _("1 分 · 很不满意")),
        ],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("想说的话（可不填）"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class HotlineSearchForm(forms.Form):
    q = forms.CharField(
        label=_("手机号、手机号后4位、身份证号或姓名"),
        # What services.care.domain.residents.residents_search looks up, each by an index.
        help_text=_(
            "姓名从第一个字查起（只输姓氏也可以），或名字（姓氏后面的字）从头查，"
            "或姓名中任意连续3个及以上的字；号码须为完整手机号、后4位或完整身份证号。"
            "最多列出20位。"
        ),
        max_length=30,
        widget=forms.TextInput(attrs={"autofocus": True, "inputmode": "search"}),
    )
    purpose = forms.CharField(
        label=_("用途（按完整手机号或身份证号查找时必填，记入访问记录）"),
        max_length=200,
        required=False,
    )


class ResidentRegisterForm(forms.ModelForm):
    """A new resident phoned in; model validation checks the ID number and birth date."""

    consent_given = forms.BooleanField(
        label=_("已向居民说明并取得同意：平台可以记录和使用其信息用于安排养老服务"),
        error_messages={"required": _("没有取得同意，不能登记。")},
    )
    consent_given_by = forms.ChoiceField(
        label=_("同意人"), choices=Consent.GivenBy.choices, initial=Consent.GivenBy.SELF
    )
    guardian_name = forms.CharField(
        label=_("监护人或家属姓名（非本人同意时填写）"), required=False, max_length=30
    )

    class Meta:
        model = Resident
        fields = RESIDENT_FIELDS
        widgets = {"birth_date": DateInput}

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities
        self.fields["id_number"].required = True
        self.fields["phone"].required = True

    def clean_id_number(self):
        return (self.cleaned_data.get("id_number") or "").strip().upper()

    def clean(self):
        data = super().clean()
        if (
            data.get("consent_given_by", Consent.GivenBy.SELF) != Consent.GivenBy.SELF
            and not (data.get("guardian_name") or "").strip()
        ):
            self.add_error("guardian_name", _("请填写代为同意的监护人或家属姓名。"))
        return data


class RequestFilterForm(FilterForm):
    q = forms.CharField(label=_("居民姓名"), required=False, max_length=30)
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *ServiceRequest.Status.choices]
    )
    urgent = forms.BooleanField(label=_("只看紧急"), required=False)
    service_type = forms.ModelChoiceField(
        label=_("服务类型"), required=False, queryset=ServiceType.objects.all()
    )
    community = forms.ModelChoiceField(label=_("社区"), required=False, queryset=None)

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities


class VisitFilterForm(FilterForm):
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *Visit.Status.choices]
    )
    date_from = forms.DateField(label=_("从"), required=False, widget=DateInput)
    date_to = forms.DateField(label=_("到"), required=False, widget=DateInput)


class VisitScheduleForm(forms.Form):
    scheduled_start = forms.DateTimeField(
        label=_("服务时间"), input_formats=DATETIME_INPUT_FORMATS, widget=DateTimeInput
    )
    # A posted id outside the offered people (another organization's) gets the domain's
    # words, not "select a valid choice".
    social_worker = forms.ModelChoiceField(
        label=_("社工"),
        required=False,
        queryset=None,
        error_messages={"invalid_choice": _("该社工不属于本组织，也不服务该居民所在社区。")},
    )
    volunteer = forms.ModelChoiceField(
        label=_("志愿者"),
        required=False,
        queryset=None,
        error_messages={"invalid_choice": _("该志愿者所在服务队不服务该居民所在社区。")},
    )
    staff_member = forms.ModelChoiceField(
        label=_("组织服务人员"),
        required=False,
        queryset=None,
        error_messages={"invalid_choice": _("该人员不是本组织成员。")},
    )
    weekly = forms.BooleanField(label=_("每周同一时间重复"), required=False)
    until = forms.DateField(label=_("重复到（可不填）"), required=False, widget=DateInput)

    def __init__(self, *args, social_workers, volunteers, staff_members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["social_worker"].queryset = social_workers
        self.fields["volunteer"].queryset = volunteers
        self.fields["staff_member"].queryset = staff_members


class RescheduleForm(forms.Form):
    scheduled_start = forms.DateTimeField(
        label=_("新的服务时间"), input_formats=DATETIME_INPUT_FORMATS, widget=DateTimeInput
    )
    reason = forms.CharField(label=_("改期原因"), required=False, max_length=200)


class PositionForm(forms.Form):
    """The phone's fix, filled in by static/js/visit_position.js; all optional: a step
    without one is recorded as "no position" (or "manual" with a reason), never refused."""

    # Floats: browsers report 15 decimal places, which a DecimalField would refuse.
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)
    accuracy_m = forms.FloatField(required=False, min_value=0, widget=forms.HiddenInput)
    manual_reason = forms.CharField(
        label=_("无法定位？请说明原因（可不填）"), required=False, max_length=200
    )

    def step_arguments(self) -> dict:
        """The domain step's keyword arguments: the form's fields with the fix as a Position."""
        data = {k: v for k, v in self.cleaned_data.items() if k not in POSITION_FIELDS}
        data["position"] = position_of(
            self.cleaned_data.get("lat"),
            self.cleaned_data.get("lon"),
            self.cleaned_data.get("accuracy_m"),
        )
        data["manual_reason"] = data.get("manual_reason") or ""
        return data


POSITION_FIELDS = ("lat", "lon", "accuracy_m")


class CheckInForm(PositionForm):
    pass


class ServiceLogForm(forms.Form):
    service_log = forms.CharField(
        label=_("服务记录"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请简单记录本次服务内容。")},
    )
    # A change noticed on the visit makes the resident's ability reassessment due.
    condition_changed = forms.BooleanField(
        label=_("居民身体状况有变化（需要重新评估）"), required=False
    )
    condition_note = forms.CharField(label=_("状况变化说明"), max_length=200, required=False)


class CheckOutForm(ServiceLogForm, PositionForm):
    pass


class CompleteForm(CheckOutForm):
    """The log may already have been written at check-out; the domain insists on one.
    The position counts only when completing checks out."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service_log"].required = False


class QueuedStepForm(forms.Form):
    """The envelope of a step from the phone's offline queue (static/js/visit_queue.js)."""

    key = forms.UUIDField()
    step = forms.ChoiceField(choices=VisitStep.Kind.choices)
    device_at = forms.DateTimeField()  # ISO 8601 with its offset, from the phone's clock

    STEP_FORMS = {
        VisitStep.Kind.CHECK_IN: CheckInForm,
        VisitStep.Kind.CHECK_OUT: CheckOutForm,
        VisitStep.Kind.COMPLETE: CompleteForm,
    }


class MissedForm(forms.Form):
    reason = forms.CharField(
        label=_("未能服务的原因"),
        max_length=200,
        error_messages={"required": _("请说明未能上门服务的原因。")},
    )


class VisitReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("复核结果"),
        choices=[(ReviewState.ACCEPTED, _("认可")), (ReviewState.DISPUTED, _("有异议"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("说明（有异议时必填）"), required=False, max_length=300)


class ReviewFilterForm(FilterForm):
    state = forms.ChoiceField(label=_("复核状态"), required=False, choices=ReviewState.choices)
