"""The floor of bench/api.py: the request list's rows with nothing but `.values()` and JSON.

Mounted at /bench/ only when settings.BENCHMARK_VIEWS is true (never in production). It
answers the same 50 rows as GET /api/v1/requests/?page_size=50 for the same token, in
the caller's scope, with no serializer, filters, throttling or count.
"""

from django.http import Http404, JsonResponse
from django.urls import path
from rest_framework.authtoken.models import Token

from services.care.queries import requests_visible_to

FIELDS = (
    "id",
    "resident_id",
    "resident__name",
    "resident__community_id",
    "resident__community__name",
    "service_type_id",
    "service_type__name",
    "preferred_days",
    "preferred_start",
    "preferred_end",
    "notes",
    "urgent",
    "channel",
    "status",
    "created_at",
    "cancelled_at",
    "cancel_reason",
)


def bench_requests(request):
    key = request.headers.get("Authorization", "").removeprefix("Token ")
    token = Token.objects.select_related("user").filter(key=key).first()
    if token is None:
        raise Http404
    rows = list(requests_visible_to(token.user).values(*FIELDS)[:50])
    return JsonResponse({"results": rows})


urlpatterns = [path("requests/", bench_requests, name="bench_requests")]
