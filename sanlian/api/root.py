"""GET /api/v1/: the index of the API's resources, for a person exploring it in a browser.

Read from the URL configuration (every app's `api_urls.py`), so this package names no app
and a new resource is listed without an edit here.
"""

from django.urls import URLPattern, URLResolver, get_resolver, reverse
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

# Named pages that are no "-list" route but belong in the index.
_ALSO = ("token", "schema", "docs", "stats-index")


def _names(patterns) -> list[str]:
    found = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            found += _names(pattern.url_patterns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            found.append(pattern.name)
    return found


def api_index(request) -> dict[str, str]:
    api = get_resolver().namespace_dict["api"][1]
    names = [name for name in _names(api.url_patterns) if name.endswith("-list") or name in _ALSO]
    links = {}
    for name in dict.fromkeys(names):
        url = reverse(f"api:{name}")
        links[url.removeprefix("/api/v1/").rstrip("/") or name] = request.build_absolute_uri(url)
    return dict(sorted(links.items()))


class ApiRootView(APIView):
    """Sanlian API v1: the resources below, the OpenAPI schema and the interactive docs."""

    # An index of addresses, no data: readable before signing in, like the docs.
    permission_classes = [AllowAny]
    name = "Sanlian API v1"

    # A map of path to address: the keys are the resources, not one property "resource".
    @extend_schema(
        responses={
            200: {"type": "object", "additionalProperties": {"type": "string", "format": "uri"}}
        },
        description="The API's resources by path, each with its address.",
    )
    def get(self, request):
        return Response(api_index(request))
