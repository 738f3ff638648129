"""Routes of /api/v1/ (DESIGN.md section 6)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from communities.api import (
    CommunityViewSet,
    DistrictViewSet,
    ResidentViewSet,
    StreetViewSet,
    VenueViewSet,
)
from organizations.api import AgreementViewSet, OrganizationViewSet
from sanlian.api import stats_views
from sanlian.api.auth import DashboardTokenViewSet, TokenView
from services.api import (
    MatchViewSet,
    OfferingViewSet,
    RequestViewSet,
    ServiceTypeViewSet,
    VisitViewSet,
)
from services.api_allowances import (
    CareAccountViewSet,
    LedgerEntryViewSet,
    SettlementStatementViewSet,
)
from socialworkers.api import SocialWorkerViewSet, VolunteerTeamViewSet, VolunteerViewSet

app_name = "api"

router = DefaultRouter()
router.register("districts", DistrictViewSet, basename="district")
router.register("streets", StreetViewSet, basename="street")
router.register("communities", CommunityViewSet, basename="community")
router.register("venues", VenueViewSet, basename="venue")
router.register("residents", ResidentViewSet, basename="resident")
router.register("organizations", OrganizationViewSet, basename="organization")
router.register("agreements", AgreementViewSet, basename="agreement")
router.register("social-workers", SocialWorkerViewSet, basename="social-worker")
router.register("volunteer-teams", VolunteerTeamViewSet, basename="volunteer-team")
router.register("volunteers", VolunteerViewSet, basename="volunteer")
router.register("service-types", ServiceTypeViewSet, basename="service-type")
router.register("offerings", OfferingViewSet, basename="offering")
router.register("requests", RequestViewSet, basename="request")
router.register("matches", MatchViewSet, basename="match")
router.register("visits", VisitViewSet, basename="visit")
router.register("dashboard-tokens", DashboardTokenViewSet, basename="dashboard-token")
router.register("care-accounts", CareAccountViewSet, basename="care-account")
router.register("ledger-entries", LedgerEntryViewSet, basename="ledger-entry")
router.register("settlements", SettlementStatementViewSet, basename="settlement")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="token"),
    path("stats/overview/", stats_views.OverviewView.as_view(), name="stats-overview"),
    path("stats/communities/", stats_views.CommunitiesView.as_view(), name="stats-communities"),
    path("stats/streets/", stats_views.StreetsView.as_view(), name="stats-streets"),
    path("stats/districts/", stats_views.DistrictsView.as_view(), name="stats-districts"),
    path("stats/weekly/", stats_views.WeeklyView.as_view(), name="stats-weekly"),
    path("stats/allowances/", stats_views.AllowancesView.as_view(), name="stats-allowances"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("", include(router.urls)),
]
