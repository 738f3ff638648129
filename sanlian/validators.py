"""Validators for Chinese identifiers.

Only ASCII digits count: Python's ``\\d`` also matches Arabic-Indic and
full-width digits, which no official register accepts.
"""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_SHAPE = re.compile(r"[1-9][0-9]{16}[0-9X]", re.ASCII)

# GB 32100-2015: 31 characters (no I, O, Z, S, V) and the weights 3^i mod 31.
_CREDIT_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_SHAPE = re.compile(r"[0-9A-HJ-NP-RTUWXY]{2}[0-9]{6}[0-9A-HJ-NP-RTUWXY]{10}", re.ASCII)

_MOBILE_SHAPE = re.compile(r"1[3-9][0-9]{9}", re.ASCII)

# The shapes as the API schema states them (sanlian/api/inputs.py). The credit code's check
# character is beyond a pattern: the schema names it with a format of its own.
MOBILE_PATTERN = f"^{_MOBILE_SHAPE.pattern}$"
CREDIT_CODE_PATTERN = f"^{_CREDIT_SHAPE.pattern}$"
CREDIT_CODE_FORMAT = "cn-unified-social-credit-code"


def resident_id_check_char(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def resident_id_birth_date(value: str) -> datetime.date:
    return datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def validate_resident_id(value: str) -> None:
    """GB 11643-1999: 18 characters, a real birth date, the mod 11-2 check character."""
    if not isinstance(value, str) or len(value) != 18:
        raise ValidationError(_("身份证号码应为18位。"), code="length")
    if not _ID_SHAPE.fullmatch(value):
        raise ValidationError(
            _("身份证号码只能包含数字，最后一位可以是大写字母X。"), code="characters"
        )
    try:
        birth = resident_id_birth_date(value)
    except ValueError:
        raise ValidationError(_("身份证号码中的出生日期不存在。"), code="birth_date") from None
    if birth.year < 1900 or birth > datetime.date.today():
        raise ValidationError(_("身份证号码中的出生日期不合理。"), code="birth_date")
    if resident_id_check_char(value[:17]) != value[17]:
        raise ValidationError(_("身份证号码校验位不正确，请核对。"), code="checksum")


def credit_code_check_char(first17: str) -> str:
    total = sum(
        _CREDIT_CHARSET.index(char) * weight
        for char, weight in zip(first17, _CREDIT_WEIGHTS, strict=True)
    )
    return _CREDIT_CHARSET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    """GB 32100-2015 unified social credit code: 18 characters, mod 31 check character."""
    if not isinstance(value, str) or len(value) != 18:
        raise ValidationError(_("统一社会信用代码应为18位。"), code="length")
    if not _CREDIT_SHAPE.fullmatch(value):
        raise ValidationError(
            _("统一社会信用代码含有无效字符（只允许数字和除I、O、Z、S、V以外的大写字母）。"),
            code="characters",
        )
    if credit_code_check_char(value[:17]) != value[17]:
        raise ValidationError(_("统一社会信用代码校验位不正确，请核对。"), code="checksum")


def validate_mobile(value: str) -> None:
    """A mainland mobile number: 11 ASCII digits starting 13–19."""
    if not isinstance(value, str) or not _MOBILE_SHAPE.fullmatch(value):
        raise ValidationError(_("请输入11位中国大陆手机号码，例如13812345678。"), code="mobile")
