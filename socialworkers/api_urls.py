"""API routes of socialworkers under /api/v1/ (DESIGN.md section 6)."""

from rest_framework.routers import SimpleRouter

from socialworkers.api import SocialWorkerViewSet, VolunteerTeamViewSet, VolunteerViewSet

router = SimpleRouter()
router.register("social-workers", SocialWorkerViewSet, basename="social-worker")
router.register("volunteer-teams", VolunteerTeamViewSet, basename="volunteer-team")
router.register("volunteers", VolunteerViewSet, basename="volunteer")

urlpatterns = router.urls
