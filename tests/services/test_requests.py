"""Residents and family asking for services, following them and cancelling them."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from sanlian.models import AuditEntry
from sanlian.roles import Role
from services.care.domain.requests import request_create
from services.models import Match, OfferingWeek, RequestChannel, ServiceRequest
from services.offerings.models import days_to_mask
from tests import factories as f


@pytest.fixture
def consented(cast):
    f.ConsentFactory(resident=cast.resident)
    f.ConsentFactory(resident=cast.other_resident)
    return cast


@pytest.fixture
def haircut(db):
    return f.ServiceTypeFactory(code="haircut", name="理发", care_mode="home")


def _post_request(client, user, **overrides):
    client.force_login(user)
    data = {
        "service_type": overrides.pop("service_type"),
        "preferred_days": ["0", "2"],
        "preferred_start": "09:00",
        "preferred_end": "11:00",
        "notes": "上午方便",
        **overrides,
    }
    return client.post(reverse("services:request_new"), data)


def test_request_create_by_resident_files_web_request(client, consented, haircut):
    response = _post_request(
        client, consented.resident.user, service_type=haircut.pk, resident=consented.resident.pk
    )

    service_request = ServiceRequest.objects.get()
    assert response.status_code == 302
    assert service_request.resident == consented.resident
    assert service_request.channel == RequestChannel.WEB
    assert service_request.filed_by == consented.resident.user
    assert service_request.preferred_days == days_to_mask([0, 2])
    assert service_request.status == ServiceRequest.Status.OPEN
    assert AuditEntry.objects.filter(
        object_type="services.servicerequest", object_id=str(service_request.pk), action="create"
    ).exists()


def test_request_create_by_family_for_linked_resident(client, consented, haircut):
    _post_request(client, consented.family, service_type=haircut.pk, resident=consented.resident.pk)

    service_request = ServiceRequest.objects.get()
    assert service_request.resident == consented.resident
    assert service_request.filed_by == consented.family


def test_request_create_family_with_several_residents_chooses(client, consented, haircut):
    second = f.ResidentFactory(community=consented.community, name="王大爷")
    f.ConsentFactory(resident=second)
    f.FamilyMemberFactory(user=consented.family, resident=second, relationship="儿子")
    client.force_login(consented.family)

    page = client.get(reverse("services:request_new")).content.decode()
    _post_request(client, consented.family, service_type=haircut.pk, resident=second.pk)

    assert "王大爷" in page and consented.resident.name in page
    assert ServiceRequest.objects.get().resident == second


def test_request_create_for_unlinked_resident_changes_nothing(client, consented, haircut):
    response = _post_request(
        client, consented.family, service_type=haircut.pk, resident=consented.other_resident.pk
    )

    assert response.status_code == 200
    assert ServiceRequest.objects.count() == 0


def test_request_create_without_consent_is_refused(client, cast, haircut):
    response = _post_request(
        client, cast.resident.user, service_type=haircut.pk, resident=cast.resident.pk
    )

    assert response.status_code == 200
    assert "知情同意" in response.content.decode()
    assert ServiceRequest.objects.count() == 0


def test_request_create_with_withdrawn_consent_is_refused(cast, haircut):
    consent = f.ConsentFactory(resident=cast.resident)
    consent.withdrawn_at = timezone.now()
    consent.save()

    with pytest.raises(ValidationError, match="知情同意"):
        request_create(
            resident=cast.resident,
            service_type=haircut,
            preferred_days=[1],
            preferred_start=datetime.time(9),
            preferred_end=datetime.time(10),
            filed_by=cast.resident.user,
        )
    assert ServiceRequest.objects.count() == 0


@pytest.mark.parametrize(
    "bad",
    [
        {"preferred_days": []},
        {"preferred_start": "12:00", "preferred_end": "09:00"},
        {"preferred_start": "25:00"},
        {"notes": "长" * 501},
    ],
)
def test_request_create_invalid_input_changes_nothing(client, consented, haircut, bad):
    response = _post_request(
        client,
        consented.resident.user,
        service_type=haircut.pk,
        resident=consented.resident.pk,
        **bad,
    )

    assert response.status_code == 200
    assert "is-invalid" in response.content.decode() or "invalid-feedback" in (
        response.content.decode()
    )
    assert ServiceRequest.objects.count() == 0


def test_request_create_duplicate_of_same_type_is_refused(client, consented, haircut):
    f.ServiceRequestFactory(resident=consented.resident, service_type=haircut)

    response = _post_request(
        client, consented.resident.user, service_type=haircut.pk, resident=consented.resident.pk
    )

    assert "同类服务需求" in response.content.decode()
    assert ServiceRequest.objects.count() == 1


@pytest.mark.parametrize("who", ["community_staff", "member", "civil"])
def test_request_new_page_is_for_residents_only(client, cast, who):
    client.force_login(getattr(cast, who))

    assert client.get(reverse("services:request_new")).status_code == 403


def test_request_form_groups_service_types_by_care_mode(client, consented, haircut):
    f.ServiceTypeFactory(code="daycare-lunch", name="日托午餐", care_mode="day_care")
    client.force_login(consented.resident.user)

    html = client.get(reverse("services:request_new")).content.decode()

    assert 'optgroup label="居家养老"' in html and 'optgroup label="日托养老"' in html
    assert 'type="checkbox"' in html


def test_my_requests_shows_plain_status_in_large_type(client, consented, haircut):
    f.ServiceRequestFactory(resident=consented.resident, service_type=haircut)
    f.ServiceRequestFactory(resident=consented.other_resident, service_type=haircut)
    client.force_login(consented.resident.user)

    response = client.get(reverse("services:my_requests"))
    html = response.content.decode()

    assert 'class="resident-ui"' in html
    assert "已收到，正在为您寻找服务机构" in html
    assert len(response.context["page_obj"].object_list) == 1


def test_resident_hears_a_provider_was_found_only_once_it_accepted(client, consented, haircut):
    matched = f.ServiceRequestFactory(
        resident=consented.resident, service_type=haircut, status="matched"
    )
    match = f.MatchFactory(request=matched, status="confirmed")
    client.force_login(consented.resident.user)
    detail = reverse("services:request_detail", args=[matched.pk])

    for url in (reverse("services:my_requests"), detail):
        html = client.get(url).content.decode()
        assert "正在等待机构确认" in html and "已找到服务机构" not in html
    match.status = "accepted"
    match.save()
    for url in (reverse("services:my_requests"), detail):
        html = client.get(url).content.decode()
        assert "已找到服务机构，正在安排上门时间" in html and "正在等待机构确认" not in html


def test_my_requests_for_staff_is_forbidden(client, cast):
    client.force_login(cast.community_staff)

    assert client.get(reverse("services:my_requests")).status_code == 403


def test_request_cancel_asks_then_cancels(client, consented, haircut):
    service_request = f.ServiceRequestFactory(resident=consented.resident, service_type=haircut)
    client.force_login(consented.resident.user)
    url = reverse("services:request_cancel", args=[service_request.pk])

    confirm = client.get(url)
    service_request.refresh_from_db()
    assert "确定要取消吗" in confirm.content.decode()
    assert service_request.status == ServiceRequest.Status.OPEN

    client.post(url, {"reason": "已经请到人了"})
    service_request.refresh_from_db()
    assert service_request.status == ServiceRequest.Status.CANCELLED
    assert service_request.cancel_reason == "已经请到人了"
    assert AuditEntry.objects.filter(
        object_id=str(service_request.pk), action="status", reason="已经请到人了"
    ).exists()


def test_request_cancel_by_family_of_own_resident(client, consented, haircut):
    service_request = f.ServiceRequestFactory(resident=consented.resident, service_type=haircut)
    client.force_login(consented.family)

    client.post(reverse("services:request_cancel", args=[service_request.pk]))

    service_request.refresh_from_db()
    assert service_request.status == ServiceRequest.Status.CANCELLED


def test_request_cancel_by_other_family_is_not_found(client, consented, haircut):
    service_request = f.ServiceRequestFactory(resident=consented.resident, service_type=haircut)
    stranger = f.FamilyMemberFactory(resident=consented.other_resident).user
    client.force_login(stranger)

    response = client.post(reverse("services:request_cancel", args=[service_request.pk]))

    service_request.refresh_from_db()
    assert response.status_code == 404
    assert service_request.status == ServiceRequest.Status.OPEN


def test_request_cancel_by_other_street_staff_is_not_found(client, consented, haircut):
    service_request = f.ServiceRequestFactory(resident=consented.resident, service_type=haircut)
    client.force_login(consented.other_street_staff)

    response = client.post(reverse("services:request_cancel", args=[service_request.pk]))

    service_request.refresh_from_db()
    assert response.status_code == 404
    assert service_request.status == ServiceRequest.Status.OPEN


def test_request_cancel_of_scheduled_request_is_refused(client, consented, haircut):
    service_request = f.ServiceRequestFactory(
        resident=consented.resident, service_type=haircut, status=ServiceRequest.Status.SCHEDULED
    )
    client.force_login(consented.resident.user)

    response = client.post(reverse("services:request_cancel", args=[service_request.pk]))

    service_request.refresh_from_db()
    assert "不能取消" in response.content.decode()
    assert service_request.status == ServiceRequest.Status.SCHEDULED


def test_request_cancel_of_matched_request_frees_the_place(client, consented, haircut):
    service_request = f.ServiceRequestFactory(
        resident=consented.resident, service_type=haircut, status=ServiceRequest.Status.MATCHED
    )
    match = f.MatchFactory(request=service_request, status=Match.Status.CONFIRMED)
    week = OfferingWeek.objects.create(
        offering=match.offering, week_start=match.week_start, capacity=3, reserved=1
    )
    client.force_login(consented.community_staff)

    client.post(reverse("services:request_cancel", args=[service_request.pk]))

    match.refresh_from_db()
    week.refresh_from_db()
    assert match.status == Match.Status.WITHDRAWN
    assert week.reserved == 0


def test_request_detail_scoping(client, consented, haircut):
    service_request = f.ServiceRequestFactory(resident=consented.resident, service_type=haircut)
    url = reverse("services:request_detail", args=[service_request.pk])

    for user, status in [
        (consented.resident.user, 200),
        (consented.family, 200),
        (consented.community_staff, 200),
        (consented.street_staff, 200),
        (consented.other_street_staff, 404),
        (consented.other_member, 404),
        (f.UserFactory(role=Role.RESIDENT), 404),
    ]:
        client.force_login(user)
        assert client.get(url).status_code == status, user


def test_resident_form_offers_home_and_day_care_only_and_refuses_the_rest(
    client, consented, haircut
):
    day_care = f.ServiceTypeFactory(code="lunch", name="日间助餐", care_mode="day_care")
    allowance = f.ServiceTypeFactory(code="allowance", name="养老服务补贴", care_mode="monetary")
    hotline = f.ServiceTypeFactory(code="dispatch", name="热线派单上门服务", care_mode="virtual")
    client.force_login(consented.resident.user)
    page = client.get(reverse("services:request_new"))
    offered = set(page.context["form"].fields["service_type"].queryset)
    assert offered == {haircut, day_care}
    html = page.content.decode()
    assert "养老服务补贴" not in html and "热线派单上门服务" not in html and "---------" not in html
    before = ServiceRequest.objects.count()
    refused = _post_request(
        client, consented.resident.user, service_type=allowance.pk, resident=consented.resident.pk
    )
    assert "service_type" in refused.context["form"].errors
    assert ServiceRequest.objects.count() == before
    client.force_login(consented.community_staff)
    hotline_page = client.get(reverse("services:hotline_request_new", args=[consented.resident.pk]))
    assert hotline.name in hotline_page.content.decode()  # staff may still file any service
