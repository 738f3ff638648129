"""Password rules for staff accounts (MLPS level 3: length, character classes)."""

import string

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from sanlian.roles import STAFF

_CLASSES = (
    set(string.ascii_lowercase),
    set(string.ascii_uppercase),
    set(string.digits),
    set(string.punctuation + " "),
)


class StaffPasswordValidator:
    """Staff passwords: at least 12 characters from at least three character classes."""

    min_length = 12
    min_classes = 3

    def validate(self, password: str, user=None) -> None:
        if user is None or not (user.is_staff or getattr(user, "role", None) in STAFF):
            return
        if len(password) < self.min_length:
            raise ValidationError(
                _("工作人员密码至少需要%(n)d个字符。") % {"n": self.min_length},
                code="staff_password_too_short",
            )
        classes = sum(1 for chars in _CLASSES if chars & set(password))
        if classes < self.min_classes:
            raise ValidationError(
                _("工作人员密码需包含小写字母、大写字母、数字、符号中的至少三类。"),
                code="staff_password_too_simple",
            )

    def get_help_text(self) -> str:
        return _("工作人员密码至少12位，并包含至少三类字符（大小写字母、数字、符号）。")
