"""Pagination of every API list: page numbers, or a keyset cursor for deep pages.

By page number (`?page=`), a list answers `count`/`next`/`previous`/`results`. The
count of a big list costs more than the page itself, so it is kept in the cache for
API_COUNT_CACHE_SECONDS (per query, which includes the caller's scope): it may lag
new rows by that much. OFFSET makes page 18,000 read 900,000 rows first, so a client
that walks far asks for `?cursor=` (empty for the first page) instead: the answer is
`next`/`previous`/`results`, `next` carrying an opaque cursor, and every page costs
the same because it starts at the last row's key (an index range scan, no OFFSET).
Page numbers stop at API_MAX_PAGE: a deeper page answers 400 naming the cursor, so no
single request can make the database skip millions of rows.
Cursor pages follow the list's default order (`ordering=` is ignored with `cursor`)
and go forward only (`previous` is always null).
"""

import base64
import datetime
import hashlib
import json

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

CURSOR_PARAM = "cursor"


class CachedCountPaginator(Paginator):
    """A Django paginator whose count comes from the cache while it is fresh."""

    @cached_property
    def count(self) -> int:
        seconds = getattr(settings, "API_COUNT_CACHE_SECONDS", 0)
        try:
            sql = str(self.object_list.query) if seconds else ""
        except Exception:  # an empty queryset has no SQL
            sql = ""
        if not sql:
            return super().count
        key = "api:count:" + hashlib.sha256(sql.encode()).hexdigest()
        return cache.get_or_set(key, lambda: Paginator.count.func(self), seconds)

    def page(self, number):
        # Never cut a page to a cached count: rows added since are still listed.
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        return self._get_page(_rows(self.object_list, bottom, self.per_page), number, self)


def _rows(rows, bottom: int, size: int):
    """Rows bottom … bottom + size of a list, in its order.

    Past the first page the rows skipped are keys only: one query picks the page's keys
    from the same list (`OFFSET` over the ordering, no joined or serialised columns), a
    second reads those rows whole. A plain OFFSET built every skipped row with its joins
    first (page 100 of the city's visits cost 3.8 × page 1 at 1,000,000 visits, issue
    20). The keys go in as values, not as a subquery: with `IN (SELECT … OFFSET …)`
    PostgreSQL walked the whole ordering index testing each row against the subquery
    (2.3 s for that page). A DISTINCT list keeps the plain OFFSET: its ordering need not
    be selectable by key alone."""
    window = slice(bottom, bottom + size)
    if not bottom or not isinstance(rows, QuerySet) or rows.query.distinct:
        return rows[window]
    return rows.filter(pk__in=list(rows.values_list("pk", flat=True)[window]))


