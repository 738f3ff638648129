"""Page forms: parse what people type (yuan, rubric lines, budget lines); the domain decides."""

from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _

from communities.models import Street
from organizations.models import Category
from projects.domain import CATEGORY_TARGET_MAX
from projects.models import Incubation, ServiceTarget
from sanlian.widgets import DateInput
from services.offerings.models import ServiceType


def to_fen(value: Decimal) -> int:
    return int((value * 100).to_integral_value())


def yuan_field(label, **kwargs) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, min_value=Decimal("0.01"), max_digits=12, decimal_places=2, **kwargs
    )


def _parse_lines(text: str, *, number) -> list[tuple[str, object]]:
    """Lines of "name：number" (full- or half-width colon) into pairs."""
    pairs = []
    for raw in text.splitlines():
        line = raw.strip().replace("：", ":")
        if not line:
            continue
        name, sep, amount = line.rpartition(":")
        if not sep or not name.strip():
            raise forms.ValidationError(_("每行写成“名称：数值”。"))
        try:
            pairs.append((name.strip(), number(amount.strip())))
        except (ValueError, InvalidOperation) as error:
            raise forms.ValidationError(_("“%(line)s”的数值无法识别。") % {"line": line}) from error
    return pairs


class CallForm(forms.Form):
    title = forms.CharField(label=_("项目名称"), max_length=100)
    purpose = forms.CharField(label=_("项目目的"), widget=forms.Textarea(attrs={"rows": 3}))
    categories = forms.MultipleChoiceField(
        label=_("可申报的组织类别"), choices=Category.choices, widget=forms.CheckboxSelectMultiple
    )
    street = forms.ModelChoiceField(
        label=_("发布街道"),
        queryset=Street.objects.none(),
        required=False,
        help_text=_("街道工作人员必选；市民政局发布的项目留空。"),
    )
    communities = forms.ModelMultipleChoiceField(
        label=_("服务社区"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    budget_ceiling_yuan = yuan_field(_("预算上限（元）"))
    opens_on = forms.DateField(label=_("申报开始日期"), widget=DateInput())
    closes_on = forms.DateField(label=_("申报截止日期"), widget=DateInput())
    criteria = forms.CharField(
        label=_("评分标准"),
        widget=forms.Textarea(attrs={"rows": 4}),
        initial="方案可行性：40\n团队能力：30\n预算合理性：30",
        help_text=_("每行一项：名称：满分"),
    )
    target_service_types = forms.ModelMultipleChoiceField(
        label=_("指标：服务类型"), queryset=ServiceType.objects.order_by("name")
    )
    target_quantity = forms.IntegerField(label=_("指标：完成上门服务人次"), min_value=1)
    target_starts_on = forms.DateField(label=_("指标：统计开始日期"), widget=DateInput())
    target_ends_on = forms.DateField(label=_("指标：统计结束日期"), widget=DateInput())
    target_min_rating = forms.DecimalField(
        label=_("指标：最低平均满意度"), min_value=1, max_value=5, decimal_places=2, required=False
    )
    target_activities = forms.IntegerField(
        label=_("指标：举办社区活动场次"),
        min_value=1,
        required=False,
        help_text=_("可选；同一统计期和社区，按活动签到记录计算。"),
    )
    target_assessments = forms.IntegerField(
        label=_("指标：完成能力评估人数"),
        min_value=1,
        required=False,
        help_text=_("可选；同一统计期和社区，按已签字的能力评估计算。"),
    )

    def __init__(self, *args, communities, streets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["communities"].queryset = communities
        self.fields["street"].queryset = streets

    def clean_criteria(self):
        return _parse_lines(self.cleaned_data["criteria"], number=int)

    def domain_arguments(self) -> dict:
        data = self.cleaned_data
        communities = list(data["communities"])
        return {
            "title": data["title"],
            "purpose": data["purpose"],
            "categories": data["categories"],
            "street": data["street"],
            "communities": communities,
            "budget_ceiling_fen": to_fen(data["budget_ceiling_yuan"]),
            "opens_on": data["opens_on"],
            "closes_on": data["closes_on"],
            "criteria": data["criteria"],
            "targets": [
                {
                    "service_types": list(data["target_service_types"]),
                    "communities": communities,
                    "starts_on": data["target_starts_on"],
                    "ends_on": data["target_ends_on"],
                    "quantity": data["target_quantity"],
                    "min_mean_rating": data["target_min_rating"],
                }
            ]
            + [
                {
                    "kind": kind,
                    "communities": communities,
                    "starts_on": data["target_starts_on"],
                    "ends_on": data["target_ends_on"],
                    "quantity": data[field],
                }
                for kind, field in (
                    (ServiceTarget.Kind.ACTIVITIES_HELD, "target_activities"),
                    (ServiceTarget.Kind.RESIDENTS_ASSESSED, "target_assessments"),
                )
                if data[field]
            ],
        }


class ApplicationForm(forms.Form):
    plan = forms.CharField(
        label=_("实施方案"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6})
    )
    budget_lines = forms.CharField(
        label=_("预算明细"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("每行一项：支出项目：金额（元），合计不超过预算上限"),
    )
    social_workers = forms.ModelMultipleChoiceField(
        label=_("项目社工"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    volunteer_teams = forms.ModelMultipleChoiceField(
        label=_("志愿服务队"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, social_workers, volunteer_teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["social_workers"].queryset = social_workers
        self.fields["volunteer_teams"].queryset = volunteer_teams

    def clean_budget_lines(self):
        lines = _parse_lines(self.cleaned_data["budget_lines"], number=Decimal)
        return [(item, to_fen(amount)) for item, amount in lines]


class ReviewerForm(forms.Form):
    reviewer = forms.ModelChoiceField(label=_("评审人"), queryset=None)

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].queryset = candidates


class ConflictForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("社会组织"), queryset=None)
    reason = forms.CharField(label=_("利益关系说明"), max_length=200)

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations


class ReviewForm(forms.Form):
    comment = forms.CharField(
        label=_("评审意见"), required=False, max_length=2000, widget=forms.Textarea({"rows": 3})
    )

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for criterion in self.criteria:
            self.fields[f"score_{criterion.pk}"] = forms.IntegerField(
                label=f"{criterion.name}（0–{criterion.max_points}）", min_value=0
            )

    def scores(self) -> dict[int, int]:
        return {c.pk: self.cleaned_data[f"score_{c.pk}"] for c in self.criteria}


class DecisionForm(forms.Form):
    """One award box and one reason per application, in ranking order."""

    def __init__(self, *args, ranking, **kwargs):
        super().__init__(*args, **kwargs)
        self.ranking = ranking
        for application in ranking:
            self.fields[f"award_{application.pk}"] = forms.BooleanField(
                label=_("立项"), required=False
            )
            self.fields[f"reason_{application.pk}"] = forms.CharField(
                label=_("评定理由"), max_length=500
            )

    def rows(self):
        return [(a, self[f"award_{a.pk}"], self[f"reason_{a.pk}"]) for a in self.ranking]

    def awarded_ids(self) -> set[int]:
        return {a.pk for a in self.ranking if self.cleaned_data[f"award_{a.pk}"]}

    def reasons(self) -> dict[int, str]:
        return {a.pk: self.cleaned_data[f"reason_{a.pk}"] for a in self.ranking}


class ContractForm(forms.Form):
    starts_on = forms.DateField(label=_("开始日期"), widget=DateInput())
    ends_on = forms.DateField(label=_("结束日期"), widget=DateInput())
    budget_yuan = yuan_field(_("合同金额（元）"), required=False, help_text=_("留空：按申请金额"))

    def budget_fen(self) -> int | None:
        value = self.cleaned_data["budget_yuan"]
        return None if value is None else to_fen(value)


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("节点"), max_length=60)
    due_on = forms.DateField(label=_("计划日期"), widget=DateInput())
    amount_yuan = yuan_field(_("金额（元）"))
    visits_required = forms.IntegerField(label=_("需核验的服务人次"), min_value=0, initial=0)


class PaymentRequestForm(forms.Form):
    amount_yuan = yuan_field(_("申请金额（元）"))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=200)


class IncubationStartForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("被孵化组织"), queryset=None)
    mentor = forms.ModelChoiceField(label=_("枢纽（导师）组织"), queryset=None)
    started_on = forms.DateField(label=_("入孵日期"), widget=DateInput())

    def __init__(self, *args, organizations, mentors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        self.fields["mentor"].queryset = mentors


class IncubationEndForm(forms.Form):
    stage = forms.ChoiceField(
        label=_("结果"),
        choices=[
            (Incubation.Stage.GRADUATED, Incubation.Stage.GRADUATED.label),
            (Incubation.Stage.WITHDRAWN, Incubation.Stage.WITHDRAWN.label),
        ],
    )
    ended_on = forms.DateField(label=_("出壳/退出日期"), widget=DateInput())
    outcome = forms.CharField(label=_("孵化结果说明"), max_length=1000)


class CategoryTargetForm(forms.Form):
    """One number per category for one district; empty: no target."""

    district = forms.ModelChoiceField(label=_("区"), queryset=None)

    def __init__(self, *args, districts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = districts
        for code, label in Category.choices:
            self.fields[f"target_{code}"] = forms.IntegerField(
                label=label, min_value=0, max_value=CATEGORY_TARGET_MAX, required=False
            )

    def targets(self) -> dict[str, int | None]:
        return {code: self.cleaned_data[f"target_{code}"] for code in Category.values}
