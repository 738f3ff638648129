import datetime
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from organizations.models import Agreement, Organization, OrganizationMember
from sanlian.models import AuditEntry, User
from sanlian.roles import Role
from services.models import OfferingWindow, ServiceOffering
from services.offerings import domain as offerings_domain
from tests import factories as f

Status = Organization.Status
MONDAY_MORNING = (0, datetime.time(9), datetime.time(11))


@pytest.fixture
def home_care(db):
    return f.ServiceTypeFactory(code="haircut", name="理发", care_mode="home")


@pytest.fixture
def day_care(db):
    return f.ServiceTypeFactory(code="day-care", name="日间照料", care_mode="day_care")


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _audited(instance, **filters):
    return AuditEntry.objects.filter(
        object_type=instance._meta.label_lower, object_id=str(instance.pk), **filters
    )


def _publish(cast, service_type, **overrides):
    arguments = {
        "organization": cast.organization,
        "actor": cast.member,
        "service_type": service_type,
        "communities": [cast.community],
        "weekly_capacity": 20,
        "price_class": "paid",
        "price_yuan": Decimal("12.50"),
        "windows": [MONDAY_MORNING, (2, datetime.time(14), datetime.time(16))],
    }
    arguments.update(overrides)
    return offerings_domain.offering_publish(**arguments)


# --- workspace ----------------------------------------------------------------------------


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.REJECTED, Status.SUSPENDED])
def test_workspace_shows_status_and_reason_when_not_approved(client, cast, status):
    Organization.objects.filter(pk=cast.organization.pk).update(
        status=status, review_reason="请补充材料"
    )
    client.force_login(cast.member)
    page = client.get(reverse("organizations:workspace")).content.decode()
    assert "请补充材料" in page
    assert reverse("offerings:create") not in page


@pytest.mark.parametrize(
    "url_name",
    [
        "organizations:profile_edit",
        "organizations:member_invite",
        "offerings:create",
        "organizations:agreement_create",
    ],
)
def test_workspace_tools_redirect_when_suspended(client, cast, url_name):
    Organization.objects.filter(pk=cast.organization.pk).update(
        status=Status.SUSPENDED, review_reason="整改"
    )
    client.force_login(cast.member)
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert response.url == reverse("organizations:workspace")
    assert _messages(response) == ["本组织当前不是已批准状态，暂不能使用此功能。"]


def test_profile_edit_post_when_suspended_changes_nothing(client, cast):
    Organization.objects.filter(pk=cast.organization.pk).update(
        status=Status.SUSPENDED, review_reason="整改"
    )
    client.force_login(cast.member)
    response = client.post(
        reverse("organizations:profile_edit"),
        {"legal_representative": "新法人", "contact_name": "新联系人", "address": "新地址"},
    )
    cast.organization.refresh_from_db()
    assert response.status_code == 302
    assert cast.organization.legal_representative == "张法人"
    assert not _audited(cast.organization).exists()


@pytest.mark.parametrize("who", ["civil", "street_staff", "family"])
def test_workspace_forbidden_for_other_roles(client, cast, who):
    client.force_login(getattr(cast, who))
    assert client.get(reverse("organizations:workspace")).status_code == 403


def test_profile_edit_saves_and_keeps_phone_when_blank(client, cast):
    phone = cast.organization.contact_phone
    client.force_login(cast.member)
    response = client.post(
        reverse("organizations:profile_edit"),
        {
            "legal_representative": "新法人",
            "contact_name": "新联系人",
            "contact_phone": "",
            "email": "new@example.org",
            "address": "新地址",
            "description": "",
            "wants_to_serve": [cast.other_community.pk],
        },
    )
    assert response.status_code == 302
    cast.organization.refresh_from_db()
    assert cast.organization.legal_representative == "新法人"
    assert cast.organization.contact_phone == phone
    assert list(cast.organization.wants_to_serve.all()) == [cast.other_community]
    entry = _audited(cast.organization, action="change", actor=cast.member).get()
    assert entry.changes["legal_representative"][1] == "新法人"
    assert "contact_phone" not in entry.changes


def test_profile_edit_page_never_shows_full_phone(client, cast):
    client.force_login(cast.member)
    page = client.get(reverse("organizations:profile_edit")).content.decode()
    assert cast.organization.contact_phone not in page


def test_profile_edit_invalid_phone_changes_nothing(client, cast):
    client.force_login(cast.member)
    response = client.post(
        reverse("organizations:profile_edit"),
        {
            "legal_representative": "新法人",
            "contact_name": "新联系人",
            "contact_phone": "999",
            "email": "new@example.org",
            "address": "新地址",
        },
    )
    assert response.status_code == 200
    assert "contact_phone" in response.context["form"].errors
    cast.organization.refresh_from_db()
    assert cast.organization.legal_representative == "张法人"
    assert cast.organization.contact_phone != "999"
    assert not _audited(cast.organization).exists()


