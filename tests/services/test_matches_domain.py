"""Confirming, accepting, declining, expiring and assigning matches."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from sanlian.models import AuditEntry
from services.matching.domain import (
    match_accept,
    match_assign_manually,
    match_confirm,
    match_decline,
    match_expire_overdue,
)
from services.matching.tasks import task_expire_matches
from services.models import Match, OfferingWeek, ServiceOffering, ServiceRequest
from tests import factories as f

# Matching plans next week (clock.next_monday): it refuses weeks that have already passed.


@pytest.fixture
def proposal(cast, clock):
    """(cast, offering with one place a week, request, the match proposed for next week)."""
    service_type = f.ServiceTypeFactory(code="bathing", name="助浴")
    offering = f.OfferingFactory(
        organization=cast.organization, service_type=service_type, weekly_capacity=1
    )
    request = f.ServiceRequestFactory(resident=cast.resident, service_type=service_type)
    match = f.MatchFactory(request=request, offering=offering, week_start=clock.next_monday)
    return cast, offering, request, match


def _reserved(offering, week: datetime.date) -> int:
    row = OfferingWeek.objects.filter(offering=offering, week_start=week).first()
    return row.reserved if row else 0


def _confirmed(match, cast):
    return match_confirm(match=match, user=cast.street_staff)


def test_match_confirm_takes_a_place_and_marks_the_request_matched(proposal, clock):
    cast, offering, request, match = proposal
    other_proposal = f.MatchFactory(
        request=request, offering=offering, week_start=clock.next_monday
    )
    match = match_confirm(match=match, user=cast.community_staff)
    assert match.status == Match.Status.CONFIRMED
    assert match.confirmed_by == cast.community_staff
    assert match.expires_at > timezone.now() + datetime.timedelta(hours=47)
    assert _reserved(offering, clock.next_monday) == 1
    request.refresh_from_db()
    other_proposal.refresh_from_db()
    assert request.status == ServiceRequest.Status.MATCHED
    assert other_proposal.status == Match.Status.WITHDRAWN
    assert AuditEntry.objects.filter(object_type="services.match", object_id=match.pk).exists()


def test_match_confirm_refuses_when_the_week_is_full(proposal, clock):
    cast, offering, _request, match = proposal
    OfferingWeek.objects.create(
        offering=offering, week_start=clock.next_monday, capacity=1, reserved=1
    )
    with pytest.raises(ValidationError, match="名额已满"):
        match_confirm(match=match, user=cast.street_staff)
    match.refresh_from_db()
    assert match.status == Match.Status.PROPOSED
    assert _reserved(offering, clock.next_monday) == 1
    assert ServiceRequest.objects.get(pk=match.request_id).status == "open"


@pytest.mark.parametrize("who", ["member", "resident_user", "other_street_staff"])
def test_match_confirm_refuses_wrong_role_and_other_street(proposal, who, clock):
    cast, offering, _request, match = proposal
    user = cast.resident.user if who == "resident_user" else getattr(cast, who)
    with pytest.raises(PermissionDenied):
        match_confirm(match=match, user=user)
    match.refresh_from_db()
    assert match.status == Match.Status.PROPOSED
    assert _reserved(offering, clock.next_monday) == 0


def test_match_confirm_only_proposals(proposal, clock):
    cast, offering, _request, match = proposal
    Match.objects.filter(pk=match.pk).update(status=Match.Status.WITHDRAWN)
    with pytest.raises(ValidationError):
        match_confirm(match=match, user=cast.street_staff)
    assert _reserved(offering, clock.next_monday) == 0


def test_match_accept_by_a_member_of_the_organization(proposal, clock):
    cast, offering, _request, match = proposal
    match = match_accept(match=_confirmed(match, cast), user=cast.member)
    assert match.status == Match.Status.ACCEPTED
    assert match.responded_by == cast.member
    assert _reserved(offering, clock.next_monday) == 1


@pytest.mark.parametrize("who", ["other_member", "street_staff"])
def test_match_accept_refuses_other_organization_and_staff(proposal, who):
    cast, _offering, _request, match = proposal
    match = _confirmed(match, cast)
    with pytest.raises(PermissionDenied):
        match_accept(match=match, user=getattr(cast, who))
    match.refresh_from_db()
    assert match.status == Match.Status.CONFIRMED


def test_match_accept_refuses_after_the_deadline(proposal):
    cast, _offering, _request, match = proposal
    match = _confirmed(match, cast)
    Match.objects.filter(pk=match.pk).update(expires_at=timezone.now() - datetime.timedelta(1))
    with pytest.raises(ValidationError, match="期限"):
        match_accept(match=match, user=cast.member)
    assert Match.objects.get(pk=match.pk).status == Match.Status.CONFIRMED


def test_match_decline_frees_the_place_and_reopens_the_request(proposal, clock):
    cast, offering, request, match = proposal
    match = match_decline(match=_confirmed(match, cast), user=cast.member, reason="人手不足")
    assert (match.status, match.response_note) == (Match.Status.DECLINED, "人手不足")
    assert _reserved(offering, clock.next_monday) == 0
    request.refresh_from_db()
    assert request.status == ServiceRequest.Status.OPEN


def test_match_decline_needs_a_reason_and_changes_nothing_without(proposal, clock):
    cast, offering, _request, match = proposal
    match = _confirmed(match, cast)
    with pytest.raises(ValidationError) as error:
        match_decline(match=match, user=cast.member, reason="  ")
    assert "reason" in error.value.message_dict
    assert Match.objects.get(pk=match.pk).status == Match.Status.CONFIRMED
    assert _reserved(offering, clock.next_monday) == 1


def test_match_decline_refuses_other_organization(proposal, clock):
    cast, offering, _request, match = proposal
    match = _confirmed(match, cast)
    with pytest.raises(PermissionDenied):
        match_decline(match=match, user=cast.other_member, reason="不想做")
    assert _reserved(offering, clock.next_monday) == 1


def test_match_expire_overdue_frees_places_of_unanswered_matches_only(proposal, clock):
    cast, offering, request, match = proposal
    match = _confirmed(match, cast)
    later_offering = f.OfferingFactory(
        organization=cast.organization, service_type=offering.service_type
    )
    fresh_request = f.ServiceRequestFactory(
        resident=f.ResidentFactory(community=cast.community), service_type=offering.service_type
    )
    fresh = _confirmed(
        f.MatchFactory(
            request=fresh_request, offering=later_offering, week_start=clock.next_monday
        ),
        cast,
    )
    now = timezone.now() + datetime.timedelta(hours=49)
    Match.objects.filter(pk=fresh.pk).update(expires_at=now + datetime.timedelta(hours=1))
    assert match_expire_overdue(now=now) == 1
    match.refresh_from_db()
    request.refresh_from_db()
    assert (match.status, request.status) == (Match.Status.EXPIRED, "open")
    assert _reserved(offering, clock.next_monday) == 0
    assert Match.objects.get(pk=fresh.pk).status == Match.Status.CONFIRMED


def test_task_expire_matches_expires_overdue_matches(proposal, clock):
    cast, offering, _request, match = proposal
    match = _confirmed(match, cast)
    Match.objects.filter(pk=match.pk).update(expires_at=timezone.now() - datetime.timedelta(1))
    assert task_expire_matches.delay().get() == 1
    assert Match.objects.get(pk=match.pk).status == Match.Status.EXPIRED
    assert _reserved(offering, clock.next_monday) == 0


def test_match_assign_manually_creates_a_confirmed_match(proposal, clock):
    cast, offering, request, _match = proposal
    match = match_assign_manually(
        request=request,
        offering=offering,
        week_start=clock.next_monday + datetime.timedelta(days=2),
        user=cast.street_staff,
        reason="电话回访后指派",
    )
    assert (match.status, match.week_start) == (Match.Status.CONFIRMED, clock.next_monday)
    assert "电话回访后指派" in match.reason
    assert _reserved(offering, clock.next_monday) == 1
    assert ServiceRequest.objects.get(pk=request.pk).status == "matched"
    assert Match.objects.get(pk=_match.pk).status == Match.Status.WITHDRAWN


def test_match_assign_manually_obeys_the_capacity_rule(proposal, clock):
    cast, offering, request, _match = proposal
    OfferingWeek.objects.create(
        offering=offering, week_start=clock.next_monday, capacity=1, reserved=1
    )
    with pytest.raises(ValidationError):
        match_assign_manually(
            request=request,
            offering=offering,
            week_start=clock.next_monday,
            user=cast.civil,
            reason="急",
        )
    assert Match.objects.filter(status=Match.Status.CONFIRMED).count() == 0


@pytest.mark.parametrize("problem", ["other_type", "paused", "no_reason", "past_week"])
def test_match_assign_manually_rejects_bad_input(proposal, problem, clock):
    cast, offering, request, _match = proposal
    reason = "" if problem == "no_reason" else "急"
    week = (
        clock.next_monday - datetime.timedelta(weeks=3)
        if problem == "past_week"
        else clock.next_monday
    )
    if problem == "other_type":
        offering = f.OfferingFactory(organization=cast.organization)
    if problem == "paused":
        ServiceOffering.objects.filter(pk=offering.pk).update(status="paused")
        offering.refresh_from_db()
    with pytest.raises(ValidationError):
        match_assign_manually(
            request=request, offering=offering, week_start=week, user=cast.civil, reason=reason
        )
    assert Match.objects.filter(status=Match.Status.CONFIRMED).count() == 0
    assert OfferingWeek.objects.filter(reserved__gt=0).count() == 0


def test_match_assign_manually_refuses_other_street_and_wrong_role(proposal, clock):
    cast, offering, request, _match = proposal
    for user in (cast.other_street_staff, cast.member):
        with pytest.raises(PermissionDenied):
            match_assign_manually(
                request=request,
                offering=offering,
                week_start=clock.next_monday,
                user=user,
                reason="急",
            )
    assert Match.objects.filter(status=Match.Status.CONFIRMED).count() == 0


def test_match_assign_manually_refuses_offering_not_serving_the_community(proposal, clock):
    cast, offering, _request, _match = proposal
    # The other organization's offering lists the east community's neighbour only.
    elsewhere = f.OfferingFactory(
        organization=cast.other_organization,
        service_type=offering.service_type,
        communities=[cast.other_community],
    )
    request = f.ServiceRequestFactory(
        resident=f.ResidentFactory(community=cast.community), service_type=offering.service_type
    )
    with pytest.raises(ValidationError, match="不服务"):
        match_assign_manually(
            request=request,
            offering=elsewhere,
            week_start=clock.next_monday,
            user=cast.civil,
            reason="急",
        )
    assert not Match.objects.filter(request=request).exists()


def test_expire_task_is_scheduled_every_five_minutes():
    from sanlian.celery import app

    entry = app.conf.beat_schedule["expire-matches"]
    assert (entry["task"], entry["schedule"]) == ("services.expire_matches", 300)
    assert task_expire_matches.name == "services.expire_matches"


def test_match_expiry_keeps_its_reason_as_facts_read_in_each_language(proposal, clock):
    cast, _offering, _request, match = proposal
    match = _confirmed(match, cast)
    with translation.override("en"):  # whatever language the worker process runs in
        assert match_expire_overdue(now=timezone.now() + datetime.timedelta(hours=49)) == 1
    match.refresh_from_db()
    assert match.response_note == "组织未在期限内答复"
    entries = AuditEntry.objects.filter(reason="组织未在期限内答复")
    assert {entry.object_type for entry in entries} == {"services.match", "services.servicerequest"}
    for entry in entries:
        with translation.override("en"):
            assert entry.shown_reason == "The organization did not respond in time"
        assert entry.shown_reason == "组织未在期限内答复"
