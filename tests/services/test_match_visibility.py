"""Organizations see a match only once staff confirmed it (issue 19, finding 6)."""

import datetime

import pytest
from rest_framework.test import APIClient

from services.matching.domain import (
    match_confirm,
    matches_withdraw_for_request,
    matches_withdraw_proposed,
)
from services.matching.queries import matches_visible_to
from services.models import Match
from services.offerings.models import week_start_of
from tests import factories as f

WEEK = week_start_of(datetime.date.today()) + datetime.timedelta(weeks=1)


@pytest.fixture
def proposals(cast):
    """A first run's proposal replaced by a re-run, and one staff confirmed then withdrew."""
    offering = f.OfferingFactory(organization=cast.organization)
    first_run = f.MatchFactory(
        request=f.ServiceRequestFactory(resident=cast.resident, service_type=offering.service_type),
        offering=offering,
        week_start=WEEK,
        reason="同社区，失能",
    )
    matches_withdraw_proposed(
        matches=Match.objects.filter(pk=first_run.pk), actor=cast.street_staff, reason="重新匹配"
    )
    confirmed = f.MatchFactory(
        request=f.ServiceRequestFactory(resident=cast.resident, service_type=offering.service_type),
        offering=offering,
        week_start=WEEK,
    )
    match_confirm(match=confirmed, user=cast.street_staff)
    matches_withdraw_for_request(
        service_request=confirmed.request, actor=cast.street_staff, reason="需求已取消"
    )
    first_run.refresh_from_db()
    confirmed.refresh_from_db()
    assert first_run.status == confirmed.status == Match.Status.WITHDRAWN
    return first_run, confirmed


def _api_ids(user) -> set[int]:
    client = APIClient()
    client.force_authenticate(user)
    return {row["id"] for row in client.get("/api/v1/matches/").json()["results"]}


def test_withdrawn_proposal_never_reaches_the_organization(cast, proposals, client):
    first_run, confirmed = proposals
    # Control: the match staff confirmed is the organization's to see, withdrawn or not.
    assert _api_ids(cast.member) == {confirmed.pk}
    assert list(matches_visible_to(cast.member)) == [confirmed]
    client.force_login(cast.member)
    inbox = client.get("/matching/inbox/?show=answered").content.decode()
    assert "失能" not in inbox
    # Staff still see both.
    assert set(matches_visible_to(cast.street_staff)) == {first_run, confirmed}


def test_old_organization_filter_would_have_leaked_the_proposal(cast, proposals):
    """The test above catches the leak: the previous filter (only `proposed` excluded) shows it."""
    first_run, _confirmed = proposals
    old = Match.objects.filter(offering__organization__members__user=cast.member).exclude(
        status=Match.Status.PROPOSED
    )
    assert first_run in old
    assert first_run not in matches_visible_to(cast.member)


def test_fresh_proposal_stays_with_staff(cast):
    match = f.MatchFactory(offering=f.OfferingFactory(organization=cast.organization))
    assert match not in matches_visible_to(cast.member)
    assert match in matches_visible_to(cast.civil)
