"""Input validation shared by the API actions: a serializer's data or a 400 in DRF's form."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from sanlian.bounds import REPORT_DATE_SCHEMA, parse_report_date


def validated(serializer_class, request, **kwargs) -> dict:
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


@extend_schema_field(REPORT_DATE_SCHEMA)
class ReportDateField(serializers.Field):
    """A date the API takes: YYYY-MM-DD within sanlian.bounds' range, as the schema says."""

    def to_internal_value(self, data):
        try:
            return parse_report_date(data if isinstance(data, str) else "")
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from error

    def to_representation(self, value):
        return value.isoformat()
