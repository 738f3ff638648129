import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casework import domain
from casework.models import Assessment, Callback, Case, Review
from communities.models import Resident
from sanlian.models import AccessLog
from tests import factories as f
from tests.casework.conftest import answers_for_total

SECRET = "家中经济困难，拒绝告诉子女"


def _post_answers(client, assessment, answers, sign=False):
    data = {f"item_{code}": option for code, option in answers.items()}
    if sign:
        data["sign"] = "1"
    return client.post(reverse("casework:assessment", args=[assessment.pk]), data)


def test_assessment_pages_partial_save_then_sign(client, cast, sw, spec):
    client.force_login(sw.sue.user)
    page = client.get(reverse("casework:resident", args=[cast.resident.pk]))
    assert page.status_code == 200 and "开始评估" in page.content.decode()
    response = client.post(reverse("casework:assessment_start", args=[cast.resident.pk]))
    assessment = Assessment.objects.get(resident=cast.resident)
    assert response.url == reverse("casework:assessment", args=[assessment.pk])

    answers = answers_for_total(spec, 25)
    _post_answers(client, assessment, dict(list(answers.items())[:5]))
    assessment.refresh_from_db()
    assert len(assessment.answers) == 5 and assessment.status == "draft"

    _post_answers(client, assessment, answers, sign=True)
    assessment.refresh_from_db()
    cast.resident.refresh_from_db()
    assert assessment.status == "signed" and assessment.level_rank == 4
    assert cast.resident.care_level == Resident.CareLevel.DEPENDENT


def test_assessment_page_other_community_worker_gets_404_and_staff_cannot_edit(
    client, cast, sw, spec
):
    assessment = domain.assessment_start(resident=cast.resident, assessor=sw.sue.user)
    client.force_login(sw.sam.user)
    assert client.get(reverse("casework:assessment", args=[assessment.pk])).status_code == 404
    client.force_login(cast.community_staff)
    response = _post_answers(client, assessment, answers_for_total(spec, 90), sign=True)
    assert response.status_code == 403
    assessment.refresh_from_db()
    assert assessment.answers == {} and assessment.status == "draft"
    client.force_login(cast.member)
    assert client.get(reverse("casework:assessment", args=[assessment.pk])).status_code == 403


@pytest.fixture
def case(cast, sw):
    case = domain.case_open(
        resident=cast.resident, actor=sw.sue.user, source="hotline", presenting_need="独居"
    )
    domain.case_note_add(case=case, actor=sw.sue.user, text=SECRET)
    return case


def test_notes_page_logged_for_worker_hidden_from_others(client, cast, sw, case):
    client.force_login(sw.sue.user)
    assert SECRET in client.get(reverse("casework:case_notes", args=[case.pk])).content.decode()
    assert AccessLog.objects.filter(actor=sw.sue.user, field="case_notes").count() == 1

    client.force_login(sw.ann.user)
    assert client.get(reverse("casework:case_notes", args=[case.pk])).status_code == 404
    client.force_login(cast.community_staff)
    assert client.get(reverse("casework:case_notes", args=[case.pk])).status_code == 403
    detail = client.get(reverse("casework:case", args=[case.pk])).content.decode()
    assert SECRET not in detail
    assert AccessLog.objects.filter(field="case_notes").count() == 1


def test_notes_never_in_api_or_admin(client, cast, sw, case, admin_client):
    client.force_login(cast.civil)
    body = client.get("/api/v1/cases/").content.decode()
    assert f'"id":{case.pk}' in body.replace(" ", "") and SECRET not in body
    assert "notes" not in client.get(f"/api/v1/cases/{case.pk}/").json()
    admin_body = admin_client.get("/admin/casework/case/").content.decode()
    assert SECRET not in admin_body
    assert admin_client.get("/admin/casework/progressnote/").status_code == 404


def _cases_for(worker, resident, n):
    cases = Case.objects.bulk_create(
        Case(resident=resident, source="referral", presenting_need="x", opened_by=worker.user)
        for _ in range(n)
    )
    Case.social_workers.through.objects.bulk_create(
        Case.social_workers.through(case_id=c.pk, socialworker_id=worker.pk) for c in cases
    )
    Review.objects.bulk_create(Review(case=c, due_on="2026-01-01") for c in cases)


def _count(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_caseload_query_count_pinned_at_10_and_1000(client, cast, sw):
    client.force_login(sw.sue.user)
    url = reverse("casework:cases")
    _cases_for(sw.sue, cast.resident, 10)
    small = _count(client, url)
    _cases_for(sw.sue, cast.resident, 990)
    assert _count(client, url) == small
    # The supervisor's view of Sue's caseload costs the same.
    client.force_login(sw.vera.user)
    assert "?worker=" in client.get(url).content.decode()
    assert _count(client, f"{url}?worker={sw.sue.pk}") <= small + 1


def test_assessment_due_list_query_count_pinned_at_10_and_1000(client, cast, sw):
    Resident.objects.filter(pk=cast.other_resident.pk).update(name="坞城老人")
    client.force_login(cast.community_staff)
    url = reverse("casework:assessment_due")
    Resident.objects.bulk_create(f.ResidentFactory.build_batch(9, community=cast.community))
    small = _count(client, url)
    Resident.objects.bulk_create(f.ResidentFactory.build_batch(990, community=cast.community))
    assert _count(client, url) == small
    page = client.get(url).content.decode()
    assert "从未评估" in page and "坞城老人" not in page


def test_case_pages_open_plan_service_and_close(client, cast, sw):
    client.force_login(sw.sue.user)
    url = reverse("casework:case_open", args=[cast.resident.pk])
    assert client.get(url).status_code == 200
    client.post(url, {"source": "hotline", "presenting_need": "需要助餐"})
    case = Case.objects.get(resident=cast.resident)
    assert client.get(reverse("casework:case", args=[case.pk])).status_code == 200
    client.post(reverse("casework:case_plan", args=[case.pk]), {"goals": "按时吃饭"})
    service_type = f.ServiceTypeFactory()
    client.post(
        reverse("casework:case_service_add", args=[case.pk]),
        {
            "service_type": service_type.pk,
            "preferred_days": ["1", "3"],
            "preferred_start": "09:00",
            "preferred_end": "11:00",
            "goal": "助餐",
        },
    )
    case.refresh_from_db()
    assert case.status == "active" and case.planned_services.get().request.status == "open"
    client.post(reverse("casework:case_close", args=[case.pk]), {"outcome": "goals_met"})
    case.refresh_from_db()
    assert case.status == "closed"


def test_callback_pages_record_and_results(client, cast, sw):
    visit = f.VisitFactory(
        status="completed",
        offering=f.OfferingFactory(organization=cast.organization),
        request=f.ServiceRequestFactory(resident=cast.resident),
    )
    callback = Callback.objects.create(visit=visit, social_worker=sw.sue, week_start="2026-11-23")
    client.force_login(sw.sue.user)
    assert cast.resident.name in client.get(reverse("casework:callbacks")).content.decode()
    client.post(
        reverse("casework:callback", args=[callback.pk]),
        {"reached": "1", "happened_as_logged": "1", "quality_score": "4", "comment": "电话确认"},
    )
    callback.refresh_from_db()
    assert (callback.status, callback.quality_score) == ("done", 4)
    client.force_login(sw.ann.user)
    assert client.get(reverse("casework:callback", args=[callback.pk])).status_code == 404
    client.force_login(cast.member)
    assert "电话确认" in client.get(reverse("casework:callback_results")).content.decode()
    client.force_login(cast.other_member)
    assert "电话确认" not in client.get(reverse("casework:callback_results")).content.decode()
