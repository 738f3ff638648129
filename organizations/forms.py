"""Forms of the organization pages: input checking only; the rules live in domain.py."""

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from communities.models import Community, Street, Venue
from organizations.models import Agreement, Category, Organization
from sanlian.bounds import DESCRIPTION_MAX_CHARS
from sanlian.forms import FilterForm
from sanlian.models import User
from sanlian.widgets import DateInput

_DATE = DateInput()


def _username_taken(username: str) -> bool:
    return User.objects.filter(username__iexact=username).exists()


def _grouped(queryset, group_of) -> list:
    groups: dict[str, list] = {}
    for item in queryset:
        groups.setdefault(group_of(item), []).append((item.pk, item.name))
    return list(groups.items())


def _bound_groups(bound_field) -> list:
    checkboxes = iter(bound_field.subwidgets)
    return [
        (label, [next(checkboxes) for _option in options])
        for label, options in bound_field.field.choices
    ]


class RegistrationForm(forms.ModelForm):
    description = forms.CharField(
        label=_("简介"),
        required=False,
        max_length=DESCRIPTION_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    communities = forms.ModelMultipleChoiceField(
        label=_("意向服务社区"),
        queryset=Community.objects.select_related("street").order_by("street__name", "name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    streets = forms.ModelMultipleChoiceField(
        label=_("意向服务街道（选中即包含该街道所有社区）"),
        queryset=Street.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    username = forms.CharField(
        label=_("联系人登录用户名"), max_length=150, help_text=_("审核通过后用此账户登录。")
    )
    password = forms.CharField(label=_("登录密码"), widget=forms.PasswordInput, strip=False)
    password_again = forms.CharField(
        label=_("再次输入密码"), widget=forms.PasswordInput, strip=False
    )

    class Meta:
        model = Organization
        fields = [
            "name",
            "credit_code",
            "category",
            "legal_representative",
            "contact_name",
            "contact_phone",
            "email",
            "address",
            "description",
            "home_street",
        ]
        error_messages = {
            "name": {"unique": _("该组织名称已经登记过。")},
            "credit_code": {"unique": _("该统一社会信用代码已经登记过。")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # 150 communities and 35 streets as one flat list were a 6,400-pixel page: they are
        # shown grouped by district and street, with a search box (issue 21, item 11).
        communities = self.fields["communities"]
        communities.queryset = communities.queryset.select_related("street__district").order_by(
            "street__district__name", "street__name", "name"
        )
        communities.choices = _grouped(
            communities.queryset, lambda c: f"{c.street.district.name} · {c.street.name}"
        )
        streets = self.fields["streets"]
        streets.queryset = streets.queryset.select_related("district").order_by(
            "district__name", "name"
        )
        streets.choices = _grouped(streets.queryset, lambda s: s.district.name)

    @property
    def area_groups(self) -> dict:
        """{field name: [(group label, [its checkboxes])]} for the two area fields."""
        return {name: _bound_groups(self[name]) for name in ("communities", "streets")}

    def clean_credit_code(self) -> str:
        return self.cleaned_data["credit_code"].strip().upper()

    def clean_username(self) -> str:
        # Whether it is taken is not said here: that would list the accounts to anyone
        # (organization_register e-mails the registrant instead).
        return self.cleaned_data["username"].strip()

    def clean(self) -> dict:
        cleaned = super().clean()
        password, again = cleaned.get("password"), cleaned.get("password_again")
        if password and again and password != again:
            self.add_error("password_again", _("两次输入的密码不一致。"))
        if not cleaned.get("communities") and not cleaned.get("streets"):
            self.add_error("communities", _("请至少选择一个意向服务的社区或街道。"))
        return cleaned


class ReviewFilterForm(FilterForm):
    OLDER_THAN = [("", _("不限")), ("3", _("3天以上")), ("7", _("7天以上")), ("30", _("30天以上"))]

    q = forms.CharField(label=_("名称或信用代码"), required=False)
    status = forms.ChoiceField(
        label=_("状态"),
        choices=[("", _("全部")), *list(Organization.Status.choices)],
        required=False,
    )
    category = forms.ChoiceField(
        label=_("类别"), choices=[("", _("全部")), *list(Category.choices)], required=False
    )
    street = forms.ModelChoiceField(label=_("街道"), queryset=Street.objects.none(), required=False)
    older_than = forms.ChoiceField(label=_("提交时间"), choices=OLDER_THAN, required=False)

    def __init__(self, *args, streets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["street"].queryset = streets


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("原因或意见"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ProfileForm(forms.Form):
    legal_representative = forms.CharField(label=_("法定代表人"), max_length=30)
    contact_name = forms.CharField(label=_("联系人"), max_length=30)
    contact_phone = forms.CharField(
        label=_("联系电话"),
        max_length=11,
        required=False,
        help_text=_("不修改请留空。"),
    )
    email = forms.EmailField(label=_("电子邮箱"))
    address = forms.CharField(label=_("地址"), max_length=120)
    description = forms.CharField(
        label=_("简介"),
        required=False,
        max_length=DESCRIPTION_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    wants_to_serve = forms.ModelMultipleChoiceField(
        label=_("意向服务社区"),
        queryset=Community.objects.select_related("street").order_by("street__name", "name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class InviteForm(forms.Form):
    username = forms.CharField(label=_("登录用户名"), max_length=150)
    display_name = forms.CharField(label=_("姓名"), max_length=50)
    email = forms.EmailField(label=_("电子邮箱"), required=False)

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        if _username_taken(username):
            raise forms.ValidationError(_("该用户名已被使用，请换一个。"))
        return username


class AgreementRequestForm(forms.Form):
    community = forms.ModelChoiceField(label=_("社区"), queryset=Community.objects.none())
    venue = forms.ModelChoiceField(
        label=_("拟使用场地（须属于该社区）"),
        queryset=Venue.objects.none(),
        required=False,
        help_text=_("先选择社区，再从该社区的场地中选择。"),
    )
    start_date = forms.DateField(label=_("开始日期"), widget=_DATE)
    end_date = forms.DateField(label=_("结束日期"), widget=_DATE, required=False)
    note = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities.order_by("street__name", "name")
        # Only the chosen community's venues are offered, and so only they validate.
        self.fields["community"].widget.attrs.update(
            {
                "hx-get": reverse("organizations:agreement_venue_options"),
                "hx-target": "#id_venue",
                "hx-trigger": "change",
            }
        )
        community = self["community"].value()
        if community and str(community).isdigit():
            self.fields["venue"].queryset = (
                Venue.objects.select_related("community")
                .filter(community__in=communities.filter(pk=community))
                .order_by("name")
            )


class AgreementFilterForm(FilterForm):
    q = forms.CharField(label=_("组织或社区"), required=False)
    status = forms.ChoiceField(
        label=_("状态"),
        choices=[("", _("全部")), *list(Agreement.Status.choices)],
        required=False,
    )
