"""Write actions go through the domain functions; refused writes change nothing."""

import pytest
from django.db import IntegrityError

from organizations.models import Agreement, Organization
from sanlian.api.exceptions import exception_handler
from sanlian.models import User
from sanlian.roles import Role
from services.models import Feedback, Match, ServiceRequest, Visit
from tests import factories as f
from tests.api.conftest import client_for

REGISTRATION = {
    "name": "润梅志愿服务中心",
    "credit_code": f.credit_code(9_123_456),
    "category": "public_welfare",
    "legal_representative": "王润梅",
    "contact_name": "王润梅",
    "contact_phone": "13912345678",
    "email": "runmei@example.org",
    "address": "太原市小店区坞城路5号",
    "username": "runmei-admin",
    "password": "Runmei-pass-2014-long!",
}


def test_organization_registration_by_anonymous_is_submitted(cast):
    data = {**REGISTRATION, "communities": [cast.community.pk]}
    response = client_for().post("/api/v1/organizations/", data, format="json")
    # 202 and no record in the answer: a taken username gets the same (issue 19).
    assert response.status_code == 202, response.json()
    assert set(response.json()) == {"detail"}
    organization = Organization.objects.get(name="润梅志愿服务中心")
    assert organization.status == Organization.Status.SUBMITTED
    assert list(organization.wants_to_serve.all()) == [cast.community]
    assert User.objects.get(username="runmei-admin").role == Role.ORGANIZATION
    assert organization.contact_phone == "13912345678"


def test_organization_registration_bad_input_changes_nothing(cast):
    data = {**REGISTRATION, "credit_code": "123", "email": "not-an-email"}
    response = client_for().post("/api/v1/organizations/", data, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] and set(body["errors"]) >= {"credit_code", "email"}
    assert not Organization.objects.filter(name=REGISTRATION["name"]).exists()
    assert not User.objects.filter(username="runmei-admin").exists()


def test_organization_registration_of_a_registered_name_is_a_409_not_500(cast):
    data = {**REGISTRATION, "name": cast.organization.name}
    response = client_for().post("/api/v1/organizations/", data, format="json")
    assert response.status_code == 409  # well formed; a row with that name exists
    assert "name" in response.json()["errors"]
    assert not User.objects.filter(username="runmei-admin").exists()


@pytest.fixture
def submitted(cast):
    organization = f.OrganizationFactory(
        status=Organization.Status.SUBMITTED, home_street=cast.east_street
    )
    organization.wants_to_serve.set([cast.community])
    return organization


def test_organization_approve_by_civil_affairs(cast, submitted):
    response = client_for(cast.civil).post(f"/api/v1/organizations/{submitted.pk}/approve/")
    assert response.status_code == 200
    submitted.refresh_from_db()
    assert submitted.status == Organization.Status.APPROVED
    assert submitted.reviewed_by == cast.civil


def test_organization_approve_by_street_staff_of_its_street(cast, submitted):
    response = client_for(cast.street_staff).post(f"/api/v1/organizations/{submitted.pk}/approve/")
    assert response.status_code == 200
    submitted.refresh_from_db()
    assert submitted.status == Organization.Status.APPROVED


def test_organization_approve_refused_other_street_and_member(cast, submitted):
    other = client_for(cast.other_street_staff).post(
        f"/api/v1/organizations/{submitted.pk}/approve/"
    )
    assert other.status_code == 404
    own = client_for(cast.member).post(
        f"/api/v1/organizations/{cast.organization.pk}/suspend/", {"reason": "x"}
    )
    assert own.status_code == 403
    submitted.refresh_from_db()
    cast.organization.refresh_from_db()
    assert submitted.status == Organization.Status.SUBMITTED
    assert cast.organization.status == Organization.Status.APPROVED


def test_organization_reject_requires_reason(cast, submitted):
    client = client_for(cast.civil)
    response = client.post(f"/api/v1/organizations/{submitted.pk}/reject/", {"reason": " "})
    assert response.status_code == 400
    assert "reason" in response.json()["errors"]
    submitted.refresh_from_db()
    assert submitted.status == Organization.Status.SUBMITTED
    response = client.post(f"/api/v1/organizations/{submitted.pk}/reject/", {"reason": "材料不全"})
    assert response.status_code == 200
    submitted.refresh_from_db()
    assert (submitted.status, submitted.review_reason) == ("rejected", "材料不全")


