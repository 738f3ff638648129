"""services.care.rules: who may file, cancel, schedule and carry out visits, and rate them.

The cast (tests/conftest.py): east is ours, every `other_*` is west.
"""

import datetime
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from communities.queries import is_own_resident, residents_of
from sanlian.roles import Role
from services.care import rules
from services.care.domain.visits import visit_check_in, visit_schedule
from services.care.queries import assignable_workers
from services.models import Visit
from tests import factories as f


@pytest.fixture
def care(cast):
    """An accepted match of the cast's resident with our organization, and its people."""
    offering = f.OfferingFactory(organization=cast.organization, communities=[cast.community])
    f.OfferingWindowFactory(offering=offering, weekday=0)
    service_request = f.ServiceRequestFactory(
        resident=cast.resident, service_type=offering.service_type, status="matched"
    )
    match = f.MatchFactory(request=service_request, offering=offering, status="accepted")
    worker = f.SocialWorkerFactory(
        user=f.UserFactory(username="worker", role=Role.SOCIAL_WORKER),
        organization=cast.organization,
    )
    other_worker = f.SocialWorkerFactory(
        user=f.UserFactory(username="worker2", role=Role.SOCIAL_WORKER),
        organization=cast.other_organization,
    )
    return SimpleNamespace(
        cast=cast,
        offering=offering,
        request=service_request,
        match=match,
        worker=worker,
        other_worker=other_worker,
    )


def _next_monday_10() -> datetime.datetime:
    """Inside the offering's window (Mondays 9-12), strictly after today."""
    today = timezone.localdate()
    day = today + datetime.timedelta(days=(0 - today.weekday()) % 7 or 7)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))


def _today_midnight() -> datetime.datetime:
    return timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)


def _visit(care, **fields) -> Visit:
    values = {
        "request": care.request,
        "offering": care.offering,
        "match": care.match,
        "social_worker": care.worker,
        "scheduled_start": _today_midnight(),
        **fields,
    }
    return f.VisitFactory(**values)


# --- "my resident or my family" ------------------------------------------------------------


def test_residents_of_is_the_resident_and_their_family(cast):
    assert list(residents_of(cast.resident.user)) == [cast.resident]
    assert list(residents_of(cast.family)) == [cast.resident]
    assert is_own_resident(cast.family, cast.resident)
    assert not is_own_resident(cast.family, cast.other_resident)


@pytest.mark.parametrize("who", ["civil", "street_staff", "member"])
def test_residents_of_is_empty_for_everyone_else(cast, who):
    assert not residents_of(getattr(cast, who)).exists()


# --- requests ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["civil", "street_staff", "community_staff", "family"])
def test_may_file_request_for_a_resident_in_reach(cast, who):
    assert rules.may_file_request(getattr(cast, who), cast.resident)


@pytest.mark.parametrize(
    ("who", "whom"),
    [
        ("other_street_staff", "resident"),
        ("street_staff", "other_resident"),
        ("family", "other_resident"),
        ("member", "resident"),
    ],
)
def test_may_not_file_request_for_a_resident_out_of_reach(cast, who, whom):
    assert not rules.may_file_request(getattr(cast, who), getattr(cast, whom))


def test_may_file_request_is_refused_to_organizations_and_dashboards(cast):
    assert rules.may_file_request(cast.resident.user)
    assert not rules.may_file_request(cast.member)
    assert not rules.may_file_request(f.UserFactory(role=Role.DASHBOARD))


@pytest.mark.parametrize("who", ["street_staff", "community_staff", "family"])
def test_may_cancel_open_or_matched_request(care, who):
    assert rules.may_cancel_request(getattr(care.cast, who), care.request)


@pytest.mark.parametrize("who", ["other_street_staff", "member", "other_member"])
def test_may_not_cancel_request_of_another_area_or_as_organization(care, who):
    refusal = rules.cancel_request_refusal(getattr(care.cast, who), care.request)
    assert isinstance(refusal, PermissionDenied)


def test_may_not_cancel_request_of_another_family(cast):
    theirs = f.ServiceRequestFactory(resident=cast.other_resident)
    assert not rules.may_cancel_request(cast.family, theirs)


@pytest.mark.parametrize("status", ["scheduled", "done", "cancelled"])
def test_may_not_cancel_request_past_matching(care, status):
    care.request.status = status
    refusal = rules.cancel_request_refusal(care.cast.family, care.request)
    assert isinstance(refusal, ValidationError)
    assert "不能取消" in refusal.messages[0]


# --- scheduling and organizing -------------------------------------------------------------


@pytest.mark.parametrize("who", ["member", "civil", "street_staff", "community_staff"])
def test_may_schedule_accepted_match(care, who):
    assert rules.may_schedule_visit(getattr(care.cast, who), care.match)


