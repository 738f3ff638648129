"""API routes of projects under /api/v1/ (DESIGN.md section 6)."""

from rest_framework.routers import SimpleRouter

from projects.api import (
    ApplicationViewSet,
    CategoryTargetViewSet,
    ContractViewSet,
    PaymentRequestViewSet,
    ProjectCallViewSet,
)

router = SimpleRouter()
router.register("project-calls", ProjectCallViewSet, basename="project-call")
router.register("project-applications", ApplicationViewSet, basename="project-application")
router.register("project-contracts", ContractViewSet, basename="project-contract")
router.register(
    "project-payment-requests", PaymentRequestViewSet, basename="project-payment-request"
)

router.register(
    "project-category-targets", CategoryTargetViewSet, basename="project-category-target"
)

urlpatterns = router.urls
