"""Reading candidates from the database and storing a matching run."""

import pytest

from organizations.models import Agreement, Organization
from services.matching.io import matching_candidates, matching_run
from services.models import Match, OfferingWeek, ServiceOffering, ServiceRequest
from tests import factories as f

# Matching plans next week (clock.next_monday): it refuses weeks that have already passed.


@pytest.fixture
def service_type(db):
    return f.ServiceTypeFactory(code="meal-delivery", name="助餐送餐")


def _offering(organization, service_type, **kwargs):
    offering = f.OfferingFactory(organization=organization, service_type=service_type, **kwargs)
    f.OfferingWindowFactory(offering=offering, weekday=0)
    return offering


def test_candidates_read_requests_of_the_scope_only(cast, service_type, clock):
    ours = f.ServiceRequestFactory(resident=cast.resident, service_type=service_type)
    f.ServiceRequestFactory(resident=cast.other_resident, service_type=service_type)
    f.ServiceRequestFactory(
        resident=cast.resident, service_type=service_type, status=ServiceRequest.Status.DONE
    )
    requests, _offerings = matching_candidates(
        street=cast.east_street, week_start=clock.next_monday
    )
    assert [r.id for r in requests] == [ours.pk]


def test_candidates_offer_agreement_or_listed_offerings_of_approved_organizations(
    cast, service_type, clock
):
    f.ServiceRequestFactory(resident=cast.resident, service_type=service_type)
    by_agreement = _offering(cast.organization, service_type)
    listed_org = f.OrganizationFactory()
    listed = _offering(listed_org, service_type, communities=[cast.community])
    _offering(cast.other_organization, service_type)  # serves only the west street
    _offering(cast.organization, service_type, status=ServiceOffering.Status.PAUSED)
    suspended = f.OrganizationFactory(status=Organization.Status.SUSPENDED)
    _offering(suspended, service_type, communities=[cast.community])
    _requests, offerings = matching_candidates(
        community=cast.community, week_start=clock.next_monday
    )
    assert {o.id for o in offerings} == {by_agreement.pk, listed.pk}
    assert cast.community.pk in {o.id: o for o in offerings}[by_agreement.pk].served_community_ids


def test_candidates_ignore_agreements_no_longer_in_force(cast, service_type, clock):
    f.ServiceRequestFactory(resident=cast.resident, service_type=service_type)
    _offering(cast.organization, service_type)
    Agreement.objects.filter(organization=cast.organization).update(status=Agreement.Status.ENDED)
    _requests, offerings = matching_candidates(
        community=cast.community, week_start=clock.next_monday
    )
    assert offerings == []


def test_candidates_count_remaining_places_of_the_week(cast, service_type, clock):
    f.ServiceRequestFactory(resident=cast.resident, service_type=service_type)
    partly = _offering(cast.organization, service_type, weekly_capacity=5)
    full = _offering(cast.organization, service_type, weekly_capacity=2)
    OfferingWeek.objects.create(
        offering=partly, week_start=clock.next_monday, capacity=5, reserved=3
    )
    OfferingWeek.objects.create(offering=full, week_start=clock.next_monday, capacity=2, reserved=2)
    _requests, offerings = matching_candidates(
        community=cast.community, week_start=clock.next_monday
    )
    # The full one comes with no place left, so an unserved request can be told "full".
    assert [(o.id, o.remaining) for o in offerings] == [(partly.pk, 2), (full.pk, 0)]


def test_candidates_read_in_a_fixed_number_of_queries(
    cast, service_type, django_assert_num_queries, clock
):
    for _ in range(5):
        resident = f.ResidentFactory(community=cast.community)
        f.ServiceRequestFactory(resident=resident, service_type=service_type)
        _offering(cast.organization, service_type, communities=[cast.community])
    with django_assert_num_queries(8):
        requests, offerings = matching_candidates(
            street=cast.east_street, week_start=clock.next_monday
        )
    assert (len(requests), len(offerings)) == (5, 5)


def test_candidates_need_exactly_one_scope(cast, clock):
    with pytest.raises(ValueError):
        matching_candidates(week_start=clock.next_monday)
    with pytest.raises(ValueError):
        matching_candidates(
            street=cast.east_street, community=cast.community, week_start=clock.next_monday
        )


def test_matching_run_stores_proposals_and_stats(cast, service_type, clock):
    offering = _offering(cast.organization, service_type, weekly_capacity=1)
    urgent = f.ServiceRequestFactory(resident=cast.resident, service_type=service_type, urgent=True)
    f.ServiceRequestFactory(
        resident=f.ResidentFactory(community=cast.community), service_type=service_type
    )
    run = matching_run(
        user=cast.street_staff, street=cast.east_street, week_start=clock.next_monday
    )
    match = Match.objects.get(run=run)
    assert (match.request, match.offering, match.status) == (urgent, offering, "proposed")
    assert "紧急" in match.reason
    assert run.stats["requests"] == 2
    assert (run.stats["served"], run.stats["urgent_served"]) == (1, 1)
    assert run.finished_at is not None


def test_matching_run_withdraws_earlier_proposals_of_the_same_week(cast, service_type, clock):
    _offering(cast.organization, service_type)
    f.ServiceRequestFactory(resident=cast.resident, service_type=service_type)
    first = matching_run(
        user=cast.street_staff, community=cast.community, week_start=clock.next_monday
    )
    second = matching_run(
        user=cast.street_staff, community=cast.community, week_start=clock.next_monday
    )
    assert list(first.matches.values_list("status", flat=True)) == ["withdrawn"]
    assert list(second.matches.values_list("status", flat=True)) == ["proposed"]


def test_matching_run_skips_requests_already_holding_a_match(cast, service_type, clock):
    offering = _offering(cast.organization, service_type)
    request = f.ServiceRequestFactory(resident=cast.resident, service_type=service_type)
    f.MatchFactory(request=request, offering=offering, status=Match.Status.CONFIRMED)
    run = matching_run(
        user=cast.street_staff, community=cast.community, week_start=clock.next_monday
    )
    assert run.matches.count() == 0
    assert run.stats["requests"] == 0


def test_candidates_list_each_offering_once_and_only_when_it_serves_the_scope(
    cast, service_type, clock
):
    """The offerings' read is an EXISTS on the listed communities (no join + DISTINCT): an
    offering listing several communities of the scope comes once, with all of them; one
    listing only a community outside the scope does not come."""
    f.ServiceRequestFactory(resident=cast.resident, service_type=service_type)
    neighbour = f.CommunityFactory(street=cast.east_street, name="桃南三社区")
    listed_org = f.OrganizationFactory()
    both = _offering(listed_org, service_type, communities=[cast.community, neighbour])
    _offering(listed_org, service_type, communities=[cast.other_community])
    # Listed in the scope *and* under an agreement there: still once.
    agreed_and_listed = _offering(cast.organization, service_type, communities=[cast.community])
    _requests, offerings = matching_candidates(
        street=cast.east_street, week_start=clock.next_monday
    )
    ids = [o.id for o in offerings]
    assert sorted(ids) == sorted({both.pk, agreed_and_listed.pk}) and len(ids) == 2
    by_id = {o.id: o for o in offerings}
    assert {cast.community.pk, neighbour.pk} <= by_id[both.pk].served_community_ids
