"""Every request a run leaves unserved gets a reason: stored, shown to staff and resident."""

import pytest
from django.urls import reverse

from organizations.models import Agreement
from services.matching.io import matching_run
from services.models import Match, OfferingWeek, UnservedRequest
from tests import factories as f

# Matching plans next week (clock.next_monday): it refuses weeks that have already passed.
SATURDAY = 1 << 5


def _type(code, name):
    return f.ServiceTypeFactory(code=code, name=name)


def _offering(organization, service_type, **kwargs):
    offering = f.OfferingFactory(organization=organization, service_type=service_type, **kwargs)
    f.OfferingWindowFactory(offering=offering, weekday=0)
    return offering


def _request(cast, service_type, **kwargs):
    resident = f.ResidentFactory(community=cast.community)
    return f.ServiceRequestFactory(resident=resident, service_type=service_type, **kwargs)


@pytest.fixture
def scene(cast, clock):
    bathing, meals, cleaning, haircut, visits = (
        _type("bathing", "助浴"),
        _type("meals", "助餐"),
        _type("cleaning", "助洁"),
        _type("haircut", "理发"),
        _type("visits", "探访"),
    )
    lapsed_org = f.OrganizationFactory()
    f.AgreementFactory(
        organization=lapsed_org, community=cast.community, status=Agreement.Status.ENDED
    )
    _offering(lapsed_org, meals)
    _offering(cast.organization, cleaning)
    full = _offering(cast.organization, haircut, weekly_capacity=2)
    OfferingWeek.objects.create(offering=full, week_start=clock.next_monday, capacity=2, reserved=2)
    _offering(cast.organization, visits, weekly_capacity=1)
    return {
        "no_offering": _request(cast, bathing),
        "no_agreement": _request(cast, meals),
        "no_window": _request(cast, cleaning, preferred_days=SATURDAY),
        "full": _request(cast, haircut),
        "taken": _request(cast, visits),
        "served": _request(cast, visits, urgent=True),
    }


def test_matching_run_gives_every_unserved_request_its_reason(cast, scene, clock):
    run = matching_run(
        user=cast.street_staff, street=cast.east_street, week_start=clock.next_monday
    )
    assert list(Match.objects.filter(run=run).values_list("request", flat=True)) == [
        scene["served"].pk
    ]
    verdicts = {u.request_id: (u.code, u.blocking) for u in UnservedRequest.objects.filter(run=run)}
    assert verdicts == {
        scene["no_offering"].pk: ("no_offering", 0),
        scene["no_agreement"].pk: ("no_agreement", 0),
        scene["no_window"].pk: ("no_window", 0),
        scene["full"].pk: ("full", 0),
        scene["taken"].pk: ("taken", 1),
    }
    assert run.stats["unserved"] == dict.fromkeys(
        ["no_offering", "no_agreement", "no_window", "full", "taken"], 1
    )


def test_a_later_run_supersedes_the_earlier_verdict(cast, scene, clock):
    first = matching_run(
        user=cast.street_staff, community=cast.community, week_start=clock.next_monday
    )
    second = matching_run(
        user=cast.street_staff, community=cast.community, week_start=clock.next_monday
    )
    current = UnservedRequest.objects.filter(current=True)
    assert set(current.values_list("run", flat=True)) == {second.pk}
    assert not UnservedRequest.objects.filter(run=first, current=True).exists()
    assert current.count() == 5


def test_request_page_tells_the_resident_in_a_plain_sentence(client, cast, clock):
    bathing = _type("bathing", "助浴")
    request = f.ServiceRequestFactory(resident=cast.resident, service_type=bathing)
    matching_run(user=cast.street_staff, community=cast.community, week_start=clock.next_monday)
    client.force_login(cast.resident.user)
    page = client.get(reverse("services:request_detail", args=[request.pk])).content.decode()
    assert "还在为您联系：本社区暂无提供助浴的服务组织" in page
    client.force_login(cast.community_staff)
    page = client.get(reverse("services:request_detail", args=[request.pk])).content.decode()
    assert "本社区暂无提供该服务的组织" in page


def test_run_page_lists_the_unserved_requests_with_reasons(client, cast, scene, clock):
    run = matching_run(
        user=cast.street_staff, street=cast.east_street, week_start=clock.next_monday
    )
    client.force_login(cast.street_staff)
    page = client.get(reverse("matching:run_detail", args=[run.pk])).content.decode()
    assert "本社区暂无提供该服务的组织" in page
    assert "服务组织本周没有生效的入驻协议" in page
    assert "本周名额已全部安排给 1 条优先级不低于它的需求" in page
    assert scene["taken"].resident.name in page


def test_matching_run_prefers_the_organization_that_served_the_resident_before(cast, clock):
    visits = _type("visits", "探访")
    earlier = f.OrganizationFactory(name="老朋友服务社")
    f.AgreementFactory(organization=earlier, community=cast.community)
    _offering(cast.organization, visits)
    theirs = _offering(earlier, visits)
    old = f.ServiceRequestFactory(resident=cast.resident, service_type=visits, status="done")
    f.MatchFactory(request=old, offering=theirs, week_start=clock.next_monday, status="accepted")
    request = f.ServiceRequestFactory(resident=cast.resident, service_type=visits)
    run = matching_run(
        user=cast.street_staff, community=cast.community, week_start=clock.next_monday
    )
    match = Match.objects.get(run=run, request=request)
    assert match.offering == theirs
    assert "曾为该居民服务" in match.reason
