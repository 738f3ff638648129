from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from sanlian.lockout import login_failed, login_is_locked, login_succeeded


class LockoutAuthenticationForm(AuthenticationForm):
    """Django's login form with the lockout of `sanlian.lockout` in front of it."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": _("登录失败次数过多，请15分钟后再试。"),
    }

    locked = False

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        if login_is_locked(username=username):
            self.locked = True
            raise forms.ValidationError(self.error_messages["locked"], code="locked")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            login_failed(username=username)
            raise
        login_succeeded(username=username)
        return cleaned
