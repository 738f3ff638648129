"""Filter pieces shared by the resources' FilterSets."""

import django_filters
from django import forms
from django.db.models import QuerySet


class CreatedRangeFilterSet(django_filters.FilterSet):
    """`created_after` / `created_before` (inclusive dates, local time) on `created_field`."""

    created_field = "created_at"

    created_after = django_filters.DateFilter(method="filter_created_after")
    created_before = django_filters.DateFilter(method="filter_created_before")

    def filter_created_after(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset.filter(**{f"{self.created_field}__date__gte": value})

    def filter_created_before(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset.filter(**{f"{self.created_field}__date__lte": value})


def in_subquery(queryset: QuerySet, lookup: str, value) -> QuerySet:
    """Filter across a to-many relation without duplicate rows (keeps pagination counts right)."""
    model = queryset.model
    matching = model._default_manager.filter(**{lookup: value}).values("pk")
    return queryset.filter(pk__in=matching)


class _IdField(forms.IntegerField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        # Primary keys are 64-bit: a larger number is bad input, not a lookup (SQLite
        # would raise OverflowError on it).
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class IdFilter(django_filters.NumberFilter):
    """A filter on a related object's id: a positive 64-bit integer, else a clear 400."""

    field_class = _IdField
