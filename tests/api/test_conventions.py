"""Pagination, filters, ordering, search, error shape, datetimes, masking, auth and schema."""

import json
import re

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from services.models import ServiceRequest
from tests import factories as f
from tests.api.conftest import client_for

LISTS = [
    "districts",
    "streets",
    "communities",
    "venues",
    "residents",
    "organizations",
    "agreements",
    "social-workers",
    "volunteer-teams",
    "volunteers",
    "service-types",
    "offerings",
    "requests",
    "matches",
    "visits",
]
FULL_ID = re.compile(r"\d{17}[\dX]")
FULL_PHONE = re.compile(r"1\d{10}")


def test_pagination_shape_and_page_size_cap(cast):
    f.ResidentFactory.create_batch(105, community=cast.community)
    client = client_for(cast.civil)
    body = client.get("/api/v1/residents/?page_size=1000").json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 107 and len(body["results"]) == 100
    assert len(client.get("/api/v1/residents/?page_size=5").json()["results"]) == 5
    assert len(client.get("/api/v1/residents/").json()["results"]) == 20


def test_filters_status_community_and_dates(both_sides):
    client = client_for(both_sides.cast.civil)
    done = f.ServiceRequestFactory(
        resident=both_sides.cast.resident, status=ServiceRequest.Status.DONE
    )
    ids = {r["id"] for r in client.get("/api/v1/requests/?status=done").json()["results"]}
    assert ids == {done.pk}
    east = client.get(f"/api/v1/requests/?street={both_sides.cast.east_street.pk}").json()
    assert {r["id"] for r in east["results"]} == {both_sides.ours.request.pk, done.pk}
    other = client.get(f"/api/v1/requests/?community={both_sides.cast.other_community.pk}").json()
    assert {r["id"] for r in other["results"]} == {both_sides.other.request.pk}
    assert client.get("/api/v1/requests/?created_before=2000-01-01").json()["count"] == 0
    assert client.get("/api/v1/requests/?created_after=2000-01-01").json()["count"] == 3
    care = client.get("/api/v1/offerings/?care_mode=day_care").json()
    assert care["count"] == 0
    by_type = client.get(f"/api/v1/visits/?service_type={both_sides.service_type.pk}").json()
    assert by_type["count"] == 2


def test_filters_bad_value_is_400_with_field(both_sides):
    response = client_for(both_sides.cast.civil).get("/api/v1/requests/?created_after=yesterday")
    assert response.status_code == 400
    assert "created_after" in response.json()["errors"]


def test_search_and_ordering(both_sides):
    client = client_for(both_sides.cast.civil)
    name = both_sides.cast.resident.name
    found = client.get("/api/v1/residents/", {"search": name}).json()
    assert [r["id"] for r in found["results"]] == [both_sides.cast.resident.pk]
    names = [
        o["name"] for o in client.get("/api/v1/organizations/?ordering=-name").json()["results"]
    ]
    assert names == sorted(names, reverse=True)


def test_not_found_error_shape(both_sides):
    response = client_for(both_sides.cast.civil).get("/api/v1/visits/999999/")
    assert response.status_code == 404
    assert set(response.json()) == {"detail", "errors"}
    assert response.json()["detail"] == "找不到该记录，或您无权查看。"


def test_not_found_reads_the_same_out_of_scope_and_names_no_model(both_sides):
    theirs = client_for(both_sides.cast.street_staff).get(
        f"/api/v1/visits/{both_sides.other.visit.pk}/"
    )
    missing = client_for(both_sides.cast.street_staff).get("/api/v1/visits/999999/")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()
    assert "Visit" not in theirs.content.decode()


def test_datetimes_carry_the_local_offset(both_sides):
    visit = (
        client_for(both_sides.cast.civil).get(f"/api/v1/visits/{both_sides.ours.visit.pk}/").json()
    )
    assert visit["scheduled_start"].endswith("+08:00")


@pytest.mark.parametrize("name", LISTS)
def test_no_full_identifier_in_any_response(both_sides, name):
    both_sides.cast.resident.emergency_contact_phone = "13611112222"
    both_sides.cast.resident.save()
    both_sides.ours.worker.phone = "13700001111"
    both_sides.ours.worker.save()
    body = client_for(both_sides.cast.civil).get(f"/api/v1/{name}/?page_size=100").content.decode()
    assert not FULL_ID.search(body)
    assert not FULL_PHONE.search(body)


def test_resident_identifiers_masked(both_sides):
    resident = both_sides.cast.resident
    body = client_for(both_sides.cast.street_staff).get(f"/api/v1/residents/{resident.pk}/").json()
    assert body["id_number"] == resident.masked_id_number != resident.id_number
    assert body["phone"] == resident.masked_phone
    assert "*" in body["id_number"] and "*" in body["phone"]


def test_token_login_and_use(cast):
    client = APIClient()
    response = client.post(
        "/api/v1/auth/token/", {"username": "civil", "password": "correct horse battery staple"}
    )
    assert response.status_code == 200
    token = response.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/communities/").status_code == 200


def test_token_login_wrong_password_is_401_then_locked(cast):
    client = APIClient()
    for _ in range(5):
        wrong = client.post("/api/v1/auth/token/", {"username": "civil", "password": "nope"})
        assert wrong.status_code == 401 and wrong["WWW-Authenticate"] == "Token"
        assert wrong.json()["detail"]
    right = client.post(
        "/api/v1/auth/token/", {"username": "civil", "password": "correct horse battery staple"}
    )
    assert right.status_code == 429


def test_session_auth_enforces_csrf(both_sides):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(both_sides.cast.civil)
    assert client.get("/api/v1/organizations/").status_code == 200
    response = client.post(
        f"/api/v1/organizations/{both_sides.cast.organization.pk}/suspend/", {"reason": "x"}
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    both_sides.cast.organization.refresh_from_db()
    assert both_sides.cast.organization.status == "approved"


def test_user_throttle_answers_429(both_sides, monkeypatch):
    from rest_framework.throttling import UserRateThrottle

    rates = {**UserRateThrottle.THROTTLE_RATES, "user": "2/min"}
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", rates)
    client = client_for(both_sides.cast.civil)
    codes = [client.get("/api/v1/districts/").status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_schema_generates_without_warnings(db, tmp_path):
    out = tmp_path / "schema.json"
    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--format",
        "openapi-json",
        "--file",
        str(out),
    )
    schema = json.loads(out.read_text())
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert operation.get("description"), f"{method} {path} has no description"
    assert "/api/v1/stats/overview/" in schema["paths"]


def test_docs_page_served_from_sidecar(both_sides):
    response = client_for(both_sides.cast.civil).get("/api/v1/docs/")
    assert response.status_code == 200
    assert b"swagger-ui" in response.content
