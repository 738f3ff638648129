"""Forms of social work's pages; the assessment form is built from the stored instrument."""

from django import forms
from django.utils.translation import gettext_lazy as _

from casework.models import Assessment, Case
from services.models import ServiceType
from socialworkers.models import SocialWorker

WEEKDAYS = [
    (0, _("周一")),
    (1, _("周二")),
    (2, _("周三")),
    (3, _("周四")),
    (4, _("周五")),
    (5, _("周六")),
    (6, _("周日")),
]


class AssessmentForm(forms.Form):
    """One radio group per item; any may be left empty until signing (partial saves)."""

    def __init__(self, *args, assessment: Assessment, **kwargs):
        super().__init__(*args, **kwargs)
        self.sections = []
        instrument = assessment.instrument
        for indicator in instrument.indicators.prefetch_related("items__options"):
            names = []
            for item in indicator.items.all():
                name = f"item_{item.code}"
                self.fields[name] = forms.ChoiceField(
                    label=f"{item.code} {item.name}",
                    choices=[(o.code, f"{o.score}分：{o.label}") for o in item.options.all()],
                    widget=forms.RadioSelect,
                    required=False,
                    initial=assessment.answers.get(item.code),
                )
                names.append(name)
            self.sections.append((indicator, names))
        self.fields["adjustments"] = forms.MultipleChoiceField(
            label=_("能力等级变更依据（有任一项，等级提高一级）"),
            choices=[(a.code, a.label) for a in instrument.adjustments.all()],
            widget=forms.CheckboxSelectMultiple,
            required=False,
            initial=assessment.adjustments,
        )

    def section_fields(self):
        return [(indicator, [self[name] for name in names]) for indicator, names in self.sections]

    def answers(self) -> dict[str, str]:
        return {
            name.removeprefix("item_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("item_") and value
        }


class CaseOpenForm(forms.Form):
    source = forms.ChoiceField(label=_("来源"), choices=Case.Source.choices)
    presenting_need = forms.CharField(label=_("主要需求"), max_length=200)


class CasePlanForm(forms.Form):
    goals = forms.CharField(
        label=_("服务目标"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class PlannedServiceForm(forms.Form):
    service_type = forms.ModelChoiceField(label=_("服务类型"), queryset=ServiceType.objects.all())
    preferred_days = forms.TypedMultipleChoiceField(
        label=_("希望的日期"), choices=WEEKDAYS, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    preferred_start = forms.TimeField(
        label=_("最早时间"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    preferred_end = forms.TimeField(
        label=_("最晚时间"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    goal = forms.CharField(label=_("对应目标"), max_length=200, required=False)


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("服务记录"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )


class ReviewForm(forms.Form):
    summary = forms.CharField(label=_("评估小结"), max_length=500)


class TransferForm(forms.Form):
    to_worker = forms.ModelChoiceField(label=_("转给社工"), queryset=SocialWorker.objects.none())
    reason = forms.CharField(label=_("原因"), max_length=200)

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_worker"].queryset = SocialWorker.objects.filter(
            active=True, communities=case.resident.community_id
        ).exclude(pk__in=case.social_workers.values("pk"))


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(label=_("结案结果"), choices=Case.Outcome.choices)
    note = forms.CharField(label=_("结案说明"), max_length=200, required=False)


class CallbackForm(forms.Form):
    reached = forms.TypedChoiceField(
        label=_("是否联系上居民"),
        choices=[("1", _("联系上了")), ("0", _("联系不上"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    happened_as_logged = forms.TypedChoiceField(
        label=_("服务是否如记录所述"),
        choices=[("", "—"), ("1", _("属实")), ("0", _("不属实"))],
        coerce=lambda v: v == "1",
        empty_value=None,
        required=False,
    )
    quality_score = forms.TypedChoiceField(
        label=_("质量评分"),
        choices=[("", "—")] + [(str(i), str(i)) for i in range(1, 6)],
        coerce=int,
        empty_value=None,
        required=False,
    )
    comment = forms.CharField(label=_("回访记录"), max_length=300, required=False)


class CallbackFollowUpForm(forms.Form):
    """A callback found the visit did not happen as logged: what the social worker does."""

    open_case = forms.BooleanField(label=_("为居民开个案"), required=False)
    presenting_need = forms.CharField(label=_("开个案的原因"), max_length=200, required=False)
    reverse_charge = forms.BooleanField(label=_("更正这次服务的补贴扣款"), required=False)
    reason = forms.CharField(label=_("更正原因"), max_length=150, required=False)
