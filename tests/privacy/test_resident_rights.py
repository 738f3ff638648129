"""Reveal, access export, correction, withdrawal of consent and anonymisation."""

import datetime
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from communities.models import Resident
from communities.privacy import (
    ANONYMISED_NAME,
    consent_withdraw,
    resident_anonymise,
    resident_correct,
    resident_export,
    resident_reveal,
    residents_anonymise_due,
)
from communities.tasks import task_anonymise_withdrawn
from sanlian.masking import mask_id_number, mask_phone
from sanlian.models import AccessLog, AuditEntry
from services.care.domain.requests import request_create
from services.care.domain.visits import visit_schedule
from services.models import Match, ServiceRequest
from tests import factories as f


@pytest.fixture
def resident(cast):
    f.ConsentFactory(resident=cast.resident)
    Resident.objects.filter(pk=cast.resident.pk).update(
        emergency_contact_name="李女儿", emergency_contact_phone="13912345678"
    )
    cast.resident.refresh_from_db()
    return cast.resident


def _url(name, resident):
    return reverse(f"communities:{name}", kwargs={"pk": resident.pk})


# --- reveal -------------------------------------------------------------------------------


def test_reveal_returns_the_full_value_and_logs_who_which_field_and_why(cast, resident):
    value = resident_reveal(
        actor=cast.community_staff, resident=resident, field="id_number", purpose="热线核实身份"
    )
    assert value == resident.id_number
    log = AccessLog.objects.get(kind=AccessLog.Kind.REVEAL)
    assert (log.actor, log.resident, log.field, log.purpose) == (
        cast.community_staff,
        resident,
        "id_number",
        "热线核实身份",
    )
    assert log.at is not None


def test_reveal_without_a_purpose_is_refused_and_logs_nothing(client, cast, resident):
    client.force_login(cast.community_staff)
    response = client.post(_url("resident_reveal", resident), {"field": "phone", "purpose": " "})
    assert resident.phone not in response.content.decode()
    assert "用途" in response.content.decode()
    assert not AccessLog.objects.filter(kind=AccessLog.Kind.REVEAL).exists()


@pytest.mark.parametrize("who", ["member", "family", "other_street_staff"])
def test_reveal_refused_outside_hotline_and_civil_affairs_scope(cast, resident, who):
    with pytest.raises(PermissionDenied):
        resident_reveal(
            actor=getattr(cast, who), resident=resident, field="phone", purpose="想看看"
        )
    assert not AccessLog.objects.exists()


def test_reveal_page_for_other_street_answers_404(client, cast, resident):
    client.force_login(cast.other_street_staff)
    response = client.post(
        _url("resident_reveal", resident), {"field": "phone", "purpose": "热线核实身份"}
    )
    assert response.status_code == 404
    assert not AccessLog.objects.exists()


def test_detail_page_is_masked_and_logged_as_a_view(client, cast, resident):
    client.force_login(cast.street_staff)
    body = client.get(_url("resident_detail", resident)).content.decode()
    assert resident.masked_id_number in body and resident.id_number not in body
    assert AccessLog.objects.filter(
        kind=AccessLog.Kind.VIEW, resident=resident, actor=cast.street_staff
    ).exists()


# --- access export --------------------------------------------------------------------------


def test_export_holds_everything_with_full_values_and_is_logged(client, cast, resident):
    f.ServiceRequestFactory(resident=resident, notes="需要理发")
    client.force_login(cast.civil)
    response = client.post(
        _url("resident_export", resident), {"format": "json", "purpose": "居民申请查阅"}
    )
    data = json.loads(response.content)
    assert response["Content-Disposition"].startswith("attachment")
    assert data["resident"]["id_number"] == resident.id_number
    assert data["resident"]["emergency_contact_phone"] == "13912345678"
    assert data["requests"][0]["notes"] == "需要理发"
    assert len(data["consents"]) == 1
    assert AccessLog.objects.get(kind=AccessLog.Kind.EXPORT).purpose == "居民申请查阅"


def test_export_as_csv_lists_sections(client, cast, resident):
    client.force_login(cast.community_staff)
    response = client.post(
        _url("resident_export", resident), {"format": "csv", "purpose": "居民申请查阅"}
    )
    text = response.content.decode()
    assert text.startswith("section,row,field,value")
    assert resident.phone in text


def test_export_without_purpose_downloads_nothing(client, cast, resident):
    client.force_login(cast.community_staff)
    response = client.post(_url("resident_export", resident), {"format": "json", "purpose": ""})
    assert response.status_code == 200 and "Content-Disposition" not in response
    assert not AccessLog.objects.exists()