def test_organization_suspend_then_wrong_transition_is_409(cast):
    client = client_for(cast.civil)
    url = f"/api/v1/organizations/{cast.organization.pk}/"
    assert client.post(url + "suspend/", {"reason": "投诉核查"}).status_code == 200
    cast.organization.refresh_from_db()
    assert cast.organization.status == Organization.Status.SUSPENDED
    response = client.post(url + "approve/")
    # The state refuses it, the body is fine: a conflict (tests/api/test_schema_findings.py).
    assert response.status_code == 409
    assert response.json()["detail"]


@pytest.fixture
def pending(cast):
    return f.AgreementFactory(
        organization=cast.other_organization,
        community=cast.community,
        status=Agreement.Status.PENDING,
    )


def test_agreement_accept_by_community_staff(cast, pending):
    response = client_for(cast.community_staff).post(f"/api/v1/agreements/{pending.pk}/accept/")
    assert response.status_code == 200
    pending.refresh_from_db()
    assert pending.status == Agreement.Status.ACTIVE
    assert pending.decided_by == cast.community_staff


def test_agreement_decline_needs_reason_and_scope(cast, pending):
    url = f"/api/v1/agreements/{pending.pk}/decline/"
    assert client_for(cast.other_street_staff).post(url, {"reason": "x"}).status_code == 404
    assert client_for(cast.member).post(url, {"reason": "x"}).status_code == 404
    assert client_for(cast.other_member).post(url, {"reason": "x"}).status_code == 403
    assert client_for(cast.community_staff).post(url, {}).status_code == 400
    pending.refresh_from_db()
    assert pending.status == Agreement.Status.PENDING
    assert client_for(cast.community_staff).post(url, {"reason": "场地不足"}).status_code == 200
    pending.refresh_from_db()
    assert pending.status == Agreement.Status.DECLINED


def test_agreement_request_by_member(cast):
    response = client_for(cast.member).post(
        "/api/v1/agreements/",
        {"community": cast.other_community.pk, "start_date": "2026-03-01"},
    )
    assert response.status_code == 201, response.json()
    agreement = Agreement.objects.get(pk=response.json()["id"])
    assert (agreement.organization, agreement.status) == (cast.organization, "pending")
    refused = client_for(cast.street_staff).post(
        "/api/v1/agreements/", {"community": cast.community.pk, "start_date": "2026-03-01"}
    )
    assert refused.status_code == 403


def _request_data(both_sides, resident):
    return {
        "resident": resident.pk,
        "service_type": f.ServiceTypeFactory(code="blood-pressure", name="测血压").pk,
        "preferred_days": [0, 2],
        "preferred_start": "09:00",
        "preferred_end": "11:30",
    }


def test_request_create_by_resident_with_consent(both_sides):
    resident = both_sides.cast.resident
    f.ConsentFactory(resident=resident)
    response = client_for(resident.user).post(
        "/api/v1/requests/", _request_data(both_sides, resident)
    )
    assert response.status_code == 201, response.json()
    created = ServiceRequest.objects.get(pk=response.json()["id"])
    assert (created.resident, created.filed_by, created.preferred_day_list) == (
        resident,
        resident.user,
        [0, 2],
    )


def test_request_create_refused(both_sides):
    resident = both_sides.cast.resident
    before = ServiceRequest.objects.count()
    no_consent = client_for(resident.user).post(
        "/api/v1/requests/", _request_data(both_sides, resident)
    )
    assert no_consent.status_code == 409  # the resident's state refuses it, not a field
    assert no_consent.json()["detail"]
    f.ConsentFactory(resident=both_sides.cast.other_resident)
    other = client_for(resident.user).post(
        "/api/v1/requests/", _request_data(both_sides, both_sides.cast.other_resident)
    )
    # A resident out of reach reads as one that does not exist: 404, naming the field.
    assert other.status_code == 404
    assert "resident" in other.json()["errors"]
    member = client_for(both_sides.cast.member).post(
        "/api/v1/requests/", _request_data(both_sides, resident)
    )
    assert member.status_code == 403
    assert ServiceRequest.objects.count() == before


def test_request_cancel_by_family_releases_match(both_sides):
    url = f"/api/v1/requests/{both_sides.ours.request.pk}/cancel/"
    assert client_for(both_sides.cast.other_street_staff).post(url).status_code == 404
    assert client_for(both_sides.cast.member).post(url).status_code == 403
    both_sides.ours.request.refresh_from_db()
    assert both_sides.ours.request.status == ServiceRequest.Status.OPEN
    response = client_for(both_sides.cast.family).post(url, {"reason": "已住院"})
    assert response.status_code == 200
    both_sides.ours.request.refresh_from_db()
    both_sides.ours.match.refresh_from_db()
    assert both_sides.ours.request.status == ServiceRequest.Status.CANCELLED
    assert both_sides.ours.match.status == Match.Status.WITHDRAWN


