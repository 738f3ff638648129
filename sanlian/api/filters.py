"""Filter pieces shared by the resources' FilterSets.

What a filter accepts is what the schema says it accepts, and nothing else answers 200: an
id is a positive 64-bit integer (one that matches no row filters to nothing, it is not an
error), a date is YYYY-MM-DD within sanlian.bounds' range, a boolean is true or false;
anything else is a 400.
"""

import django_filters
import django_filters.rest_framework
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field

from sanlian.bounds import REPORT_DATE_SCHEMA, parse_report_date

ID_MAX = 2**63 - 1
ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": ID_MAX}


class _IdField(forms.IntegerField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        # Primary keys are 64-bit: a larger number is bad input, not a lookup (SQLite
        # would raise OverflowError on it).
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        # IntegerField also reads "1.0" and " 7 ", and takes "" for no filter; the schema
        # says an integer, so only digits (a filter left out is None, not "").
        if isinstance(value, str) and not value.lstrip("-").isdigit():
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


@extend_schema_field(ID_SCHEMA)
class IdFilter(django_filters.NumberFilter):
    """A filter on a related object's id: a positive 64-bit integer, else a clear 400."""

    field_class = _IdField


_BOOLEANS = {"true": True, "false": False}


class _BooleanField(forms.Field):
    # django-filter's NullBooleanField reads "null", "unknown", "1", "yes" and more; the
    # schema says a boolean, which a query string spells true or false.
    widget = forms.TextInput

    def to_python(self, value):
        if value is None:
            return None
        if value not in _BOOLEANS:
            raise ValidationError(_("请填写 true 或 false。"), code="invalid")
        return _BOOLEANS[value]


@extend_schema_field({"type": "boolean"})
class BooleanFilter(django_filters.BooleanFilter):
    """A filter on a boolean column: `true` or `false`, else a clear 400."""

    field_class = _BooleanField


class _IntegerField(_IdField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", -ID_MAX)
        super().__init__(*args, **kwargs)


class IntegerFilter(django_filters.NumberFilter):
    """A filter on an integer column: digits only (django-filter's reads "0.5" too)."""

    field_class = _IntegerField


class _ReportDateField(forms.Field):
    def to_python(self, value):
        # A filter left out is None; an empty `?month=` is no date, so a 400 like any other.
        return parse_report_date(value) if value is not None else None


@extend_schema_field(REPORT_DATE_SCHEMA)
class ReportDateFilter(django_filters.DateFilter):
    """A date filter: YYYY-MM-DD between sanlian.bounds' first and last date, else a 400."""

    field_class = _ReportDateField


class ApiFilterSet(django_filters.rest_framework.FilterSet):
    """The base of every API FilterSet: foreign keys filtered by id, dates bounded.

    django-filter's own choice of filter for a foreign key answers 400 for an id that matches
    no row (the schema cannot know which exist), and its date filter reads any year.
    """

    FILTER_DEFAULTS = {
        **django_filters.rest_framework.FilterSet.FILTER_DEFAULTS,
        models.ForeignKey: {"filter_class": IdFilter},
        models.OneToOneField: {"filter_class": IdFilter},
        models.DateField: {"filter_class": ReportDateFilter},
        models.BooleanField: {"filter_class": BooleanFilter},
        models.IntegerField: {"filter_class": IntegerFilter},
        models.SmallIntegerField: {"filter_class": IntegerFilter},
        models.BigIntegerField: {"filter_class": IntegerFilter},
        models.PositiveIntegerField: {"filter_class": IntegerFilter},
        models.PositiveSmallIntegerField: {"filter_class": IntegerFilter},
        models.PositiveBigIntegerField: {"filter_class": IntegerFilter},
    }


class ApiFilterBackend(DjangoFilterBackend):
    """DjangoFilterBackend whose `filterset_fields` build on ApiFilterSet."""

    filterset_base = ApiFilterSet


class CreatedRangeFilterSet(ApiFilterSet):
    """`created_after` / `created_before` (inclusive dates, local time) on `created_field`."""

    created_field = "created_at"

    created_after = ReportDateFilter(method="filter_created_after")
    created_before = ReportDateFilter(method="filter_created_before")

    def filter_created_after(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset.filter(**{f"{self.created_field}__date__gte": value})

    def filter_created_before(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset.filter(**{f"{self.created_field}__date__lte": value})


def in_subquery(queryset: QuerySet, lookup: str, value) -> QuerySet:
    """Filter across a to-many relation without duplicate rows (keeps pagination counts right)."""
    model = queryset.model
    matching = model._default_manager.filter(**{lookup: value}).values("pk")
    return queryset.filter(pk__in=matching)