def test_invite_creates_member_with_one_time_password(client, cast):
    client.force_login(cast.member)
    response = client.post(
        reverse("organizations:member_invite"), {"username": "bob", "display_name": "鲍勃"}
    )
    assert response.status_code == 200
    password = response.context["password"]
    user = User.objects.get(username="bob")
    assert user.role == Role.ORGANIZATION
    assert user.check_password(password)
    member = OrganizationMember.objects.get(user=user)
    assert member.organization == cast.organization
    assert not member.is_admin
    assert password in response.content.decode()
    entry = _audited(cast.organization, actor=cast.member).get()
    assert entry.changes == {"member_added": [None, "bob"]}


def test_invite_by_non_admin_member_is_forbidden(client, cast):
    OrganizationMember.objects.filter(user=cast.member).update(is_admin=False)
    client.force_login(cast.member)
    before = User.objects.count()
    response = client.post(
        reverse("organizations:member_invite"), {"username": "bob", "display_name": "鲍勃"}
    )
    assert response.status_code == 403
    assert User.objects.count() == before
    assert not User.objects.filter(username="bob").exists()
    assert cast.organization.members.count() == 1
    assert not _audited(cast.organization).exists()


def test_invite_taken_username_changes_nothing(client, cast):
    client.force_login(cast.member)
    before = User.objects.count()
    response = client.post(
        reverse("organizations:member_invite"), {"username": "charlie", "display_name": "x"}
    )
    assert response.status_code == 200
    assert "username" in response.context["form"].errors
    assert User.objects.count() == before
    # Charlie stays where he was: an invitation never moves another organization's member.
    assert OrganizationMember.objects.get(user=cast.other_member).organization == (
        cast.other_organization
    )
    assert cast.organization.members.count() == 1
    assert not _audited(cast.organization).exists()


# --- offerings ----------------------------------------------------------------------------


def test_offering_publish_creates_offering_and_windows(cast, home_care):
    offering = _publish(cast, home_care)
    assert offering.price_fen == 1250
    assert list(offering.communities.all()) == [cast.community]
    assert sorted(offering.windows.values_list("weekday", flat=True)) == [0, 2]


def test_offering_for_wanted_but_unagreed_community_is_allowed(cast, home_care):
    cast.organization.wants_to_serve.add(cast.other_community)
    offering = _publish(cast, home_care, communities=[cast.other_community])
    assert list(offering.communities.all()) == [cast.other_community]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"communities": []}, "communities"),
        ({"price_class": "free", "price_yuan": Decimal("3")}, "price_yuan"),
        ({"price_class": "paid", "price_yuan": None}, "price_yuan"),
        ({"price_yuan": Decimal("1.005")}, "price_yuan"),
        ({"windows": []}, "weekdays"),
        ({"windows": [(0, datetime.time(11), datetime.time(9))]}, "end_time"),
        ({"weekly_capacity": 0}, "weekly_capacity"),
    ],
)
def test_offering_invalid_input_creates_nothing(cast, home_care, overrides, field):
    with pytest.raises(ValidationError) as raised:
        _publish(cast, home_care, **overrides)
    assert field in raised.value.message_dict
    assert ServiceOffering.objects.count() == 0
    assert OfferingWindow.objects.count() == 0


def test_offering_for_community_without_agreement_or_wish_is_refused(cast, home_care):
    with pytest.raises(ValidationError) as raised:
        _publish(cast, home_care, communities=[cast.other_community])
    assert "communities" in raised.value.message_dict
    assert ServiceOffering.objects.count() == 0


def test_day_care_offering_needs_venue_of_agreed_community(cast, day_care):
    with pytest.raises(ValidationError):
        _publish(cast, day_care)
    foreign_venue = f.VenueFactory(community=cast.other_community)
    with pytest.raises(ValidationError):
        _publish(cast, day_care, venue=foreign_venue)
    venue = f.VenueFactory(community=cast.community)
    offering = _publish(cast, day_care, venue=venue)
    assert offering.venue == venue


def test_suspended_organization_cannot_publish(cast, home_care):
    Organization.objects.filter(pk=cast.organization.pk).update(
        status=Status.SUSPENDED, review_reason="整改"
    )
    cast.organization.refresh_from_db()
    with pytest.raises(ValidationError):
        _publish(cast, home_care)
    assert ServiceOffering.objects.count() == 0


def test_other_organizations_member_cannot_publish_for_us(cast, home_care):
    with pytest.raises(PermissionDenied):
        _publish(cast, home_care, actor=cast.other_member)
    assert ServiceOffering.objects.count() == 0


def test_offering_pause_and_resume(cast, home_care):
    offering = _publish(cast, home_care)
    offerings_domain.offering_pause(offering=offering, actor=cast.member)
    assert ServiceOffering.objects.get(pk=offering.pk).status == "paused"
    offerings_domain.offering_resume(offering=offering, actor=cast.member)
    assert ServiceOffering.objects.get(pk=offering.pk).status == "active"


def test_suspended_organization_cannot_resume_offering(cast, home_care):
    offering = _publish(cast, home_care)
    offerings_domain.offering_pause(offering=offering, actor=cast.member)
    Organization.objects.filter(pk=cast.organization.pk).update(
        status=Status.SUSPENDED, review_reason="整改"
    )
    offering = ServiceOffering.objects.get(pk=offering.pk)
    with pytest.raises(ValidationError):
        offerings_domain.offering_resume(offering=offering, actor=cast.member)
    assert ServiceOffering.objects.get(pk=offering.pk).status == "paused"


