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
