"""Anonymisation replaces free text written about the resident, and only theirs."""

import pytest
from django.core.exceptions import PermissionDenied

from communities.privacy import ANONYMISED_NAME, resident_anonymise
from services.models import Feedback, Match, ServiceRequest, Visit
from tests import factories as f

TEXTS = {
    "notes": "独居，女儿李梅在北京，左腿不便",
    "service_log": "给张奶奶洗头，提到孙子在坞城路上学",
    "comment": "小王很耐心，我老伴也满意",
    "reason": "手工指派：住桃园南路3号楼，邻居代为联系",
}


def _records(resident) -> dict:
    request = f.ServiceRequestFactory(resident=resident, notes=TEXTS["notes"])
    match = f.MatchFactory(request=request, reason=TEXTS["reason"], status="accepted")
    visit = f.VisitFactory(
        request=request,
        offering=match.offering,
        match=match,
        status=Visit.Status.COMPLETED,
        service_log=TEXTS["service_log"],
    )
    feedback = f.FeedbackFactory(visit=visit, comment=TEXTS["comment"])
    return {"request": request, "match": match, "visit": visit, "feedback": feedback}


def _texts(records) -> dict:
    return {
        "notes": ServiceRequest.objects.get(pk=records["request"].pk).notes,
        "service_log": Visit.objects.get(pk=records["visit"].pk).service_log,
        "comment": Feedback.objects.get(pk=records["feedback"].pk).comment,
        "reason": Match.objects.get(pk=records["match"].pk).reason,
    }


@pytest.fixture
def both(cast):
    return _records(cast.resident), _records(cast.other_resident)


def test_anonymisation_replaces_the_residents_free_text(cast, both):
    ours, _theirs = both
    resident_anonymise(actor=cast.civil, resident=cast.resident, reason="撤回同意")
    assert _texts(ours) == dict.fromkeys(TEXTS, ANONYMISED_NAME)


def test_anonymisation_leaves_other_residents_free_text(cast, both):
    _ours, theirs = both
    resident_anonymise(actor=cast.civil, resident=cast.resident, reason="撤回同意")
    assert _texts(theirs) == TEXTS


def test_anonymisation_keeps_empty_text_empty_and_records_for_statistics(cast):
    request = f.ServiceRequestFactory(resident=cast.resident, notes="")
    resident_anonymise(actor=cast.civil, resident=cast.resident, reason="撤回同意")
    request = ServiceRequest.objects.get(pk=request.pk)
    assert request.notes == ""
    assert request.service_type_id is not None


def test_anonymisation_refused_leaves_free_text(cast, both):
    ours, _theirs = both
    with pytest.raises(PermissionDenied):
        resident_anonymise(actor=cast.other_street_staff, resident=cast.resident, reason="x")
    assert _texts(ours) == TEXTS
