"""API routes of communities under /api/v1/ (DESIGN.md section 6)."""

from rest_framework.routers import SimpleRouter

from communities.api import (
    CommunityViewSet,
    DistrictViewSet,
    ResidentViewSet,
    StreetViewSet,
    VenueViewSet,
)

router = SimpleRouter()
router.register("districts", DistrictViewSet, basename="district")
router.register("streets", StreetViewSet, basename="street")
router.register("communities", CommunityViewSet, basename="community")
router.register("venues", VenueViewSet, basename="venue")
router.register("residents", ResidentViewSet, basename="resident")

urlpatterns = router.urls