def test_export_for_organization_member_is_forbidden(client, cast, resident):
    client.force_login(cast.member)
    response = client.post(_url("resident_export", resident), {"format": "json", "purpose": "看看"})
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        resident_export(actor=cast.member, resident=resident, purpose="看看数据")


# --- correction -----------------------------------------------------------------------------


def test_correction_changes_the_row_and_records_masked_history(client, cast, resident):
    client.force_login(cast.community_staff)
    old_phone = resident.phone
    response = client.post(
        _url("resident_edit", resident),
        {
            "name": resident.name,
            "sex": resident.sex,
            "birth_date": resident.birth_date.isoformat(),
            "phone": "13700001111",
            "address": "新地址8号",
            "living_situation": resident.living_situation,
            "care_level": resident.care_level,
            "emergency_contact_name": "李女儿",
            "reason": "居民来电更正",
        },
    )
    assert response.status_code == 302
    resident.refresh_from_db()
    assert (resident.phone, resident.address) == ("13700001111", "新地址8号")
    assert resident.emergency_contact_phone == "13912345678"  # left empty: kept
    entry = AuditEntry.objects.filter(object_type="communities.resident", action="change").latest(
        "id"
    )
    assert entry.changes["phone"] == ["139****" + old_phone[-4:], "137****1111"]
    assert entry.reason == "居民来电更正"
    assert "13700001111" not in json.dumps(entry.changes)


def test_correction_with_a_bad_phone_changes_nothing(client, cast, resident):
    client.force_login(cast.community_staff)
    before = AuditEntry.objects.count()
    response = client.post(
        _url("resident_edit", resident),
        {
            "name": resident.name,
            "sex": "F",
            "birth_date": resident.birth_date.isoformat(),
            "phone": "12345",
            "address": "x",
            "living_situation": "alone",
            "care_level": "self_reliant",
            "reason": "更正",
        },
    )
    assert response.status_code == 200
    assert "phone" in response.context["form"].errors
    resident.refresh_from_db()
    assert resident.address != "x"
    assert AuditEntry.objects.count() == before


def test_correction_out_of_scope_is_refused(cast, resident):
    with pytest.raises(PermissionDenied):
        resident_correct(actor=cast.other_street_staff, resident=resident, reason="x", address="y")


# --- consent and its withdrawal -------------------------------------------------------------


def _file(resident, actor):
    return request_create(
        resident=resident,
        service_type=f.ServiceTypeFactory(),
        preferred_days=[0],
        preferred_start=datetime.time(9),
        preferred_end=datetime.time(11),
        filed_by=actor,
    )


def test_request_refused_without_a_consent(cast):
    with pytest.raises(ValidationError):
        _file(cast.other_resident, cast.civil)
    assert not ServiceRequest.objects.exists()


def test_withdrawal_cancels_open_requests_and_stops_new_care_records(cast, resident):
    open_request = _file(resident, cast.community_staff)
    consent_withdraw(actor=cast.community_staff, resident=resident, reason="本人撤回")
    open_request.refresh_from_db()
    assert open_request.status == ServiceRequest.Status.CANCELLED
    assert resident.consents.get().withdrawn_at is not None
    with pytest.raises(ValidationError):
        _file(resident, cast.community_staff)
    offering = f.OfferingFactory(organization=cast.organization, communities=[cast.community])
    f.OfferingWindowFactory(
        offering=offering, weekday=0, start_time=datetime.time(0), end_time=datetime.time(23, 59)
    )
    match = f.MatchFactory(
        request=f.ServiceRequestFactory(resident=resident, status="matched"),
        offering=offering,
        status=Match.Status.ACCEPTED,
    )
    monday = timezone.localdate() + datetime.timedelta(days=7 - timezone.localdate().weekday())
    start = timezone.make_aware(datetime.datetime.combine(monday, datetime.time(10)))
    with pytest.raises(ValidationError, match="撤回"):
        visit_schedule(match=match, scheduled_start=start, actor=cast.community_staff)
    assert not match.visits.exists()


def test_withdrawal_page_by_staff_records_history(client, cast, resident):
    client.force_login(cast.street_staff)
    response = client.post(_url("resident_consent_withdraw", resident), {"reason": "本人来电撤回"})
    assert response.status_code == 302
    assert resident.consents.filter(withdrawn_at__isnull=True).count() == 0
    assert AuditEntry.objects.filter(
        object_type="communities.resident", reason="本人来电撤回"
    ).exists()


def test_withdrawal_by_other_street_answers_404_and_keeps_consent(client, cast, resident):
    client.force_login(cast.other_street_staff)
    response = client.post(_url("resident_consent_withdraw", resident), {"reason": "撤回"})
    assert response.status_code == 404
    assert resident.consents.filter(withdrawn_at__isnull=True).count() == 1