@pytest.mark.parametrize("who", ["other_member", "other_street_staff", "family"])
def test_may_not_schedule_match_of_another_organization_or_street(care, who):
    assert isinstance(
        rules.schedule_visit_refusal(getattr(care.cast, who), care.match), PermissionDenied
    )


def test_may_not_schedule_a_match_not_accepted(care):
    care.match.status = "confirmed"
    assert not rules.may_schedule_visit(care.cast.member, care.match)


def test_may_not_schedule_after_consent_withdrawn(care):
    now = timezone.now()
    f.ConsentFactory(
        resident=care.cast.resident, given_at=now - datetime.timedelta(days=1), withdrawn_at=now
    )
    refusal = rules.schedule_visit_refusal(care.cast.member, care.match)
    assert "撤回知情同意" in refusal.messages[0]


def test_may_not_schedule_while_a_visit_is_pending(care):
    _visit(care)
    assert not rules.may_schedule_visit(care.cast.member, care.match)


def test_visit_schedule_refuses_another_street_and_changes_nothing(care):
    start = _next_monday_10()
    with pytest.raises(PermissionDenied):
        visit_schedule(
            match=care.match,
            scheduled_start=start,
            actor=care.cast.other_street_staff,
            social_worker=care.worker,
        )
    assert not Visit.objects.exists()


@pytest.mark.parametrize("who", ["member", "community_staff"])
def test_may_reschedule_and_cancel_scheduled_visit(care, who):
    visit = _visit(care)
    user = getattr(care.cast, who)
    assert rules.may_reschedule(user, visit)
    assert rules.may_cancel_visit(user, visit)


@pytest.mark.parametrize("who", ["other_member", "other_street_staff"])
def test_may_not_reschedule_visit_of_another_organization_or_street(care, who):
    visit = _visit(care)
    user = getattr(care.cast, who)
    assert not rules.may_reschedule(user, visit)
    assert not rules.may_cancel_visit(user, visit)


def test_may_not_reschedule_or_cancel_as_the_worker(care):
    visit = _visit(care)
    assert not rules.may_reschedule(care.worker.user, visit)
    assert not rules.may_cancel_visit(care.worker.user, visit)


@pytest.mark.parametrize("status", ["in_progress", "completed", "missed", "cancelled"])
def test_may_not_reschedule_or_cancel_a_visit_not_scheduled(care, status):
    visit = _visit(care, status=status)
    assert not rules.may_reschedule(care.cast.member, visit)
    assert not rules.may_cancel_visit(care.cast.member, visit)


# --- the assigned worker's steps -----------------------------------------------------------


def test_may_check_in_on_the_day_as_assignee(care):
    assert rules.may_check_in(care.worker.user, _visit(care))


def test_may_not_check_in_on_another_day(care):
    visit = _visit(care, scheduled_start=timezone.now() + datetime.timedelta(days=2))
    refusal = rules.check_in_refusal(care.worker.user, visit)
    assert isinstance(refusal, ValidationError)
    assert refusal.code == rules.NOT_TODAY


@pytest.mark.parametrize("who", ["member", "community_staff", "family"])
def test_may_not_check_in_unless_assigned(care, who):
    assert isinstance(
        rules.check_in_refusal(getattr(care.cast, who), _visit(care)), PermissionDenied
    )


def test_may_not_check_in_as_another_worker(care):
    assert not rules.may_check_in(care.other_worker.user, _visit(care))


def test_may_not_check_in_twice(care):
    assert not rules.may_check_in(care.worker.user, _visit(care, status="in_progress"))


def test_may_check_out_and_complete_in_progress(care):
    visit = _visit(care, status="in_progress", checked_in_at=timezone.now())
    assert rules.may_check_out(care.worker.user, visit)
    assert rules.may_complete(care.worker.user, visit)


def test_may_not_check_out_twice_but_may_still_complete(care):
    now = timezone.now()
    visit = _visit(care, status="in_progress", checked_in_at=now, checked_out_at=now)
    assert not rules.may_check_out(care.worker.user, visit)
    assert rules.may_complete(care.worker.user, visit)


def test_may_not_check_out_or_complete_before_check_in_or_as_someone_else(care):
    scheduled = _visit(care)
    assert not rules.may_check_out(care.worker.user, scheduled)
    assert not rules.may_complete(care.worker.user, scheduled)
    in_progress = _visit(care, status="in_progress", checked_in_at=timezone.now())
    assert not rules.may_check_out(care.cast.member, in_progress)
    assert not rules.may_complete(care.other_worker.user, in_progress)


def test_may_mark_missed_once_the_time_passed(care):
    assert rules.may_mark_missed(care.worker.user, _visit(care))


def test_may_not_mark_missed_before_the_time_or_unless_assigned(care):
    later = _visit(care, scheduled_start=timezone.now() + datetime.timedelta(hours=3))
    assert not rules.may_mark_missed(care.worker.user, later)
    assert not rules.may_mark_missed(care.cast.member, _visit(care))
    assert not rules.may_mark_missed(care.worker.user, _visit(care, status="completed"))


