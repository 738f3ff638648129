"""Input validation shared by the API actions: a serializer's data or a 400 in DRF's form."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty

from sanlian.bounds import REPORT_DATE_SCHEMA, parse_report_date
from sanlian.validators import (
    CREDIT_CODE_FORMAT,
    CREDIT_CODE_PATTERN,
    MOBILE_PATTERN,
    validate_credit_code,
    validate_mobile,
)


def query_data(request) -> dict:
    """The query string as a plain dict (the last value of a repeated name, as QueryDict reads
    it): DRF reads an empty value in a QueryDict as "not given" (`?pilot_batch=` would be no
    filter), where the schema refuses an empty value the field's type does not admit."""
    return request.query_params.dict()


class StrictTextField(serializers.CharField):
    """Text as the schema says it: a JSON string. DRF's CharField turns a number into its
    digits (`{"reason": 0}` would be stored as the reason "0"); this one refuses it. Every
    text a request body writes is one (tests/api/test_conventions.py walks them all)."""

    default_error_messages = {"invalid": _("请填写文字，不能是数字或其他类型。")}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


PASSWORD_FORMAT = "password"  # noqa: S105 - the OpenAPI format's name, not a password


@extend_schema_field(
    {
        "type": "string",
        "format": PASSWORD_FORMAT,
        "minLength": 8,
        "writeOnly": True,
        "description": (
            "至少 8 位，不能全是数字，不能是常见密码，不能与用户名、联系人或邮箱相近。"
            "At least 8 characters, not all digits, not a common password, not like the "
            "username, contact name or e-mail (Django's password validators)."
        ),
    }
)
class PasswordField(StrictTextField):
    """A new account's password: the schema names the rules a pattern cannot state."""

    def __init__(self, **kwargs):
        # min_length as MinimumLengthValidator's; DRF's own schema would say 1 otherwise.
        super().__init__(write_only=True, min_length=8, style={"input_type": "password"}, **kwargs)


@extend_schema_field({"type": "string", "maxLength": 2000, "pattern": r"\S"})
class RequiredTextField(StrictTextField):
    """Text that must say something: DRF trims it, so blank or spaces only is a 400, and the
    schema's pattern (a character that is not a space) says so."""

    def __init__(self, **kwargs):
        super().__init__(max_length=2000, **kwargs)


def validated(serializer_class, request, **kwargs) -> dict:
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


@extend_schema_field(REPORT_DATE_SCHEMA)
class ReportDateField(serializers.Field):
    """A date the API takes: YYYY-MM-DD within sanlian.bounds' range, as the schema says."""

    def get_value(self, dictionary):
        # DRF reads an empty query value as "not given"; the schema's pattern refuses it.
        return dictionary.get(self.field_name, empty)

    def to_internal_value(self, data):
        try:
            return parse_report_date(data if isinstance(data, str) else "")
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from error

    def to_representation(self, value):
        return value.isoformat()


@extend_schema_field({"type": "string", "pattern": MOBILE_PATTERN, "example": "13812345678"})
class MobileField(StrictTextField):
    """A mainland mobile number; the schema states its shape."""

    def __init__(self, **kwargs):
        super().__init__(max_length=11, validators=[validate_mobile], **kwargs)


@extend_schema_field(
    {
        "type": "string",
        "format": CREDIT_CODE_FORMAT,
        "pattern": CREDIT_CODE_PATTERN,
        "description": "GB 32100-2015, with its mod 31 check character (the 18th).",
    }
)
class CreditCodeField(StrictTextField):
    """A unified social credit code; the schema states its shape and names its check."""

    def __init__(self, **kwargs):
        super().__init__(max_length=18, validators=[validate_credit_code], **kwargs)
