"""API routes of organizations under /api/v1/ (DESIGN.md section 6)."""

from rest_framework.routers import SimpleRouter

from organizations.api import AgreementViewSet, OrganizationViewSet

router = SimpleRouter()
router.register("organizations", OrganizationViewSet, basename="organization")
router.register("agreements", AgreementViewSet, basename="agreement")

urlpatterns = router.urls
