"""The matching predicates: who may run, confirm, answer and assign, and in which state."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from services.matching.rules import (
    may_accept_match,
    may_assign_manually,
    may_confirm_match,
    may_confirm_run,
    may_decline_match,
    may_run_matching,
    may_view_inbox,
)
from services.models import MatchingRun
from services.offerings.models import week_start_of
from tests import factories as f

WEEK = week_start_of(datetime.date.today()) + datetime.timedelta(weeks=1)
PAST = WEEK - datetime.timedelta(weeks=3)


def _match(cast, *, organization=None, community=None, **fields):
    offering = f.OfferingFactory(organization=organization or cast.organization)
    return f.MatchFactory(
        offering=offering,
        request=f.ServiceRequestFactory(
            resident=f.ResidentFactory(community=community or cast.community),
            service_type=offering.service_type,
        ),
        **{"week_start": WEEK, **fields},
    )


def _run(cast, *, week_start=WEEK, **scope) -> MatchingRun:
    return MatchingRun.objects.create(week_start=week_start, started_by=cast.civil, **scope)


def test_may_run_matching_for_staff_in_their_scope(cast):
    assert may_run_matching(cast.civil, cast.west_street)
    assert may_run_matching(cast.street_staff, cast.east_street)
    assert may_run_matching(cast.street_staff, cast.community)
    assert may_run_matching(cast.community_staff, cast.community)
    assert may_run_matching(cast.community_staff)


def test_may_not_run_matching_for_another_street_a_whole_street_or_another_role(cast):
    assert not may_run_matching(cast.street_staff, cast.west_street)
    assert not may_run_matching(cast.street_staff, cast.other_community)
    # Community staff cover their community, not the whole street around it.
    assert not may_run_matching(cast.community_staff, cast.east_street)
    assert not may_run_matching(cast.member, cast.community)
    assert not may_run_matching(cast.member)
    assert not may_run_matching(cast.resident.user)
    assert not may_run_matching(AnonymousUser())


def test_may_confirm_run_of_their_scope_for_a_coming_week(cast):
    assert may_confirm_run(cast.street_staff, _run(cast, street=cast.east_street))
    assert may_confirm_run(cast.community_staff, _run(cast, community=cast.community))


def test_may_not_confirm_run_elsewhere_by_another_role_or_for_a_past_week(cast):
    assert not may_confirm_run(cast.street_staff, _run(cast, street=cast.west_street))
    assert not may_confirm_run(cast.community_staff, _run(cast, street=cast.east_street))
    assert not may_confirm_run(cast.member, _run(cast, community=cast.community))
    assert not may_confirm_run(
        cast.street_staff, _run(cast, street=cast.east_street, week_start=PAST)
    )


def test_may_confirm_match_a_proposal_in_scope(cast):
    assert may_confirm_match(cast.street_staff, _match(cast))
    assert may_confirm_match(cast.civil, _match(cast, community=cast.other_community))


def test_may_not_confirm_match_elsewhere_by_another_role_or_in_the_wrong_state(cast):
    assert not may_confirm_match(cast.street_staff, _match(cast, community=cast.other_community))
    assert not may_confirm_match(cast.member, _match(cast))
    assert not may_confirm_match(cast.street_staff, _match(cast, status="confirmed"))
    assert not may_confirm_match(cast.street_staff, _match(cast, week_start=PAST))


def test_may_accept_and_decline_match_confirmed_for_their_organization(cast):
    match = _match(cast, status="confirmed")
    assert may_accept_match(cast.member, match)
    assert may_decline_match(cast.member, match)


def test_may_not_answer_match_of_another_organization_or_by_another_role(cast):
    theirs = _match(cast, organization=cast.other_organization, status="confirmed")
    assert not may_accept_match(cast.member, theirs)
    assert not may_decline_match(cast.member, theirs)
    ours = _match(cast, status="confirmed")
    assert not may_accept_match(cast.street_staff, ours)
    assert not may_decline_match(cast.other_member, ours)


def test_may_not_answer_match_in_the_wrong_state(cast):
    for status in ("proposed", "accepted", "declined", "withdrawn"):
        match = _match(cast, status=status)
        assert not may_accept_match(cast.member, match)
        assert not may_decline_match(cast.member, match)


def test_an_overdue_match_may_be_declined_but_not_accepted(cast):
    overdue = _match(
        cast, status="confirmed", expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert not may_accept_match(cast.member, overdue)
    assert may_decline_match(cast.member, overdue)


def test_may_assign_manually_an_open_request_in_scope(cast):
    request = f.ServiceRequestFactory(resident=cast.resident)
    assert may_assign_manually(cast.street_staff, request)
    assert may_assign_manually(cast.community_staff, request)
    assert may_assign_manually(cast.civil)


def test_may_not_assign_manually_elsewhere_by_another_role_or_a_request_not_open(cast):
    theirs = f.ServiceRequestFactory(resident=cast.other_resident)
    assert not may_assign_manually(cast.street_staff, theirs)
    ours = f.ServiceRequestFactory(resident=cast.resident)
    assert not may_assign_manually(cast.member, ours)
    assert not may_assign_manually(cast.member)
    matched = f.ServiceRequestFactory(resident=cast.resident, status="matched")
    assert not may_assign_manually(cast.street_staff, matched)


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("member", True), ("other_member", True), ("street_staff", False), ("family", False)],
)
def test_may_view_inbox_only_as_organization_staff(cast, who, allowed):
    assert may_view_inbox(getattr(cast, who)) is allowed
