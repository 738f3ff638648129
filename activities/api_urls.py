"""API routes of activities under /api/v1/."""

from rest_framework.routers import SimpleRouter

from activities.api import (
    ActivityViewSet,
    SignupViewSet,
    SuggestionViewSet,
    TimeBankAccountViewSet,
)

router = SimpleRouter()
router.register("activities", ActivityViewSet, basename="activity")
router.register("activity-signups", SignupViewSet, basename="activity-signup")
router.register("time-bank-accounts", TimeBankAccountViewSet, basename="time-bank-account")
router.register("suggestions", SuggestionViewSet, basename="suggestion")

urlpatterns = router.urls
