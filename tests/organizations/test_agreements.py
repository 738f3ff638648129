import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from organizations import domain
from organizations.models import Agreement, Organization
from sanlian.models import AuditEntry
from tests import factories as f

START = datetime.date(2026, 9, 1)


@pytest.fixture
def new_community(cast):
    return f.CommunityFactory(street=cast.east_street, name="桃南三社区")


@pytest.fixture
def pending(cast, new_community):
    return domain.agreement_request(
        organization=cast.organization,
        actor=cast.member,
        community=new_community,
        venue=f.VenueFactory(community=new_community),
        start_date=START,
    )


def test_request_creates_pending_agreement_with_history(cast, pending, new_community):
    assert pending.status == Agreement.Status.PENDING
    assert pending.community == new_community
    assert pending.requested_by == cast.member
    assert AuditEntry.objects.filter(
        object_type="organizations.agreement", object_id=str(pending.pk), action="create"
    ).exists()


def test_request_with_venue_of_another_community_is_refused(cast, new_community):
    venue = f.VenueFactory(community=cast.other_community)
    with pytest.raises(ValidationError) as raised:
        domain.agreement_request(
            organization=cast.organization,
            actor=cast.member,
            community=new_community,
            venue=venue,
            start_date=START,
        )
    assert "venue" in raised.value.message_dict
    assert not Agreement.objects.filter(community=new_community).exists()


def test_request_ending_before_start_is_refused(cast, new_community):
    with pytest.raises(ValidationError):
        domain.agreement_request(
            organization=cast.organization,
            actor=cast.member,
            community=new_community,
            venue=None,
            start_date=START,
            end_date=START - datetime.timedelta(days=1),
        )
    assert not Agreement.objects.filter(community=new_community).exists()


def test_second_open_request_for_same_community_is_refused(cast):
    before = Agreement.objects.count()
    with pytest.raises(ValidationError) as raised:
        domain.agreement_request(
            organization=cast.organization,
            actor=cast.member,
            community=cast.community,
            venue=None,
            start_date=START,
        )
    assert "community" in raised.value.message_dict
    assert Agreement.objects.count() == before


def test_suspended_organization_cannot_enter_communities(cast, new_community):
    Organization.objects.filter(pk=cast.organization.pk).update(
        status="suspended", review_reason="整改"
    )
    cast.organization.refresh_from_db()
    with pytest.raises(ValidationError):
        domain.agreement_request(
            organization=cast.organization,
            actor=cast.member,
            community=new_community,
            venue=None,
            start_date=START,
        )
    assert not Agreement.objects.filter(community=new_community).exists()


@pytest.mark.parametrize("who", ["street_staff", "community_staff_of_new"])
def test_staff_in_scope_accept(cast, pending, new_community, who):
    actor = cast.street_staff
    if who == "community_staff_of_new":
        actor = f.StaffAssignmentFactory(community=new_community).user
    domain.agreement_accept(agreement=pending, actor=actor)
    pending.refresh_from_db()
    assert pending.status == Agreement.Status.ACTIVE
    assert pending.decided_by == actor


def test_decline_requires_reason(cast, pending):
    with pytest.raises(ValidationError):
        domain.agreement_decline(agreement=pending, actor=cast.street_staff, reason="")
    pending.refresh_from_db()
    assert pending.status == Agreement.Status.PENDING
    domain.agreement_decline(agreement=pending, actor=cast.street_staff, reason="场地已满")
    pending.refresh_from_db()
    assert (pending.status, pending.decision_reason) == (Agreement.Status.DECLINED, "场地已满")


@pytest.mark.parametrize("who", ["other_street_staff", "community_staff", "civil", "member"])
def test_out_of_scope_or_wrong_role_cannot_decide(cast, pending, who):
    # cast.community_staff works for 桃南二社区, not the new community.
    with pytest.raises(PermissionDenied):
        domain.agreement_accept(agreement=pending, actor=getattr(cast, who))
    pending.refresh_from_db()
    assert pending.status == Agreement.Status.PENDING


