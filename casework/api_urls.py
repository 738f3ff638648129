"""API routes of casework under /api/v1/."""

from rest_framework.routers import SimpleRouter

from casework.api import AssessmentViewSet, CallbackViewSet, CaseViewSet

router = SimpleRouter()
router.register("assessments", AssessmentViewSet, basename="assessment")
router.register("cases", CaseViewSet, basename="case")
router.register("callbacks", CallbackViewSet, basename="callback")

urlpatterns = router.urls
