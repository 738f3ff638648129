"""Routes of /api/v1/ (DESIGN.md section 6).

The plumbing keeps authentication, dashboard tokens and the schema; every app adds its
own resources from its `api_urls.py`, named by string so this package imports no app.
"""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from sanlian.api.auth import DashboardTokenViewSet, OwnTokenViewSet, TokenView
from sanlian.api.root import ApiRootView

app_name = "api"

router = SimpleRouter()
router.register("dashboard-tokens", DashboardTokenViewSet, basename="dashboard-token")
router.register("auth/tokens", OwnTokenViewSet, basename="own-token")

APP_ROUTES = (
    "communities.api_urls",
    "organizations.api_urls",
    "socialworkers.api_urls",
    "services.api_urls",
    "casework.api_urls",
    "projects.api_urls",
    "activities.api_urls",
    "reporting.api_urls",
)

urlpatterns = [
    path("", ApiRootView.as_view(), name="root"),
    path("auth/token/", TokenView.as_view(), name="token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up code as a script of its own (docs/?script),
    # so the page runs under the CSP's script-src 'self' without an inline exception.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("", include(router.urls)),
    *(path("", include(module)) for module in APP_ROUTES),
]