def test_visit_check_in_refuses_on_another_day_and_changes_nothing(care):
    visit = _visit(care, scheduled_start=timezone.now() + datetime.timedelta(days=2))
    with pytest.raises(ValidationError, match="只能在预约当天签到"):
        visit_check_in(visit=visit, actor=care.worker.user)
    visit.refresh_from_db()
    assert visit.status == Visit.Status.SCHEDULED and visit.checked_in_at is None


# --- rating --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["family", "resident"])
def test_may_rate_completed_visit_of_own_resident(care, who):
    user = care.cast.resident.user if who == "resident" else care.cast.family
    assert rules.may_rate(user, _visit(care, status="completed"))


@pytest.mark.parametrize("who", ["member", "community_staff", "civil"])
def test_may_not_rate_as_anyone_but_the_resident_side(care, who):
    visit = _visit(care, status="completed")
    assert isinstance(rules.rate_refusal(getattr(care.cast, who), visit), PermissionDenied)


def test_may_not_rate_visit_of_another_family(cast):
    theirs = f.VisitFactory(request__resident=cast.other_resident, status="completed")
    assert not rules.may_rate(cast.family, theirs)


def test_may_not_rate_before_completion_or_twice(care):
    assert not rules.may_rate(care.cast.family, _visit(care))
    rated = _visit(care, status="completed")
    f.FeedbackFactory(visit=rated)
    rated.refresh_from_db()
    refusal = rules.rate_refusal(care.cast.family, rated)
    assert "已经评价过了" in refusal.messages[0]


# --- visit_open_steps ----------------------------------------------------------------------


def test_visit_open_steps_for_the_worker_on_the_day(care):
    steps = rules.visit_open_steps(_visit(care), care.worker.user)
    assert steps.check_in and steps.mark_missed
    assert not (steps.check_in_later or steps.check_out or steps.complete)
    assert not (steps.reschedule or steps.cancel or steps.rate)


def test_visit_open_steps_for_the_worker_before_the_day(care):
    visit = _visit(care, scheduled_start=timezone.now() + datetime.timedelta(days=2))
    steps = rules.visit_open_steps(visit, care.worker.user)
    assert steps.check_in_later and not steps.check_in and not steps.mark_missed


def test_visit_open_steps_for_the_organization(care):
    steps = rules.visit_open_steps(_visit(care), care.cast.member)
    assert steps.reschedule and steps.cancel
    assert not (steps.check_in or steps.check_in_later or steps.mark_missed)


def test_visit_open_steps_for_the_family_after_completion(care):
    steps = rules.visit_open_steps(_visit(care, status="completed"), care.cast.family)
    assert steps.as_context() == {
        "can_check_in": False,
        "can_check_in_later": False,
        "can_check_out": False,
        "can_complete": False,
        "can_mark_missed": False,
        "can_reschedule": False,
        "can_cancel": False,
        "can_rate": True,
    }


# --- assignable_workers --------------------------------------------------------------------


def test_assignable_workers_of_the_organization_and_the_community(care):
    serving = f.SocialWorkerFactory(organization=care.cast.other_organization)
    serving.communities.add(care.cast.community)
    inactive = f.SocialWorkerFactory(organization=care.cast.organization, active=False)
    local_volunteer = f.VolunteerFactory(team__community=care.cast.community)
    far_volunteer = f.VolunteerFactory(team__community=care.cast.other_community)
    assignable = assignable_workers(care.match)
    assert set(assignable.social_workers) == {care.worker, serving}
    assert inactive not in assignable.social_workers
    assert care.other_worker not in assignable.social_workers
    assert list(assignable.volunteers) == [local_volunteer]
    assert far_volunteer not in assignable.volunteers
    assert set(assignable.staff_members) == {care.cast.member}


def test_visit_schedule_refuses_a_worker_the_form_would_not_offer(care):
    start = _next_monday_10()
    with pytest.raises(ValidationError, match="该社工不属于本组织"):
        visit_schedule(
            match=care.match,
            scheduled_start=start,
            actor=care.cast.member,
            social_worker=care.other_worker,
        )
    assert not Visit.objects.exists()


def test_social_worker_files_only_for_residents_of_communities_served(cast):
    worker = f.SocialWorkerFactory(user=f.UserFactory(role=Role.SOCIAL_WORKER))
    worker.communities.set([cast.community])
    assert rules.may_file_request(worker.user, cast.resident)
    assert not rules.may_file_request(worker.user, cast.other_resident)
    # Not through the request pages and API: a social worker files from a case's care plan.
    assert not rules.may_file_request(worker.user)
    worker.active = False
    worker.save()
    assert not rules.may_file_request(worker.user, cast.resident)
