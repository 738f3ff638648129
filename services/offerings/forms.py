from django import forms
from django.utils.translation import gettext_lazy as _

from communities.models import Community, Venue
from organizations.models import Organization
from organizations.queries import agreed_venues_of, communities_open_to
from services.models import PriceClass, ServiceType
from services.offerings.models import WEEKDAY_NAMES

_TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class OfferingForm(forms.Form):
    service_type = forms.ModelChoiceField(label=_("服务类型"), queryset=ServiceType.objects.all())
    communities = forms.ModelMultipleChoiceField(
        label=_("服务社区"),
        queryset=Community.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("仅限已签约或登记时意向服务的社区。"),
    )
    weekly_capacity = forms.IntegerField(label=_("每周服务人次"), min_value=1, max_value=10000)
    price_class = forms.ChoiceField(label=_("收费类型"), choices=PriceClass.choices)
    price_yuan = forms.DecimalField(
        label=_("单价（元）"), required=False, min_value=0, max_digits=8, decimal_places=2
    )
    venue = forms.ModelChoiceField(
        label=_("场地（日托服务必填）"), queryset=Venue.objects.none(), required=False
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=_("服务日"),
        choices=[(str(day), name) for day, name in enumerate(WEEKDAY_NAMES)],
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )
    start_time = forms.TimeField(label=_("开始时间"), widget=_TIME)
    end_time = forms.TimeField(label=_("结束时间"), widget=_TIME)
    start_time_2 = forms.TimeField(label=_("第二时段开始（可选）"), widget=_TIME, required=False)
    end_time_2 = forms.TimeField(label=_("第二时段结束（可选）"), widget=_TIME, required=False)
    description = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["communities"].queryset = communities_open_to(organization)
        self.fields["venue"].queryset = agreed_venues_of(organization)

    def clean(self) -> dict:
        cleaned = super().clean()
        second = (cleaned.get("start_time_2"), cleaned.get("end_time_2"))
        if any(second) and not all(second):
            self.add_error("end_time_2", _("第二时段请同时填写开始和结束时间。"))
        return cleaned

    def windows(self) -> list:
        data = self.cleaned_data
        slots = [(data["start_time"], data["end_time"])]
        if data.get("start_time_2") and data.get("end_time_2"):
            slots.append((data["start_time_2"], data["end_time_2"]))
        return [(day, start, end) for day in data["weekdays"] for start, end in slots]

    def offering_data(self) -> dict:
        """Keyword arguments of `offering_publish` and `offering_update`."""
        data = self.cleaned_data
        fields = ["service_type", "communities", "weekly_capacity", "price_class", "price_yuan"]
        return {
            **{field: data[field] for field in [*fields, "venue", "description"]},
            "windows": self.windows(),
        }
