"""Filter form of the community list."""

from django import forms
from django.utils.translation import gettext_lazy as _

from communities.models import PilotBatch, Street
from sanlian.forms import FilterForm


class CommunityFilterForm(FilterForm):
    q = forms.CharField(label=_("名称或代码"), required=False)
    street = forms.ModelChoiceField(label=_("街道"), queryset=Street.objects.none(), required=False)
    pilot_batch = forms.ChoiceField(
        label=_("试点批次"),
        choices=[("", _("全部")), *[c for c in PilotBatch.choices if c[0]]],
        required=False,
    )
    below_target = forms.BooleanField(label=_("仅看社工未达标"), required=False)

    def __init__(self, *args, streets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["street"].queryset = streets
