"""Forms of the social-worker and volunteer registry pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from communities.models import Community
from organizations.models import Organization
from sanlian.forms import FilterForm
from sanlian.widgets import DateInput
from socialworkers.models import Skill, SocialWorker, Volunteer, VolunteerTeam

_KEEP_PHONE = _("不修改请留空。")


def _skills_field() -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        label=_("技能"),
        queryset=Skill.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class SocialWorkerForm(forms.ModelForm):
    communities = forms.ModelMultipleChoiceField(
        label=_("服务社区"), queryset=Community.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    skills = _skills_field()

    class Meta:
        model = SocialWorker
        fields = ["name", "phone", "qualification", "certificate_number", "organization", "active"]
        error_messages = {"certificate_number": {"unique": _("该证书编号已经登记过。")}}

    def __init__(self, *args, communities, organizations, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["communities"].queryset = communities
        self.fields["organization"].queryset = organizations
        self.fields["organization"].required = False
        if editing:
            # The stored number is never echoed back into the page in full.
            self.fields["phone"].help_text = _KEEP_PHONE
            self.initial["phone"] = ""


class VolunteerTeamForm(forms.ModelForm):
    class Meta:
        model = VolunteerTeam
        fields = ["name", "community", "leader", "founded_on"]
        widgets = {"founded_on": DateInput}
        # An id posted from outside the user's area gets the domain's words.
        error_messages = {
            "name": {"unique": _("该队名已经使用过。")},
            "community": {"invalid_choice": _("只能选择您管辖范围内的社区。")},
            "leader": {"invalid_choice": _("只能选择您管辖范围内的社工。")},
        }

    def __init__(self, *args, communities, leaders, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities
        self.fields["leader"].queryset = leaders


class VolunteerForm(forms.ModelForm):
    skills = _skills_field()

    class Meta:
        model = Volunteer
        fields = ["name", "phone", "team"]
        error_messages = {"team": {"invalid_choice": _("只能选择您管辖范围内的服务队。")}}

    def __init__(self, *args, teams, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        self.fields["team"].required = True
        if editing:
            self.fields["phone"].help_text = _KEEP_PHONE
            self.initial["phone"] = ""


class SocialWorkerFilterForm(FilterForm):
    q = forms.CharField(label=_("姓名或证书编号"), required=False)
    skill = forms.ModelChoiceField(label=_("技能"), queryset=Skill.objects.all(), required=False)
    community = forms.ModelChoiceField(
        label=_("社区"), queryset=Community.objects.none(), required=False
    )
    qualification = forms.ChoiceField(
        label=_("职业资格"),
        choices=[("", _("全部")), *SocialWorker.Qualification.choices],
        required=False,
    )

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities


class TeamFilterForm(FilterForm):
    q = forms.CharField(label=_("队名"), required=False)
    community = forms.ModelChoiceField(
        label=_("社区"), queryset=Community.objects.none(), required=False
    )

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities


class VolunteerFilterForm(FilterForm):
    q = forms.CharField(label=_("姓名"), required=False)
    skill = forms.ModelChoiceField(label=_("技能"), queryset=Skill.objects.all(), required=False)
    team = forms.ModelChoiceField(
        label=_("服务队"), queryset=VolunteerTeam.objects.none(), required=False
    )

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams


def approved_organizations(queryset):
    return queryset.filter(status=Organization.Status.APPROVED)
