"""Password reset by e-mail: Django's flow, made safe to leave open to anyone.

- The request page answers the same whether or not an account has that e-mail address,
  and whether or not a mail went out, so it tells nobody who has an account.
- Requests are limited per client address (as sanlian/client_address.py resolves it, so a
  forged X-Forwarded-For buys nothing) and per e-mail address (beyond that, silently no
  mail: the answer stays the same).
- The link works PASSWORD_RESET_TIMEOUT seconds and once: Django's token covers the
  password hash and the last login, so it dies when the password changes.
- A reset ends the user's other browser sessions (their session hash no longer matches the
  new password) and deletes their API tokens; the password is now their own, so a forced
  change (User.must_change_password) is lifted.
"""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from sanlian.api.tokens import user_tokens_end
from sanlian.client_address import client_address
from sanlian.rate_limit import rate_limit_take

HOUR = 60 * 60


class ThrottledPasswordResetForm(PasswordResetForm):
    """Django's form, refusing a client address over its hourly budget."""

    error_messages = {"throttled": _("请求过于频繁，请一小时后再试。")}

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean(self):
        cleaned = super().clean()
        if self.request is not None and not rate_limit_take(
            scope="password-reset-from",
            key=client_address(self.request),
            limit=settings.PASSWORD_RESET_ADDRESS_LIMIT,
            seconds=HOUR,
        ):
            raise ValidationError(self.error_messages["throttled"], code="throttled")
        return cleaned

    def get_users(self, email):
        # Counted per address typed, existing or not, so the budget reveals nothing either.
        if not rate_limit_take(
            scope="password-reset-for",
            key=email.strip().lower(),
            limit=settings.PASSWORD_RESET_ACCOUNT_LIMIT,
            seconds=HOUR,
        ):
            return iter(())
        return super().get_users(email)


class PasswordResetView(auth_views.PasswordResetView):
    form_class = ThrottledPasswordResetForm
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if "throttled" in {e.code for e in form.errors.as_data().get("__all__", [])}:
            response.status_code = 429
        return response


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "reset_minutes": _reset_minutes()}


def _reset_minutes() -> int:
    return settings.PASSWORD_RESET_TIMEOUT // 60


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")
    post_reset_login = False

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.user
        user_tokens_end(user=user)
        if user.must_change_password:
            user.must_change_password = False
            user.save(update_fields=["must_change_password"])
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"