def test_offering_create_page_publishes(client, cast, home_care):
    client.force_login(cast.member)
    response = client.post(
        reverse("offerings:create"),
        {
            "service_type": home_care.pk,
            "communities": [cast.community.pk],
            "weekly_capacity": 5,
            "price_class": "subsidised",
            "price_yuan": "8",
            "weekdays": ["1", "3"],
            "start_time": "09:00",
            "end_time": "11:00",
            "start_time_2": "14:00",
            "end_time_2": "16:00",
        },
    )
    assert response.status_code == 302
    offering = ServiceOffering.objects.get()
    assert offering.organization == cast.organization
    assert list(offering.communities.all()) == [cast.community]
    assert offering.price_fen == 800
    assert sorted(offering.windows.values_list("weekday", "start_time")) == [
        (1, datetime.time(9)),
        (1, datetime.time(14)),
        (3, datetime.time(9)),
        (3, datetime.time(14)),
    ]
    assert _audited(offering, action="create", actor=cast.member).count() == 1


def test_offering_create_page_limits_communities(client, cast, home_care):
    client.force_login(cast.member)
    response = client.post(
        reverse("offerings:create"),
        {
            "service_type": home_care.pk,
            "communities": [cast.other_community.pk],
            "weekly_capacity": 5,
            "price_class": "free",
            "weekdays": ["1"],
            "start_time": "09:00",
            "end_time": "11:00",
        },
    )
    assert response.status_code == 200
    assert "communities" in response.context["form"].errors
    assert ServiceOffering.objects.count() == 0
    assert OfferingWindow.objects.count() == 0
    assert not AuditEntry.objects.filter(object_type="services.serviceoffering").exists()


def test_offering_list_shows_only_own_offerings(client, cast, home_care):
    _publish(cast, home_care)
    f.OfferingFactory(organization=cast.other_organization, service_type=home_care)
    client.force_login(cast.member)
    response = client.get(reverse("offerings:list"))
    assert [o.organization for o in response.context["page_obj"]] == [cast.organization]


def test_pausing_another_organizations_offering_is_404(client, cast, home_care):
    other = f.OfferingFactory(organization=cast.other_organization, service_type=home_care)
    client.force_login(cast.member)
    response = client.post(reverse("offerings:pause", args=[other.pk]))
    assert response.status_code == 404
    assert ServiceOffering.objects.get(pk=other.pk).status == "active"
    assert not _audited(other).exists()


def test_pausing_and_resuming_own_offering_by_page(client, cast, home_care):
    offering = _publish(cast, home_care)
    client.force_login(cast.member)

    paused = client.post(reverse("offerings:pause", args=[offering.pk]))
    status_after_pause = ServiceOffering.objects.get(pk=offering.pk).status
    again = client.post(reverse("offerings:pause", args=[offering.pk]))
    resumed = client.post(reverse("offerings:resume", args=[offering.pk]))

    assert [r.status_code for r in (paused, again, resumed)] == [302, 302, 302]
    assert status_after_pause == "paused"
    assert ServiceOffering.objects.get(pk=offering.pk).status == "active"
    assert _messages(resumed) == [
        "服务项目状态已更新。",
        "服务项目已经是该状态。",
        "服务项目状态已更新。",
    ]
    changes = _audited(offering, action="status").order_by("id").values_list("changes", flat=True)
    assert [c["status"] for c in changes] == [["active", "paused"], ["paused", "active"]]


def test_resuming_another_organizations_paused_offering_is_404(client, cast, home_care):
    other = f.OfferingFactory(
        organization=cast.other_organization, service_type=home_care, status="paused"
    )
    client.force_login(cast.member)
    response = client.post(reverse("offerings:resume", args=[other.pk]))
    assert response.status_code == 404
    assert ServiceOffering.objects.get(pk=other.pk).status == "paused"
    assert not _audited(other).exists()


def test_offering_list_forbidden_for_staff(client, cast):
    client.force_login(cast.street_staff)
    assert client.get(reverse("offerings:list")).status_code == 403


def test_offering_pause_by_staff_is_forbidden(client, cast, home_care):
    offering = _publish(cast, home_care)
    client.force_login(cast.street_staff)
    response = client.post(reverse("offerings:pause", args=[offering.pk]))
    assert response.status_code == 403
    assert ServiceOffering.objects.get(pk=offering.pk).status == "active"
    assert not _audited(offering, action="status").exists()


def test_offering_pages_for_non_member_org_user_are_404(client, cast):
    loner = f.UserFactory(username="loner", role=Role.ORGANIZATION)
    client.force_login(loner)
    assert client.get(reverse("organizations:workspace")).status_code == 404


def test_agreement_fixture_is_active(cast):
    # Guards the cast these tests lean on: our organization entered our community.
    assert Agreement.objects.filter(
        organization=cast.organization, community=cast.community, status="active"
    ).exists()