def test_anonymisation_task_waits_for_the_grace_period(cast, resident, settings):
    settings.ANONYMISE_AFTER_DAYS = 30
    consent_withdraw(actor=cast.community_staff, resident=resident)
    assert residents_anonymise_due(now=timezone.now() + datetime.timedelta(days=29)) == 0
    resident.refresh_from_db()
    assert resident.anonymised_at is None
    consent = resident.consents.get()
    consent.withdrawn_at = timezone.now() - datetime.timedelta(days=31)
    consent.given_at = consent.withdrawn_at - datetime.timedelta(days=1)
    consent.save()
    assert task_anonymise_withdrawn.delay().get() == 1
    resident.refresh_from_db()
    assert resident.anonymised_at is not None and resident.name == ANONYMISED_NAME


def test_anonymisation_beat_schedule_runs_daily():
    from sanlian.celery import app

    entry = app.conf.beat_schedule["anonymise-withdrawn-residents"]
    assert entry["task"] == "communities.anonymise_withdrawn"


# --- anonymisation --------------------------------------------------------------------------


def _history() -> str:
    rows = AuditEntry.objects.values("changes", "object_repr", "reason")
    return json.dumps(list(rows), ensure_ascii=False)


def test_anonymisation_erases_identity_in_primary_and_history_tables(cast, resident):
    service_request = _file(resident, cast.community_staff)
    resident = resident_correct(
        actor=cast.community_staff,
        resident=resident,
        reason="更正",
        address="老地址9号",
        phone="13600002222",
        id_number=f.resident_id("140105", resident.birth_date, 777),
    )
    personal = [
        resident.name,
        mask_id_number(resident.id_number),
        mask_phone(resident.phone),
        "老地址9号",
    ]
    assert all(value in _history() for value in personal)  # the history held them
    resident_anonymise(actor=cast.civil, resident=resident, reason="本人要求删除")
    resident.refresh_from_db()
    assert resident.name == ANONYMISED_NAME
    assert resident.id_number is None
    assert resident.phone == resident.address == ""
    assert resident.emergency_contact_name == resident.emergency_contact_phone == ""
    assert resident.anonymised_at is not None
    assert resident.user is None
    assert ServiceRequest.objects.filter(pk=service_request.pk).exists()  # statistics kept
    assert [value for value in personal if value in _history()] == []


def test_anonymisation_deactivates_the_residents_account(cast, resident):
    user = resident.user
    resident_anonymise(actor=cast.community_staff, resident=resident, reason="删除")
    user.refresh_from_db()
    assert not user.is_active and user.display_name == "" and user.phone == ""


def test_anonymisation_twice_is_refused(cast, resident):
    resident_anonymise(actor=cast.community_staff, resident=resident, reason="删除")
    with pytest.raises(ValidationError):
        resident_anonymise(actor=cast.community_staff, resident=resident, reason="删除")


def test_anonymisation_by_family_is_forbidden(client, cast, resident):
    client.force_login(cast.family)
    assert client.post(_url("resident_anonymise", resident), {"reason": "删除"}).status_code == 403
    resident.refresh_from_db()
    assert resident.anonymised_at is None


def test_withdrawal_cancels_scheduled_visits(cast, resident):
    offering = f.OfferingFactory(organization=cast.organization, communities=[cast.community])
    visit = f.VisitFactory(
        request=f.ServiceRequestFactory(resident=resident, status="scheduled"),
        offering=offering,
        scheduled_start=timezone.now() + datetime.timedelta(days=2),
    )
    consent_withdraw(actor=cast.community_staff, resident=resident)
    visit.refresh_from_db()
    assert visit.status == "cancelled"


def test_anonymisation_scrubs_messages_but_not_a_namesakes_history(cast, resident):
    from services.models import Notification

    namesake = f.ResidentFactory(community=cast.community, name=resident.name)
    resident_correct(
        actor=cast.community_staff, resident=namesake, reason="更正", address="别处1号"
    )
    visit = f.VisitFactory(
        request=f.ServiceRequestFactory(resident=resident),
        offering=f.OfferingFactory(organization=cast.organization),
    )
    note = Notification.objects.create(
        user=cast.member,
        title="上门服务提醒",
        body=f"您明天为{resident.name}提供理发服务。",
        link=reverse("services:visit_detail", kwargs={"pk": visit.pk}),
    )
    resident_anonymise(actor=cast.community_staff, resident=resident, reason="删除")
    note.refresh_from_db()
    assert resident.name not in note.body and ANONYMISED_NAME in note.body
    kept = AuditEntry.objects.get(object_id=str(namesake.pk), object_type="communities.resident")
    assert kept.object_repr == namesake.name
