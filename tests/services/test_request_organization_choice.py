"""A resident, family member or hotline staff names a preferred organization or excludes one.

Only organizations with offerings serving the resident's community are offered; a posted
id outside them is refused with a plain form error and nothing is filed. Matching honours
the choice (services/matching/core.py, level 3) and says so in the proposal's reason.
"""

import pytest
from django.urls import reverse

from sanlian.models import AuditEntry
from services.matching.io import matching_candidates, matching_run
from services.models import Match, OfferingWeek, ServiceRequest
from tests import factories as f


@pytest.fixture
def world(cast):
    f.ConsentFactory(resident=cast.resident)
    cast.haircut = f.ServiceTypeFactory(code="haircut", name="理发", care_mode="home")
    cast.bathing = f.ServiceTypeFactory(code="bathing", name="助浴", care_mode="home")
    # Ours serves the east community by agreement; a second organization lists it itself.
    cast.ours = _offering(cast.organization, cast.haircut)
    cast.second = f.OrganizationFactory(name="乐龄之家")
    cast.second_offering = _offering(cast.second, cast.haircut, communities=[cast.community])
    # Only bathing, and only for the east community.
    cast.bath_only = f.OrganizationFactory(name="净心助浴")
    _offering(cast.bath_only, cast.bathing, communities=[cast.community])
    # The west organization serves the west community only.
    _offering(cast.other_organization, cast.haircut)
    return cast


def _offering(organization, service_type, **kwargs):
    offering = f.OfferingFactory(organization=organization, service_type=service_type, **kwargs)
    f.OfferingWindowFactory(offering=offering, weekday=0)
    return offering


def _post(client, user, world, **overrides):
    client.force_login(user)
    data = {
        "resident": world.resident.pk,
        "service_type": world.haircut.pk,
        "preferred_days": ["0"],
        "preferred_start": "09:00",
        "preferred_end": "11:00",
        **overrides,
    }
    return client.post(reverse("services:request_new"), data)


def test_form_offers_only_organizations_serving_the_community(client, world):
    client.force_login(world.resident.user)
    form = client.get(reverse("services:request_new")).context["form"]

    offered = set(form.fields["preferred_organization"].queryset)
    assert offered == {world.organization, world.second, world.bath_only}
    assert world.other_organization not in set(form.fields["excluded_organization"].queryset)


def test_resident_names_and_excludes_an_organization(client, world):
    response = _post(
        client,
        world.resident.user,
        world,
        preferred_organization=world.second.pk,
        excluded_organization=world.organization.pk,
    )

    service_request = ServiceRequest.objects.get()
    assert response.status_code == 302
    assert service_request.preferred_organization == world.second
    assert service_request.excluded_organization == world.organization
    page = client.get(reverse("services:request_detail", args=[service_request.pk]))
    assert "乐龄之家" in page.content.decode() and "优社优家" in page.content.decode()
    audit = AuditEntry.objects.get(object_id=str(service_request.pk), action="create")
    assert str(world.second.pk) in str(audit.changes)


@pytest.mark.parametrize("field", ["preferred_organization", "excluded_organization"])
def test_foreign_organization_posted_is_refused_and_nothing_filed(client, world, field):
    response = _post(client, world.family, world, **{field: world.other_organization.pk})

    assert response.status_code == 200
    assert response.context["form"].errors[field] == [
        "该机构不为该居民所在社区提供服务，请从列出的机构中选择。"
    ]
    assert not ServiceRequest.objects.exists()


def test_made_up_organization_id_is_refused(client, world):
    response = _post(client, world.resident.user, world, preferred_organization=999_999)

    assert "preferred_organization" in response.context["form"].errors
    assert not ServiceRequest.objects.exists()


def test_preferred_organization_must_offer_the_service(client, world):
    """净心助浴 serves the community, but not with haircuts: the domain says so."""
    response = _post(client, world.resident.user, world, preferred_organization=world.bath_only.pk)

    assert response.status_code == 200
    assert response.context["form"].errors["preferred_organization"] == [
        "该机构没有为该居民所在社区提供这项服务，不能指定。请从列出的机构中选择。"
    ]
    assert not ServiceRequest.objects.exists()


def test_same_organization_cannot_be_named_and_excluded(client, world):
    response = _post(
        client,
        world.resident.user,
        world,
        preferred_organization=world.second.pk,
        excluded_organization=world.second.pk,
    )

    assert response.context["form"].errors["excluded_organization"] == [
        "同一家机构不能既指定又回避。"
    ]
    assert not ServiceRequest.objects.exists()


def test_hotline_staff_record_the_choice(client, world):
    client.force_login(world.community_staff)
    response = client.post(
        reverse("services:hotline_request_new", args=[world.resident.pk]),
        {
            "service_type": world.haircut.pk,
            "preferred_days": ["0"],
            "preferred_start": "09:00",
            "preferred_end": "11:00",
            "excluded_organization": world.organization.pk,
        },
    )

    assert response.status_code == 302
    assert ServiceRequest.objects.get().excluded_organization == world.organization


def test_hotline_foreign_organization_is_refused(client, world):
    client.force_login(world.community_staff)
    response = client.post(
        reverse("services:hotline_request_new", args=[world.resident.pk]),
        {
            "service_type": world.haircut.pk,
            "preferred_days": ["0"],
            "preferred_start": "09:00",
            "preferred_end": "11:00",
            "preferred_organization": world.other_organization.pk,
        },
    )

    assert response.status_code == 200
    assert "preferred_organization" in response.context["form"].errors
    assert not ServiceRequest.objects.exists()


def test_api_refuses_a_foreign_organization(client, world):
    client.force_login(world.resident.user)
    response = client.post(
        "/api/v1/requests/",
        {
            "resident": world.resident.pk,
            "service_type": world.haircut.pk,
            "preferred_days": [0],
            "preferred_organization": world.other_organization.pk,
        },
        content_type="application/json",
    )

    # An organization that exists but does not serve the resident's community is out of
    # reach: 404 naming the field, as the API's rule says (sanlian/api/exceptions.py).
    assert response.status_code == 404, response.content
    assert list(response.json()["errors"]) == ["preferred_organization"]
    assert not ServiceRequest.objects.exists()
    assert not ServiceRequest.objects.exists()


@pytest.mark.parametrize("named", ["second", "organization"])
def test_matching_honours_the_named_organization(client, world, clock, named):
    _post(client, world.resident.user, world, preferred_organization=getattr(world, named).pk)
    requests, _offerings = matching_candidates(
        community=world.community, week_start=clock.next_monday
    )
    assert requests[0].preferred_organization_id == getattr(world, named).pk

    matching_run(user=world.civil, community=world.community, week_start=clock.next_monday)

    match = Match.objects.get()
    assert match.offering.organization == getattr(world, named)
    assert "居民指定的机构" in match.reason


def test_matching_avoids_the_excluded_organization(client, world, clock):
    _post(client, world.resident.user, world, excluded_organization=world.second.pk)
    matching_run(user=world.civil, community=world.community, week_start=clock.next_monday)
    assert Match.objects.get().offering.organization == world.organization

    # With the other organization full, the excluded one is still better than nobody.
    Match.objects.all().delete()
    OfferingWeek.objects.create(
        offering=world.ours, week_start=clock.next_monday, capacity=1, reserved=1
    )
    matching_run(user=world.civil, community=world.community, week_start=clock.next_monday)
    match = Match.objects.get()
    assert match.offering.organization == world.second
    assert "居民曾要求回避该机构" in match.reason