class StandardPagination(PageNumberPagination):
    """`count`/`next`/`previous`/`results`; clients pick `page_size` up to 100; or `?cursor=`."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    django_paginator_class = CachedCountPaginator

    def paginate_queryset(self, queryset, request, view=None):
        self.keyset = CURSOR_PARAM in request.query_params
        if not self.keyset:
            _check_page_depth(request.query_params.get(self.page_query_param, ""))
            return super().paginate_queryset(queryset, request, view)
        self.request = request
        size = self.get_page_size(request) or self.page_size
        ordering = _keyset_ordering(queryset)
        page = list(_after(queryset.order_by(*ordering), ordering, request)[: size + 1])
        self.next_key = _key_of(page[size - 1], ordering) if len(page) > size else None
        return page[:size]

    def get_paginated_response(self, data):
        if not self.keyset:
            return super().get_paginated_response(data)
        next_url = None
        if self.next_key is not None:
            url = self.request.build_absolute_uri()
            next_url = replace_query_param(url, CURSOR_PARAM, _encode(self.next_key))
        return Response({"next": next_url, "previous": None, "results": data})

    def get_paginated_response_schema(self, schema):
        paginated = super().get_paginated_response_schema(schema)
        paginated["required"] = ["results"]  # a `?cursor=` page has no count
        paginated["properties"]["count"]["description"] = (
            "Rows in the list (page-number mode only; may lag new rows by up to "
            f"{getattr(settings, 'API_COUNT_CACHE_SECONDS', 0)} s)."
        )
        paginated["properties"]["next"]["description"] = (
            "The next page; with `?cursor=` it carries the cursor of the next page."
        )
        return paginated

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not (raw.isdigit() and int(raw) >= 1):  # DRF would quietly use the default
            raise ValidationError({self.page_size_query_param: _("每页条数应为正整数。")})
        return min(int(raw), self.max_page_size)

    def get_schema_operation_parameters(self, view):
        bounds = {
            # Deeper pages answer 400 (use the cursor); page 0 or past the last answers 404.
            self.page_query_param: {"minimum": 1, "maximum": settings.API_MAX_PAGE},
            self.page_size_query_param: {"minimum": 1},
        }
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = (
                    f"Rows per page (default {self.page_size}; more than "
                    f"{self.max_page_size} are cut to {self.max_page_size})."
                )
        return [
            *parameters,
            {
                "name": CURSOR_PARAM,
                "required": False,
                "in": "query",
                "description": (
                    "Keyset pagination for deep pages: send it empty for the first page, then "
                    "follow `next`. Every page costs the same however deep; the answer has no "
                    "`count`, keeps the list's default order and goes forward only."
                ),
                "schema": {"type": "string"},
            },
        ]


def _check_page_depth(raw: str) -> None:
    limit = settings.API_MAX_PAGE
    if raw.isdigit() and int(raw) > limit:
        raise ValidationError(
            {
                "page": _(
                    "页码最大为 %(limit)d。更深的页请使用 ?cursor=（首次留空，再按 next 翻页），"
                    "或导出整个列表。"
                )
                % {"limit": limit}
            }
        )


def _keyset_ordering(queryset) -> tuple[str, ...]:
    """The model's default order, ending on the primary key so each key is unique."""
    ordering = [f for f in queryset.model._meta.ordering if f.lstrip("-") not in ("id", "pk")]
    direction = "-" if ordering and ordering[0].startswith("-") else ""
    return (*ordering, f"{direction}id")


def _after(queryset, ordering: tuple[str, ...], request):
    raw = request.query_params.get(CURSOR_PARAM, "")
    if not raw:
        return queryset
    try:
        values = json.loads(base64.urlsafe_b64decode(raw.encode() + b"==="))
        if not isinstance(values, list) or len(values) != len(ordering):
            raise ValueError
        values = [
            _value(queryset.model, field, value)
            for field, value in zip(ordering, values, strict=True)
        ]
    except (ValueError, TypeError, json.JSONDecodeError) as error:
        raise NotFound("无效的游标。") from error
    # (a, b, id) after (x, y, z): a bounding range on the first field (which the index can
    # seek to), then the exact lexicographic condition.
    first, first_value = ordering[0].lstrip("-"), values[0]
    past = "lt" if ordering[0].startswith("-") else "gt"
    bound = "lte" if past == "lt" else "gte"
    condition = Q()
    for depth in range(len(ordering) - 1, -1, -1):
        field = ordering[depth].lstrip("-")
        op = "lt" if ordering[depth].startswith("-") else "gt"
        step = Q(**{f"{field}__{op}": values[depth]})
        for equal in range(depth):
            step &= Q(**{ordering[equal].lstrip("-"): values[equal]})
        condition |= step
    return queryset.filter(Q(**{f"{first}__{bound}": first_value}), condition)


def _value(model, field: str, value):
    name = field.lstrip("-")
    internal = model._meta.pk if name in ("id", "pk") else model._meta.get_field(name)
    if internal.get_internal_type() == "DateTimeField":
        parsed = parse_datetime(value)
        if parsed is None:
            raise ValueError(value)
        return parsed
    return internal.to_python(value)


def _key_of(row, ordering: tuple[str, ...]) -> list:
    names = [field.lstrip("-") for field in ordering]
    if isinstance(row, dict):  # a `.values()` list
        return [row["id" if n == "pk" else n] for n in names]
    meta = row._meta
    return [getattr(row, "pk" if n in ("id", "pk") else meta.get_field(n).attname) for n in names]


def _encode(key: list) -> str:
    plain = [v.isoformat() if isinstance(v, datetime.datetime | datetime.date) else v for v in key]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")