def test_match_accept_by_member_only(both_sides):
    url = f"/api/v1/matches/{both_sides.ours.match.pk}/accept/"
    assert client_for(both_sides.cast.other_member).post(url).status_code == 404
    assert client_for(both_sides.cast.street_staff).post(url).status_code == 403
    both_sides.ours.match.refresh_from_db()
    assert both_sides.ours.match.status == Match.Status.CONFIRMED
    assert client_for(both_sides.cast.member).post(url).status_code == 200
    both_sides.ours.match.refresh_from_db()
    assert both_sides.ours.match.status == Match.Status.ACCEPTED


def test_match_decline_requires_reason(both_sides):
    url = f"/api/v1/matches/{both_sides.ours.match.pk}/decline/"
    client = client_for(both_sides.cast.member)
    assert client.post(url, {}).status_code == 400
    both_sides.ours.match.refresh_from_db()
    assert both_sides.ours.match.status == Match.Status.CONFIRMED
    assert client.post(url, {"reason": "本周人手不足"}).status_code == 200
    both_sides.ours.match.refresh_from_db()
    assert both_sides.ours.match.status == Match.Status.DECLINED


def test_match_confirm_by_staff(both_sides):
    proposed = f.MatchFactory(
        request=f.ServiceRequestFactory(resident=both_sides.cast.resident),
        offering=both_sides.ours.offering,
    )
    assert (
        client_for(both_sides.cast.member)
        .post(f"/api/v1/matches/{proposed.pk}/confirm/")
        .status_code
        == 404
    )
    response = client_for(both_sides.cast.street_staff).post(
        f"/api/v1/matches/{proposed.pk}/confirm/"
    )
    assert response.status_code == 200
    proposed.refresh_from_db()
    assert proposed.status == Match.Status.CONFIRMED


def test_visit_check_in_out_complete_by_assigned_worker(both_sides):
    visit = both_sides.ours.visit
    client = client_for(both_sides.worker)
    assert client.post(f"/api/v1/visits/{visit.pk}/check-in/").status_code == 200
    visit.refresh_from_db()
    assert visit.status == Visit.Status.IN_PROGRESS and visit.checked_in_at
    assert client.post(f"/api/v1/visits/{visit.pk}/check-out/", {}).status_code == 400
    response = client.post(f"/api/v1/visits/{visit.pk}/check-out/", {"service_log": "理发"})
    assert response.status_code == 200
    assert response.json()["checked_out_at"].endswith("+08:00")
    assert client.post(f"/api/v1/visits/{visit.pk}/complete/").status_code == 200
    visit.refresh_from_db()
    assert (visit.status, visit.service_log) == (Visit.Status.COMPLETED, "理发")


def test_visit_check_in_refused(both_sides):
    visit = both_sides.ours.visit
    assert (
        client_for(both_sides.cast.other_member)
        .post(f"/api/v1/visits/{visit.pk}/check-in/")
        .status_code
        == 404
    )
    assert (
        client_for(both_sides.cast.resident.user)
        .post(f"/api/v1/visits/{visit.pk}/check-in/")
        .status_code
        == 403
    )
    visit.refresh_from_db()
    assert visit.status == Visit.Status.SCHEDULED


def test_visit_feedback_by_resident_once(both_sides, completed_visit):
    url = f"/api/v1/visits/{completed_visit.pk}/feedback/"
    assert client_for(both_sides.worker).post(url, {"rating": 5}).status_code == 403
    assert client_for(both_sides.cast.resident.user).post(url, {"rating": 9}).status_code == 400
    assert not Feedback.objects.exists()
    response = client_for(both_sides.cast.resident.user).post(url, {"rating": 4, "comment": "好"})
    assert response.status_code == 201
    assert Feedback.objects.get().rating == 4
    again = client_for(both_sides.cast.family).post(url, {"rating": 5})
    assert again.status_code == 409  # well formed; the visit's state (rated) refuses it
    assert again.json()["detail"]
    assert Feedback.objects.get().rating == 4


def test_integrity_error_race_answers_409():
    response = exception_handler(IntegrityError("duplicate key"), {})
    assert response.status_code == 409
    assert response.data["detail"] and response.data["errors"] == {}