def test_accepting_twice_is_refused(cast, pending):
    domain.agreement_accept(agreement=pending, actor=cast.street_staff)
    with pytest.raises(ValidationError):
        domain.agreement_decline(agreement=pending, actor=cast.street_staff, reason="晚了")
    pending.refresh_from_db()
    assert pending.status == Agreement.Status.ACTIVE


def test_organization_ends_active_agreement(cast):
    agreement = Agreement.objects.get(organization=cast.organization, community=cast.community)
    domain.agreement_end(agreement=agreement, actor=cast.member, reason="项目结束")
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.ENDED
    assert agreement.end_date is not None
    with pytest.raises(ValidationError):
        domain.agreement_end(agreement=agreement, actor=cast.member)


def test_other_organization_cannot_end_our_agreement(cast):
    agreement = Agreement.objects.get(organization=cast.organization, community=cast.community)
    with pytest.raises(PermissionDenied):
        domain.agreement_end(agreement=agreement, actor=cast.other_member)
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.ACTIVE


# --- pages --------------------------------------------------------------------------------


def test_agreement_request_page(client, cast, new_community):
    venue = f.VenueFactory(community=new_community)
    client.force_login(cast.member)
    response = client.post(
        reverse("organizations:agreement_create"),
        {"community": new_community.pk, "venue": venue.pk, "start_date": "2026-09-01"},
    )
    assert response.status_code == 302
    agreement = Agreement.objects.get(community=new_community)
    assert agreement.venue == venue
    assert agreement.status == Agreement.Status.PENDING


def test_agreement_request_page_shows_venue_error_next_to_field(client, cast, new_community):
    venue = f.VenueFactory(community=cast.other_community)
    client.force_login(cast.member)
    response = client.post(
        reverse("organizations:agreement_create"),
        {"community": new_community.pk, "venue": venue.pk, "start_date": "2026-09-01"},
    )
    assert "venue" in response.context["form"].errors
    assert not Agreement.objects.filter(community=new_community).exists()


def test_both_sides_see_the_agreement(client, cast, pending):
    for user in (cast.member, cast.street_staff, cast.civil):
        client.force_login(user)
        response = client.get(reverse("organizations:agreement_list"))
        assert pending in list(response.context["page_obj"]), user


def test_agreement_list_filters_by_status(client, cast, pending):
    client.force_login(cast.member)
    response = client.get(reverse("organizations:agreement_list"), {"status": "pending"})
    assert list(response.context["page_obj"]) == [pending]


def test_other_organization_and_other_street_get_404(client, cast, pending):
    for user in (cast.other_member, cast.other_street_staff):
        client.force_login(user)
        response = client.get(reverse("organizations:agreement_detail", args=[pending.pk]))
        assert response.status_code == 404
    client.force_login(cast.other_street_staff)
    response = client.post(reverse("organizations:agreement_accept", args=[pending.pk]))
    assert response.status_code == 404
    pending.refresh_from_db()
    assert pending.status == Agreement.Status.PENDING


def test_accept_page_by_street_staff(client, cast, pending):
    client.force_login(cast.street_staff)
    response = client.post(reverse("organizations:agreement_accept", args=[pending.pk]))
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == Agreement.Status.ACTIVE


def test_organization_cannot_accept_its_own_request(client, cast, pending):
    client.force_login(cast.member)
    response = client.post(reverse("organizations:agreement_accept", args=[pending.pk]))
    assert response.status_code == 403
    pending.refresh_from_db()
    assert pending.status == Agreement.Status.PENDING


def test_staff_cannot_end_an_agreement_from_the_page(client, cast):
    agreement = Agreement.objects.get(organization=cast.organization, community=cast.community)
    client.force_login(cast.street_staff)
    response = client.post(reverse("organizations:agreement_end", args=[agreement.pk]))
    assert response.status_code == 403
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.ACTIVE


def test_decline_page_without_reason_shows_message(client, cast, pending):
    client.force_login(cast.street_staff)
    response = client.post(
        reverse("organizations:agreement_decline", args=[pending.pk]), follow=True
    )
    assert "拒绝时必须填写原因" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == Agreement.Status.PENDING


def test_agreement_list_forbidden_for_residents(client, cast):
    client.force_login(cast.family)
    assert client.get(reverse("organizations:agreement_list")).status_code == 403
