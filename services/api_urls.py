"""API routes of services under /api/v1/ (DESIGN.md section 6), one block per sub-package."""

from rest_framework.routers import SimpleRouter

from services.allowances.api import (
    CareAccountViewSet,
    LedgerEntryViewSet,
    SettlementStatementViewSet,
)
from services.care.api import RequestViewSet, VisitViewSet
from services.matching.api import MatchingJobViewSet, MatchViewSet
from services.offerings.api import OfferingViewSet, ServiceTypeViewSet

router = SimpleRouter()
router.register("service-types", ServiceTypeViewSet, basename="service-type")
router.register("offerings", OfferingViewSet, basename="offering")
router.register("requests", RequestViewSet, basename="request")
router.register("matches", MatchViewSet, basename="match")
router.register("matching-jobs", MatchingJobViewSet, basename="matching-job")
router.register("visits", VisitViewSet, basename="visit")
router.register("care-accounts", CareAccountViewSet, basename="care-account")
router.register("ledger-entries", LedgerEntryViewSet, basename="ledger-entry")
router.register("settlements", SettlementStatementViewSet, basename="settlement")

urlpatterns = router.urls
