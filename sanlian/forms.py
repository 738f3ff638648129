from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from sanlian.lockout import login_failed, login_is_locked, login_succeeded


class LockoutMixin:
    """The lockout of `sanlian.lockout` in front of one of Django's login forms."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": _("登录失败次数过多，请15分钟后再试。"),
    }

    locked = False

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        if login_is_locked(username=username, request=self.request):
            self.locked = True
            raise forms.ValidationError(self.error_messages["locked"], code="locked")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            login_failed(username=username, request=self.request)
            raise
        login_succeeded(username=username, request=self.request)
        return cleaned


class LockoutAuthenticationForm(LockoutMixin, AuthenticationForm):
    """The login page's form."""


class LockoutAdminAuthenticationForm(LockoutMixin, AdminAuthenticationForm):
    """The admin login's form: the same lockout, so /admin/login/ is no way around it."""

    error_messages = {**AdminAuthenticationForm.error_messages, **LockoutMixin.error_messages}


class FilterForm(forms.Form):
    """The GET form of a filter bar: Bootstrap classes on every control, and "全部"
    where Django would show `---------` for "no filter" (issue 21, item 10)."""

    empty_label = _("全部")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            _label_no_filter(field, self.empty_label)
            field.widget.attrs.setdefault("class", _bootstrap_class(field.widget))


def _label_no_filter(field: forms.Field, label) -> None:
    if field.required:
        return
    if isinstance(field, forms.ModelChoiceField):
        field.empty_label = label
    elif isinstance(field, forms.ChoiceField):
        field.choices = [
            ("", label) if value == "" and text == "---------" else (value, text)
            for value, text in field.choices
        ]


def _bootstrap_class(widget: forms.Widget) -> str:
    if isinstance(widget, forms.CheckboxInput | forms.RadioSelect | forms.CheckboxSelectMultiple):
        return "form-check-input"
    if isinstance(widget, forms.Select):
        return "form-select"
    return "form-control"
