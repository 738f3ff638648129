"""Editing a published offering: same rules as publishing, capacity never below bookings."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from organizations.models import Organization
from sanlian.models import AuditEntry
from services.models import OfferingWeek, ServiceOffering
from services.offerings import domain
from tests import factories as f


@pytest.fixture
def offering(cast):
    home_care = f.ServiceTypeFactory(code="haircut", name="理发", care_mode="home")
    return domain.offering_publish(
        organization=cast.organization,
        actor=cast.member,
        service_type=home_care,
        communities=[cast.community],
        weekly_capacity=10,
        price_class="paid",
        price_yuan=Decimal("12.50"),
        windows=[(0, datetime.time(9), datetime.time(11))],
    )


def _update(cast, offering, **overrides):
    arguments = {
        "offering": offering,
        "actor": cast.member,
        "service_type": offering.service_type,
        "communities": [cast.community],
        "weekly_capacity": 6,
        "price_class": "free",
        "price_yuan": None,
        "windows": [
            (2, datetime.time(14), datetime.time(16)),
            (4, datetime.time(8), datetime.time(9)),
        ],
        "description": "周三下午、周五早上",
    }
    arguments.update(overrides)
    return domain.offering_update(**arguments)


def _state(offering) -> tuple:
    offering = ServiceOffering.objects.get(pk=offering.pk)
    windows = sorted(offering.windows.values_list("weekday", "start_time", "end_time"))
    return (offering.weekly_capacity, offering.price_class, offering.price_fen, windows)


def _form(cast, offering, **overrides) -> dict:
    data = {
        "service_type": offering.service_type.pk,
        "communities": [cast.community.pk],
        "weekly_capacity": 8,
        "price_class": "subsidised",
        "price_yuan": "5",
        "weekdays": ["1", "3"],
        "start_time": "09:00",
        "end_time": "10:00",
    }
    data.update(overrides)
    return data


def test_offering_update_replaces_fields_and_windows_and_is_audited(cast, offering):
    _update(cast, offering)
    offering = ServiceOffering.objects.get(pk=offering.pk)
    assert (offering.weekly_capacity, offering.price_class, offering.price_fen) == (6, "free", 0)
    assert offering.description == "周三下午、周五早上"
    assert sorted(offering.windows.values_list("weekday", flat=True)) == [2, 4]
    entry = AuditEntry.objects.filter(
        object_type="services.serviceoffering", object_id=str(offering.pk), action="change"
    ).get()
    assert entry.actor == cast.member
    assert entry.changes["weekly_capacity"] == [10, 6]
    assert "windows" in entry.changes


def test_offering_update_resizes_this_and_later_weeks_not_past_ones(cast, offering, clock):
    past = OfferingWeek.objects.create(
        offering=offering, week_start=clock.monday - datetime.timedelta(weeks=1), capacity=10
    )
    current = OfferingWeek.objects.create(
        offering=offering, week_start=clock.monday, capacity=10, reserved=4
    )
    later = OfferingWeek.objects.create(
        offering=offering, week_start=clock.monday + datetime.timedelta(weeks=2), capacity=10
    )
    _update(cast, offering, weekly_capacity=4)
    assert [OfferingWeek.objects.get(pk=w.pk).capacity for w in (past, current, later)] == [
        10,
        4,
        4,
    ]


def test_offering_update_below_booked_places_is_refused_and_changes_nothing(cast, offering, clock):
    week = OfferingWeek.objects.create(
        offering=offering, week_start=clock.monday + datetime.timedelta(weeks=1), capacity=10,
        reserved=7,
    )  # fmt: skip
    before = _state(offering)
    with pytest.raises(ValidationError) as raised:
        _update(cast, offering, weekly_capacity=6)
    assert "已有一周预订了7人次" in raised.value.message_dict["weekly_capacity"][0]
    assert _state(offering) == before
    assert OfferingWeek.objects.get(pk=week.pk).capacity == 10


def test_offering_update_below_a_past_weeks_bookings_is_allowed(cast, offering, clock):
    OfferingWeek.objects.create(
        offering=offering, week_start=clock.monday - datetime.timedelta(weeks=3), capacity=10,
        reserved=9,
    )  # fmt: skip
    _update(cast, offering, weekly_capacity=2)
    assert ServiceOffering.objects.get(pk=offering.pk).weekly_capacity == 2


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"communities": []}, "communities"),
        ({"price_class": "paid", "price_yuan": None}, "price_yuan"),
        ({"windows": []}, "weekdays"),
        ({"windows": [(0, datetime.time(11), datetime.time(9))]}, "end_time"),
        ({"weekly_capacity": 0}, "weekly_capacity"),
    ],
)
def test_offering_update_invalid_input_changes_nothing(cast, offering, overrides, field):
    before = _state(offering)
    with pytest.raises(ValidationError) as raised:
        _update(cast, offering, **overrides)
    assert field in raised.value.message_dict
    assert _state(offering) == before


def test_offering_update_limits_communities_like_publishing(cast, offering):
    with pytest.raises(ValidationError) as raised:
        _update(cast, offering, communities=[cast.other_community])
    assert "communities" in raised.value.message_dict
    assert list(offering.communities.all()) == [cast.community]
    cast.organization.wants_to_serve.add(cast.other_community)
    _update(cast, offering, communities=[cast.other_community])
    assert list(offering.communities.all()) == [cast.other_community]


def test_offering_update_by_other_organizations_member_is_refused(cast, offering):
    before = _state(offering)
    with pytest.raises(PermissionDenied):
        _update(cast, offering, actor=cast.other_member)
    assert _state(offering) == before


def test_offering_update_when_suspended_is_refused(cast, offering):
    Organization.objects.filter(pk=cast.organization.pk).update(status="suspended")
    offering = ServiceOffering.objects.get(pk=offering.pk)
    before = _state(offering)
    with pytest.raises(ValidationError):
        _update(cast, offering)
    assert _state(offering) == before


def test_offering_edit_page_is_prefilled_from_the_offering(client, cast, offering):
    offering.windows.all().delete()
    for day in (1, 3):
        f.OfferingWindowFactory(
            offering=offering, weekday=day, start_time=datetime.time(8), end_time=datetime.time(9)
        )
        f.OfferingWindowFactory(
            offering=offering, weekday=day, start_time=datetime.time(14), end_time=datetime.time(15)
        )
    client.force_login(cast.member)
    form = client.get(reverse("offerings:edit", args=[offering.pk])).context["form"]
    assert form.initial["weekdays"] == [1, 3]
    assert (form.initial["start_time"], form.initial["end_time_2"]) == (
        datetime.time(8),
        datetime.time(15),
    )
    assert form.initial["price_yuan"] == Decimal("12.5")
    assert form.initial["weekly_capacity"] == 10


def test_offering_edit_page_saves(client, cast, offering):
    client.force_login(cast.member)
    response = client.post(reverse("offerings:edit", args=[offering.pk]), _form(cast, offering))
    assert response.status_code == 302
    assert _state(offering) == (
        8,
        "subsidised",
        500,
        [(1, datetime.time(9), datetime.time(10)), (3, datetime.time(9), datetime.time(10))],
    )


def test_offering_edit_page_shows_capacity_refusal_next_to_the_field(client, cast, offering, clock):
    OfferingWeek.objects.create(offering=offering, week_start=clock.monday, capacity=10, reserved=9)
    before = _state(offering)
    client.force_login(cast.member)
    response = client.post(reverse("offerings:edit", args=[offering.pk]), _form(cast, offering))
    assert response.status_code == 200
    assert "weekly_capacity" in response.context["form"].errors
    assert _state(offering) == before


def test_offering_edit_page_of_other_organization_is_404(client, cast, offering):
    client.force_login(cast.other_member)
    before = _state(offering)
    url = reverse("offerings:edit", args=[offering.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, _form(cast, offering)).status_code == 404
    assert _state(offering) == before


@pytest.mark.parametrize("who", ["street_staff", "civil", "family"])
def test_offering_edit_page_for_other_roles_is_403(client, cast, offering, who):
    client.force_login(getattr(cast, who))
    before = _state(offering)
    response = client.post(reverse("offerings:edit", args=[offering.pk]), _form(cast, offering))
    assert response.status_code == 403
    assert _state(offering) == before


def test_offering_list_links_to_the_edit_page(client, cast, offering):
    client.force_login(cast.member)
    page = client.get(reverse("offerings:list")).content.decode()
    assert reverse("offerings:edit", args=[offering.pk]) in page
