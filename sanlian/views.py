"""Plumbing views: the health check that load balancers and compose poll."""

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults

from sanlian.celery import app
from sanlian.health import health_degraded, health_parts


def healthz(request: HttpRequest) -> JsonResponse:
    """Database and broker reachable: 200, else 503 with the failing part named.

    Registered parts (each notification channel's breaker) follow; one paused or failing
    says "degraded" with 200, since the web itself still serves.
    """
    checks = {"database": _database_ok(), "broker": _broker_ok(), "cache": _cache_ok()}
    parts = health_parts() if checks["database"] else {}
    status = 200 if all(checks.values()) else 503
    label = "unavailable" if status != 200 else "degraded" if health_degraded(parts) else "ok"
    return JsonResponse({"status": label, **checks, **parts}, status=status)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        return False


def _broker_ok() -> bool:
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        return False


def _cache_ok() -> bool:
    try:
        cache.set("healthz", "1", 5)
        return cache.get("healthz") == "1"
    except Exception:
        return False


def not_found(request: HttpRequest, exception):
    """A path under /api/ that no route matches (`/visits/0.5/`) answers the API's JSON
    error, as the schema documents, not the portal's HTML page."""
    if request.path.startswith("/api/"):
        body = {"detail": str(_("找不到该记录，或您无权查看。")), "errors": {}}
        return JsonResponse(body, status=404)
    return defaults.page_not_found(request, exception)
