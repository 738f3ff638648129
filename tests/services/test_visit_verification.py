"""Field visits verified where and when: positions at check-in/out, time flags, review."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse

from communities.privacy import resident_anonymise
from sanlian.models import AuditEntry
from sanlian.roles import Role
from services.care.verification import distance_m, masked_degrees
from services.models import Visit
from services.privacy import services_held_about
from tests import factories as f
from tests.api.conftest import client_for

HOME = (Decimal("37.870600"), Decimal("112.548900"))  # 桃园南路, Taiyuan
NEAR = {"lat": "37.871000", "lon": "112.549000", "accuracy_m": "20"}  # about 45 m away
FAR = {"lat": "37.880000", "lon": "112.548900", "accuracy_m": "20"}  # about 1 km north
TEN = datetime.time(10, 0)


@pytest.fixture
def field(cast, clock):
    return field_visit(cast, clock)


def field_visit(cast, clock):
    """A visit of the cast's resident (at HOME) today at 10:00, by the organization's worker;
    the clock stands at 10:00."""
    cast.resident.latitude, cast.resident.longitude = HOME
    cast.resident.save()
    offering = f.OfferingFactory(organization=cast.organization, communities=[cast.community])
    service_request = f.ServiceRequestFactory(
        resident=cast.resident, service_type=offering.service_type, status="scheduled"
    )
    worker = f.SocialWorkerFactory(
        user=f.UserFactory(username="worker", role=Role.SOCIAL_WORKER),
        organization=cast.organization,
    )
    visit = f.VisitFactory(
        request=service_request,
        offering=offering,
        social_worker=worker,
        scheduled_start=clock.at(clock.today, TEN),
        duration_minutes=60,
    )
    clock.freeze(clock.at(clock.today, TEN))
    return SimpleNamespace(cast=cast, clock=clock, visit=visit, worker=worker)


def _at(field, hour: int, minute: int = 0) -> None:
    field.clock.freeze(field.clock.at(field.clock.today, datetime.time(hour, minute)))


def _check_in(client, field, data=None) -> Visit:
    client.force_login(field.worker.user)
    url = reverse("services:visit_check_in", args=[field.visit.pk])
    assert client.post(url, data or {}).status_code == 302
    field.visit.refresh_from_db()
    return field.visit


def _check_out(client, field, data=None) -> Visit:
    client.force_login(field.worker.user)  # the frozen clock moved past the session's age
    url = reverse("services:visit_check_out", args=[field.visit.pk])
    assert client.post(url, {"service_log": "理发", **(data or {})}).status_code == 302
    field.visit.refresh_from_db()
    return field.visit


# --- where ---------------------------------------------------------------------------------


def test_distance_is_haversine_metres():
    # One thousandth of a degree of latitude is about 111 m anywhere.
    assert round(distance_m(37.87, 112.55, 37.871, 112.55)) == 111


def test_check_in_near_the_address_is_verified(client, field):
    visit = _check_in(client, field, NEAR)
    assert visit.status == Visit.Status.IN_PROGRESS
    assert visit.location_state == "verified" and visit.review_state == ""
    assert (visit.check_in_lat, visit.check_in_lon) == (Decimal("37.871"), Decimal("112.549"))
    assert visit.check_in_accuracy_m == 20 and 40 <= visit.check_in_distance_m <= 50


def test_check_in_far_from_the_address_is_off_site_not_refused(client, field):
    visit = _check_in(client, field, FAR)
    assert visit.status == Visit.Status.IN_PROGRESS
    assert visit.location_state == "off_site" and visit.review_state == "pending"
    assert 1040 <= visit.check_in_distance_m <= 1050


def test_radius_comes_from_settings(client, field, settings):
    settings.VISIT_VERIFY_RADIUS_M = 20
    visit = _check_in(client, field, {**NEAR, "accuracy_m": "5"})
    assert visit.location_state == "off_site"


def test_check_in_without_position_is_no_position(client, field):
    visit = _check_in(client, field)
    assert visit.status == Visit.Status.IN_PROGRESS
    assert visit.location_state == "no_position" and visit.review_state == ""
    assert visit.check_in_lat is None and visit.check_in_distance_m is None


def test_check_in_with_a_reason_is_manual_and_reviewed(client, field):
    visit = _check_in(client, field, {"manual_reason": "地下室没有信号"})
    assert visit.location_state == "manual" and visit.manual_reason == "地下室没有信号"
    assert visit.review_state == "pending"


def test_resident_without_coordinates_cannot_be_verified(client, field):
    field.cast.resident.latitude = field.cast.resident.longitude = None
    field.cast.resident.save()
    visit = _check_in(client, field, NEAR)
    assert visit.location_state == "no_reference" and visit.check_in_lat is not None


def test_off_site_check_out_after_verified_check_in_marks_the_visit(client, field):
    _check_in(client, field, NEAR)
    _at(field, 10, 50)
    visit = _check_out(client, field, FAR)
    assert visit.location_state == "off_site" and visit.review_state == "pending"
    assert visit.check_in_distance_m < 100 and visit.check_out_distance_m > 900


def test_position_shown_on_the_visit_page(client, field):
    _check_in(client, field, FAR)
    page = client.get(reverse("services:visit_detail", args=[field.visit.pk])).content.decode()
    assert 'data-location-state="off_site"' in page and "不在住址附近" in page


# --- when ----------------------------------------------------------------------------------


def test_check_in_more_than_the_margin_early_is_flagged(client, field):
    _at(field, 9, 20)
    visit = _check_in(client, field, NEAR)
    assert visit.status == Visit.Status.IN_PROGRESS
    assert visit.early_check_in and visit.review_state == "pending"


def test_check_in_within_the_margin_is_not_flagged(client, field):
    _at(field, 9, 40)
    visit = _check_in(client, field, NEAR)
    assert not visit.early_check_in and visit.review_state == ""


def test_completion_shorter_than_the_share_is_flagged(client, field):
    _check_in(client, field, NEAR)
    _at(field, 10, 20)
    url = reverse("services:visit_complete", args=[field.visit.pk])
    assert client.post(url, {"service_log": "理发", **NEAR}).status_code == 302
    field.visit.refresh_from_db()
    assert field.visit.status == Visit.Status.COMPLETED
    assert field.visit.short_visit and field.visit.review_state == "pending"
    assert field.visit.check_out_distance_m < 100


def test_completion_long_enough_is_not_flagged(client, field):
    _check_in(client, field, NEAR)
    _at(field, 10, 40)
    visit = _check_out(client, field, NEAR)
    assert not visit.short_visit and visit.review_state == ""
    assert visit.location_state == "verified"


# --- review --------------------------------------------------------------------------------


def _review(client, user, visit, **data):
    client.force_login(user)
    return client.post(reverse("services:visit_review", args=[visit.pk]), data)


@pytest.fixture
def flagged(client, field):
    _check_in(client, field, FAR)
    return field


def test_organization_reviews_and_accepts_a_flagged_visit(client, flagged):
    member = flagged.cast.member
    client.force_login(member)
    page = client.get(reverse("services:visit_review_list")).content.decode()
    assert f'data-review-visit="{flagged.visit.pk}"' in page

    response = _review(client, member, flagged.visit, decision="accepted", note="楼下等门禁")

    flagged.visit.refresh_from_db()
    assert response.status_code == 302
    assert (flagged.visit.review_state, flagged.visit.review_note) == ("accepted", "楼下等门禁")
    assert flagged.visit.reviewed_by == member and flagged.visit.reviewed_at
    entry = AuditEntry.objects.filter(object_id=str(flagged.visit.pk), actor=member).get()
    assert entry.changes["review_state"] == ["pending", "accepted"]


def test_social_worker_of_the_community_disputes_with_a_note(client, flagged):
    colleague = f.SocialWorkerFactory(user=f.UserFactory(role=Role.SOCIAL_WORKER))
    colleague.communities.add(flagged.cast.community)
    _review(client, colleague.user, flagged.visit, decision="disputed", note="")
    flagged.visit.refresh_from_db()
    assert flagged.visit.review_state == "pending"  # a dispute needs its reason

    _review(client, colleague.user, flagged.visit, decision="disputed", note="居民说没人来")
    flagged.visit.refresh_from_db()
    assert (flagged.visit.review_state, flagged.visit.reviewed_by) == ("disputed", colleague.user)


def test_review_refused_to_other_organization_other_community_and_the_worker(client, flagged):
    stranger = f.SocialWorkerFactory(user=f.UserFactory(role=Role.SOCIAL_WORKER))
    stranger.communities.add(flagged.cast.other_community)
    flagged.worker.communities.add(flagged.cast.community)  # serves it, but did the visit
    for user in (flagged.cast.other_member, stranger.user, flagged.worker.user):
        client.force_login(user)
        page = client.get(reverse("services:visit_review_list")).content.decode()
        assert f'data-review-visit="{flagged.visit.pk}"' not in page
        assert _review(client, user, flagged.visit, decision="accepted").status_code == 404
    client.force_login(flagged.cast.street_staff)
    assert client.get(reverse("services:visit_review_list")).status_code == 403
    flagged.visit.refresh_from_db()
    assert flagged.visit.review_state == "pending" and flagged.visit.reviewed_by is None


def test_verified_visit_is_not_on_the_review_list(client, field):
    _check_in(client, field, NEAR)
    client.force_login(field.cast.member)
    page = client.get(reverse("services:visit_review_list")).content.decode()
    assert f'data-review-visit="{field.visit.pk}"' not in page
    assert _review(client, field.cast.member, field.visit, decision="accepted").status_code == 404


def test_statement_line_and_export_show_the_verification_state(client, flagged):
    statement = f.SettlementStatementFactory(organization=flagged.cast.organization)
    f.SettlementLineFactory(statement=statement, visit=flagged.visit)
    client.force_login(flagged.cast.member)
    page = client.get(reverse("allowances:statement_detail", args=[statement.pk])).content
    assert 'data-location-state="off_site"' in page.decode()
    csv = client.get(reverse("allowances:statement_export", args=[statement.pk, "csv"]))
    last_row = csv.content.decode("utf-8").strip().splitlines()[-1]
    assert last_row.endswith("不在住址附近、待复核")
    assert "37.88" not in csv.content.decode("utf-8")


# --- privacy -------------------------------------------------------------------------------


def test_access_request_masks_positions(client, flagged):
    row = services_held_about(flagged.cast.resident)["visits"][0]
    assert row["check_in_lat"] == "37.88" and row["check_in_lon"] == "112.55"
    assert masked_degrees(Decimal("37.871234")) == Decimal("37.87")


def test_anonymisation_clears_positions(client, flagged):
    _at(flagged, 10, 50)
    _check_out(client, flagged, {**NEAR, "manual_reason": "住在3号楼"})
    resident_anonymise(actor=None, resident=flagged.cast.resident, reason="测试")
    flagged.visit.refresh_from_db()
    flagged.cast.resident.refresh_from_db()
    visit = flagged.visit
    assert (flagged.cast.resident.latitude, flagged.cast.resident.longitude) == (None, None)
    assert [visit.check_in_lat, visit.check_in_lon, visit.check_in_accuracy_m] == [None] * 3
    assert [visit.check_out_lat, visit.check_out_lon, visit.check_out_distance_m] == [None] * 3
    assert visit.manual_reason != "住在3号楼"
    assert visit.location_state == "off_site"  # the state stays, for the statistics


# --- API -----------------------------------------------------------------------------------


def test_api_check_in_and_out_take_position_fields(field):
    api = client_for(field.worker.user)
    url = f"/api/v1/visits/{field.visit.pk}/"
    response = api.post(
        url + "check-in/", {"lat": 37.8710001, "lon": 112.549, "accuracy_m": 12.4}, format="json"
    )
    assert response.status_code == 200 and response.json()["location_state"] == "verified"
    _at(field, 10, 45)
    response = api.post(
        url + "check-out/", {"service_log": "理发", "manual_reason": "没有信号"}, format="json"
    )
    field.visit.refresh_from_db()
    assert response.status_code == 200 and response.json()["location_state"] == "manual"
    assert field.visit.check_in_accuracy_m == 12 and field.visit.check_out_lat is None
    assert response.json()["review_state"] == "pending"


def test_api_rejects_a_latitude_out_of_range_and_changes_nothing(field):
    response = client_for(field.worker.user).post(
        f"/api/v1/visits/{field.visit.pk}/check-in/", {"lat": 123, "lon": 1}, format="json"
    )
    field.visit.refresh_from_db()
    assert response.status_code == 400
    assert field.visit.status == Visit.Status.SCHEDULED and field.visit.check_in_lat is None


def test_only_a_check_in_or_check_out_page_may_ask_for_the_position(client, field):
    client.force_login(field.worker.user)
    url = reverse("services:visit_detail", args=[field.visit.pk])
    assert "geolocation=(self)" in client.get(url).headers["Permissions-Policy"]
    assert (
        "geolocation=()" in client.get(reverse("services:my_visits")).headers["Permissions-Policy"]
    )
    client.force_login(field.cast.member)  # sees the visit, takes no step on it
    assert "geolocation=()" in client.get(url).headers["Permissions-Policy"]
