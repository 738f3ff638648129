"""Hotline intake: finding the caller, filing requests for them, the staff request list."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from communities.models import Consent, Resident
from sanlian.models import AuditEntry
from sanlian.roles import Role
from services.care.domain.residents import residents_search
from services.models import RequestChannel, ServiceRequest
from tests import factories as f


@pytest.fixture
def caller(cast):
    resident = f.ResidentFactory(
        community=cast.community, name="张秀兰", phone="13912345678", id_number=None
    )
    resident.id_number = f.resident_id("140105", resident.birth_date, 777)
    resident.save()
    f.ConsentFactory(resident=resident)
    return resident


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _search(client, user, term):
    client.force_login(user)
    # A full number needs a stated purpose (tests/privacy/test_identifier_search.py).
    return client.post(reverse("services:hotline"), {"q": term, "purpose": "居民来电求助"})


@pytest.mark.parametrize("term", ["5678", "13912345678", "139-1234-5678", "秀兰"])
def test_hotline_search_finds_caller_with_masked_identifiers_only(client, cast, caller, term):
    response = _search(client, cast.community_staff, term)
    html = response.content.decode()

    assert response.context["results"] == [caller]
    assert "139****5678" in html and caller.masked_id_number in html
    assert "13912345678" not in html
    assert caller.id_number not in html


def test_hotline_search_by_id_number(client, cast, caller):
    response = _search(client, cast.street_staff, caller.id_number)

    assert response.context["results"] == [caller]
    assert caller.id_number not in response.content.decode()


def test_hotline_search_does_not_reach_other_street(client, cast, caller):
    response = _search(client, cast.other_street_staff, "5678")

    assert response.context["results"] == []
    assert "张秀兰" not in response.content.decode()


def test_hotline_search_caps_results_and_ignores_short_digit_fragments(client, cast):
    for n in range(25):
        f.ResidentFactory(community=cast.community, name=f"李{n}", phone=f"1380000{n:04d}")

    by_name = _search(client, cast.community_staff, "李")
    by_fragment = _search(client, cast.community_staff, "138")

    assert len(by_name.context["results"]) == 20
    assert by_fragment.context["results"] == []


def test_hotline_search_query_count_is_fixed(client, cast, django_assert_max_num_queries):
    for n in range(30):
        f.ResidentFactory(community=cast.community, phone=f"1370000{n % 3:04d}")
    client.force_login(cast.community_staff)

    with django_assert_max_num_queries(8):
        client.post(reverse("services:hotline"), {"q": "0001"})


@pytest.mark.parametrize("who", ["member", "family"])
def test_hotline_is_for_government_staff_only(client, cast, who):
    response = _search(client, getattr(cast, who), "5678")

    assert response.status_code == 403
    assert "张秀兰" not in response.content.decode()


def _hotline_request(client, user, resident, **overrides):
    client.force_login(user)
    data = {
        "service_type": f.ServiceTypeFactory(code="bp", name="测血压").pk,
        "preferred_days": ["1"],
        "preferred_start": "08:00",
        "preferred_end": "10:00",
        "urgent": "on",
        **overrides,
    }
    return client.post(reverse("services:hotline_request_new", args=[resident.pk]), data)


def test_hotline_request_is_filed_by_the_staff_on_the_phone(client, cast, caller):
    response = _hotline_request(client, cast.community_staff, caller)

    service_request = ServiceRequest.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("services:request_detail", args=[service_request.pk])
    assert _messages(response) == ["已为 张秀兰 登记服务需求。"]
    assert service_request.resident == caller
    assert service_request.channel == RequestChannel.HOTLINE
    assert service_request.filed_by == cast.community_staff
    assert service_request.urgent is True
    assert service_request.status == ServiceRequest.Status.OPEN
    assert AuditEntry.objects.filter(
        object_type="services.servicerequest",
        object_id=str(service_request.pk),
        action="create",
        actor=cast.community_staff,
    ).exists()


def test_hotline_request_for_other_street_resident_is_not_found(client, cast, caller):
    response = _hotline_request(client, cast.other_street_staff, caller)

    assert response.status_code == 404
    assert ServiceRequest.objects.count() == 0
    assert not AuditEntry.objects.filter(object_type="services.servicerequest").exists()


@pytest.mark.parametrize("who", ["member", "family"])
def test_hotline_request_by_non_staff_is_forbidden(client, cast, caller, who):
    response = _hotline_request(client, getattr(cast, who), caller)

    assert response.status_code == 403
    assert ServiceRequest.objects.count() == 0
    assert not AuditEntry.objects.filter(object_type="services.servicerequest").exists()


def test_hotline_request_without_consent_is_refused(client, cast):
    no_consent = f.ResidentFactory(community=cast.community)

    response = _hotline_request(client, cast.community_staff, no_consent)

    assert response.status_code == 200
    assert "知情同意" in response.content.decode()
    assert ServiceRequest.objects.count() == 0
    assert not AuditEntry.objects.filter(object_type="services.servicerequest").exists()


def _register_data(community, **overrides):
    birth = f.datetime.date(1944, 6, 1)
    return {
        "name": "赵桂芳",
        "sex": "F",
        "birth_date": "1944-06-01",
        "id_number": f.resident_id("140105", birth, 321),
        "phone": "13698765432",
        "address": "桃园南路8号",
        "community": community.pk,
        "living_situation": "alone",
        "care_level": "semi_dependent",
        "emergency_contact_name": "赵明",
        "emergency_contact_phone": "13512345678",
        "consent_given": "on",
        "consent_given_by": "self",
        **overrides,
    }


def test_hotline_register_resident_records_consent_and_history(client, cast):
    client.force_login(cast.community_staff)

    response = client.post(reverse("services:hotline_resident_new"), _register_data(cast.community))

    resident = Resident.objects.get(name="赵桂芳")
    consent = resident.consents.get()
    assert response.status_code == 302
    assert response.url == reverse("services:hotline_request_new", args=[resident.pk])
    assert _messages(response) == ["已登记居民 赵桂芳。"]
    assert resident.community == cast.community
    assert resident.phone_last4 == "5432"
    assert consent.channel == "hotline" and consent.given_by == "self"
    assert consent.recorded_by == cast.community_staff
    entry = AuditEntry.objects.get(object_type="communities.resident", action="create")
    assert "13698765432" not in str(entry.changes)


def test_hotline_register_by_guardian_needs_the_guardians_name(client, cast):
    client.force_login(cast.community_staff)
    before = Resident.objects.count()

    response = client.post(
        reverse("services:hotline_resident_new"),
        _register_data(cast.community, consent_given_by="guardian"),
    )
    ok = client.post(
        reverse("services:hotline_resident_new"),
        _register_data(cast.community, consent_given_by="guardian", guardian_name="赵明"),
    )

    assert response.status_code == 200
    assert "监护人或家属姓名" in response.content.decode()
    assert ok.status_code == 302
    assert Resident.objects.count() == before + 1
    assert Resident.objects.get(name="赵桂芳").consents.get().guardian_name == "赵明"


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"id_number": "140105194406013210"}, "校验位"),
        ({"birth_date": "1944-06-02"}, "出生日期与身份证号码"),
        ({"phone": "12345"}, "手机号码"),
        ({"emergency_contact_phone": "0351123"}, "手机号码"),
        ({"consent_given": ""}, "没有取得同意"),
        ({"name": ""}, "该字段是必填项"),
    ],
)
def test_hotline_register_invalid_input_changes_nothing(client, cast, bad, message):
    client.force_login(cast.community_staff)
    before = (Resident.objects.count(), AuditEntry.objects.count())

    response = client.post(
        reverse("services:hotline_resident_new"), _register_data(cast.community, **bad)
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert (Resident.objects.count(), AuditEntry.objects.count()) == before
    assert not Consent.objects.filter(recorded_by=cast.community_staff).exists()


def test_hotline_register_outside_own_communities_changes_nothing(client, cast):
    client.force_login(cast.community_staff)
    before = (Resident.objects.count(), Consent.objects.count(), AuditEntry.objects.count())

    response = client.post(
        reverse("services:hotline_resident_new"), _register_data(cast.other_community)
    )

    assert response.status_code == 200
    assert "community" in response.context["form"].errors
    assert not Resident.objects.filter(name="赵桂芳").exists()
    assert (Resident.objects.count(), Consent.objects.count(), AuditEntry.objects.count()) == (
        before
    )


@pytest.mark.parametrize("who", ["member", "family"])
def test_hotline_register_by_non_staff_is_forbidden(client, cast, who):
    client.force_login(getattr(cast, who))

    response = client.post(reverse("services:hotline_resident_new"), _register_data(cast.community))

    assert response.status_code == 403
    assert not Resident.objects.filter(name="赵桂芳").exists()
    assert not AuditEntry.objects.filter(object_type="communities.resident").exists()


def test_request_list_puts_urgent_first_and_stays_in_scope(client, cast, caller):
    calm = f.ServiceRequestFactory(resident=caller)
    urgent = f.ServiceRequestFactory(resident=cast.resident, urgent=True)
    f.ServiceRequestFactory(resident=cast.other_resident, urgent=True)
    client.force_login(cast.street_staff)

    response = client.get(reverse("services:request_list"))
    html = response.content.decode()

    assert list(response.context["page_obj"].object_list) == [urgent, calm]
    assert "紧急" in html and "13912345678" not in html


def test_request_list_filters(client, cast, caller):
    haircut = f.ServiceTypeFactory(code="haircut", name="理发")
    wanted = f.ServiceRequestFactory(resident=caller, service_type=haircut, urgent=True)
    f.ServiceRequestFactory(resident=caller)
    f.ServiceRequestFactory(resident=cast.resident, service_type=haircut)
    f.ServiceRequestFactory(resident=caller, service_type=haircut, status="cancelled")
    client.force_login(cast.community_staff)

    response = client.get(
        reverse("services:request_list"),
        {
            "q": "秀兰",
            "status": "open",
            "urgent": "on",
            "service_type": haircut.pk,
            "community": cast.community.pk,
        },
    )

    assert list(response.context["page_obj"].object_list) == [wanted]


def test_request_list_query_count_is_fixed(client, cast, django_assert_max_num_queries):
    for resident in f.ResidentFactory.create_batch(15, community=cast.community):
        f.ServiceRequestFactory(resident=resident)
    client.force_login(cast.community_staff)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("services:request_list"))
    assert len(response.context["page_obj"].object_list) == 15


@pytest.mark.parametrize("who", ["member", "family"])
def test_request_list_is_for_government_staff_only(client, cast, who):
    client.force_login(getattr(cast, who))

    assert client.get(reverse("services:request_list")).status_code == 403


@pytest.mark.django_db
def test_hotline_search_finds_given_names_after_whole_name_prefixes():

    civil = f.UserFactory(username="civil-search", role=Role.CIVIL_AFFAIRS)
    community = f.CommunityFactory()
    for name in ("王秀英", "李秀英", "张英秀", "秀英华"):
        f.ResidentFactory(name=name, community=community)
    # A whole-name prefix wins.
    assert [r.name for r in residents_search(user=civil, term="秀英")] == ["秀英华"]
    # No name starts with 英秀: the given name (after the surname) does.
    assert [r.name for r in residents_search(user=civil, term="英秀")] == ["张英秀"]
    assert [r.name for r in residents_search(user=civil, term="秀英华")] == ["秀英华"]
    # Three characters or more are also looked for anywhere in the name ...
    f.ResidentFactory(name="欧阳桂秀英", community=community)
    assert [r.name for r in residents_search(user=civil, term="桂秀英")] == ["欧阳桂秀英"]
    # ... shorter ones are not: no index could answer them (the form says so).
    assert residents_search(user=civil, term="华") == []
    assert residents_search(user=civil, term="桂秀") == []
