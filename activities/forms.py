"""Forms of the activities, volunteering, time-bank and suggestion pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from activities.models import Activity, HelpRecord
from communities.models import Resident, Venue
from socialworkers.models import Skill, VolunteerTeam


def _when(label):
    return forms.DateTimeField(
        label=label,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class ActivityForm(forms.Form):
    title = forms.CharField(label=_("活动名称"), max_length=80)
    venue = forms.ModelChoiceField(label=_("场地"), queryset=Venue.objects.none())
    team = forms.ModelChoiceField(
        label=_("主办服务队"), queryset=VolunteerTeam.objects.none(), required=False
    )
    starts_at = _when(_("开始时间"))
    ends_at = _when(_("结束时间"))
    capacity = forms.IntegerField(label=_("名额"), min_value=1)
    open_to = forms.ChoiceField(label=_("报名范围"), choices=Activity.OpenTo.choices)
    description = forms.CharField(
        label=_("活动介绍"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, venues, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["venue"].queryset = venues
        self.fields["team"].queryset = teams
        if not teams.exists():
            del self.fields["team"]


class ResidentChoiceForm(forms.Form):
    resident = forms.ModelChoiceField(label=_("居民"), queryset=Resident.objects.none())

    def __init__(self, *args, residents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resident"].queryset = residents


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=200)


class FeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("满意度"),
        coerce=int,
        choices=[(n, "★" * n) for n in range(5, 0, -1)],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("意见"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


class PostForm(forms.Form):
    community = forms.ModelChoiceField(label=_("社区"), queryset=None)
    project = forms.CharField(label=_("所属项目"), max_length=80)
    title = forms.CharField(label=_("岗位名称"), max_length=80)
    skill = forms.ModelChoiceField(
        label=_("所需技能"), queryset=Skill.objects.all(), required=False
    )
    description = forms.CharField(
        label=_("岗位说明"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities


class ShiftForm(forms.Form):
    starts_at = _when(_("开始时间"))
    ends_at = _when(_("结束时间"))
    slots = forms.IntegerField(label=_("需要人数"), min_value=1, max_value=500)


class HelpForm(forms.Form):
    helper = forms.ModelChoiceField(label=_("服务者"), queryset=Resident.objects.none())
    helped = forms.ModelChoiceField(label=_("受助老人"), queryset=Resident.objects.none())
    kind = forms.ChoiceField(label=_("互助内容"), choices=HelpRecord.Kind.choices)
    day = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    minutes = forms.IntegerField(label=_("时长（分钟）"), min_value=1, max_value=720)
    note = forms.CharField(label=_("说明"), required=False, max_length=200)

    def __init__(self, *args, helpers, neighbours, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["helper"].queryset = helpers
        self.fields["helped"].queryset = neighbours


class SpendForm(forms.Form):
    beneficiary = forms.ModelChoiceField(label=_("受益人"), queryset=Resident.objects.none())
    minutes = forms.IntegerField(label=_("兑换时长（分钟）"), min_value=1)
    reason = forms.CharField(label=_("兑换的服务"), max_length=200)

    def __init__(self, *args, beneficiaries, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["beneficiary"].queryset = beneficiaries


class SuggestionForm(forms.Form):
    community = forms.ModelChoiceField(label=_("社区"), queryset=None)
    title = forms.CharField(label=_("标题"), max_length=80)
    body = forms.CharField(
        label=_("内容"), max_length=2000, widget=forms.Textarea(attrs={"rows": 5})
    )

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("答复"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )


class RosterForm(forms.Form):
    file = forms.FileField(label=_("名册文件（xlsx 或 csv）"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 10 * 1024 * 1024:
            raise forms.ValidationError(_("文件不能超过 10 MB。"))
        return upload
