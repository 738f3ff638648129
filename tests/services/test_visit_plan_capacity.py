"""Visits and weekly plans take places of each week's capacity, each visit once.

Accepted matches here really hold their place (`_held_match`), so `OfferingWeek.reserved`
is the booked figure organizations see and matching subtracts, and `_assert_booked` checks
the rule of services.care.domain.visits: each week's booked figure is the places visits hold
themselves plus the places of holding matches, and every other live visit rides on its
match's place in the match's week.
"""

import datetime
from collections import Counter
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from sanlian.models import AuditEntry
from sanlian.roles import Role
from services.care.domain.requests import request_cancel
from services.care.domain.visits import (
    LIVE,
    visit_cancel,
    visit_check_in,
    visit_complete,
    visit_mark_missed,
    visit_plan_extend,
    visit_plan_stop,
    visit_reschedule,
    visit_schedule,
)
from services.matching.domain import offering_week_release, offering_week_reserve
from services.models import Match, OfferingWeek, Reminder, ServiceRequest, Visit
from services.offerings.models import week_start_of
from tests import factories as f


def next_monday(at: datetime.time, weeks_ahead: int = 0) -> datetime.datetime:
    today = timezone.localdate()
    day = today + datetime.timedelta(days=(7 - today.weekday()) + 7 * weeks_ahead)
    return timezone.make_aware(datetime.datetime.combine(day, at))


def _week(start: datetime.datetime) -> datetime.date:
    return week_start_of(timezone.localtime(start).date())


def W(n: int) -> datetime.date:
    """The week `n` weeks after next week (W(-1) is this week)."""
    return _week(next_monday(datetime.time(10), weeks_ahead=n))


@pytest.fixture
def booking(cast):
    """An offering with one place a week on Mondays, and its worker."""
    offering = f.OfferingFactory(
        organization=cast.organization, communities=[cast.community], weekly_capacity=1
    )
    f.OfferingWindowFactory(offering=offering, weekday=0)
    worker = f.SocialWorkerFactory(
        user=f.UserFactory(username="worker", role=Role.SOCIAL_WORKER),
        organization=cast.organization,
    )
    return SimpleNamespace(cast=cast, offering=offering, worker=worker)


def _held_match(booking, week: datetime.date, resident=None) -> Match:
    """An accepted match that holds its place, as match_confirm + match_accept leave it."""
    request = f.ServiceRequestFactory(
        resident=resident or f.ResidentFactory(community=booking.cast.community),
        service_type=booking.offering.service_type,
        status="matched",
    )
    assert offering_week_reserve(offering=booking.offering, week_start=week)
    return f.MatchFactory(
        request=request, offering=booking.offering, status="accepted", week_start=week
    )


def _fill(booking, week: datetime.date) -> None:
    """Another organization's resident takes the week's places (an accepted match each)."""
    row = OfferingWeek.objects.filter(offering=booking.offering, week_start=week).first()
    for _ in range(booking.offering.weekly_capacity - (row.reserved if row else 0)):
        _held_match(booking, week)


def _schedule(booking, match, start=None, *, weekly=False) -> Visit:
    return visit_schedule(
        match=match,
        scheduled_start=start or next_monday(datetime.time(10)),
        social_worker=booking.worker,
        actor=booking.cast.member,
        weekly=weekly,
    )


def _move(booking, visit, start) -> Visit:
    return visit_reschedule(visit=visit, scheduled_start=start, actor=booking.cast.member)


def _booked(booking) -> dict[datetime.date, int]:
    weeks = OfferingWeek.objects.filter(offering=booking.offering, reserved__gt=0)
    return {week.week_start: week.reserved for week in weeks}


def _assert_booked(booking) -> None:
    visits = Visit.objects.filter(offering=booking.offering, status__in=LIVE).select_related(
        "match"
    )
    holding = Match.objects.filter(offering=booking.offering, status__in=Match.HOLDING)
    expected = Counter(v.holds_week for v in visits if v.holds_week is not None)
    expected.update(match.week_start for match in holding)
    assert _booked(booking) == dict(expected)
    riders = [v for v in visits if v.holds_week is None]
    for visit in riders:
        assert visit.match.status in Match.HOLDING
        assert _week(visit.scheduled_start) == visit.match.week_start
    assert len({visit.match_id for visit in riders}) == len(riders)  # one rider per match


def _state(visit: Visit) -> tuple:
    visit = Visit.objects.get(pk=visit.pk)
    reminders = list(visit.reminders.order_by("pk").values_list("pk", "due_at", "status"))
    return visit.scheduled_start, visit.holds_week, visit.status, reminders


# --- weekly plans --------------------------------------------------------------------------


def test_plan_visits_outside_the_match_week_take_a_place_each(booking):
    first = _schedule(booking, _held_match(booking, W(0)), weekly=True)
    extended = Visit.objects.exclude(pk=first.pk).order_by("scheduled_start")
    assert extended.exists()
    for visit in extended:
        assert visit.holds_week == _week(visit.scheduled_start)
    assert Visit.objects.get(pk=first.pk).holds_week is None
    assert _booked(booking) == {_week(v.scheduled_start): 1 for v in Visit.objects.all()}
    _assert_booked(booking)


def test_plan_starting_before_the_match_week_takes_the_matchs_place_along(booking):
    match = _held_match(booking, W(1))
    assert _booked(booking) == {W(1): 1}

    first = _schedule(booking, match, weekly=True)

    match.refresh_from_db()
    assert (match.week_start, first.holds_week) == (W(0), None)
    in_match_week = Visit.objects.get(scheduled_start=next_monday(datetime.time(10), 1))
    assert in_match_week.holds_week == W(1)
    assert _booked(booking)[W(0)] == _booked(booking)[W(1)] == 1
    _assert_booked(booking)


def test_full_week_is_skipped_and_reported(booking):
    _fill(booking, W(2))
    first = _schedule(booking, _held_match(booking, W(0)), weekly=True)
    weeks = {_week(start) for start in Visit.objects.values_list("scheduled_start", flat=True)}
    assert W(2) not in weeks
    assert _booked(booking)[W(2)] == 1

    again = visit_plan_extend(plan=first.plan)
    assert again.created == []
    assert again.full_weeks == [W(2)]
    _assert_booked(booking)


def test_a_second_plan_is_refused_in_a_week_the_first_filled(booking):
    _schedule(booking, _held_match(booking, W(0)), weekly=True)
    second = _held_match(booking, W(-1))
    booked = _booked(booking)

    with pytest.raises(ValidationError) as refused:
        _schedule(booking, second, next_monday(datetime.time(11)), weekly=True)

    assert "scheduled_start" in refused.value.error_dict
    assert not second.visits.exists() and not second.request.plans.exists()
    assert _booked(booking) == booked
    for week in OfferingWeek.objects.filter(offering=booking.offering):
        assert week.reserved <= week.capacity
    _assert_booked(booking)


def test_cancelling_a_plan_visit_gives_its_place_back(booking):
    first = _schedule(booking, _held_match(booking, W(0)), weekly=True)
    visit = Visit.objects.exclude(pk=first.pk).order_by("scheduled_start").first()
    week = visit.holds_week
    visit_cancel(visit=visit, actor=booking.cast.member, reason="居民住院")
    assert week not in _booked(booking)
    assert Visit.objects.get(pk=visit.pk).holds_week is None
    _assert_booked(booking)


def test_stopping_a_plan_gives_back_every_place_but_the_matchs(booking):
    match = _held_match(booking, W(0))
    first = _schedule(booking, match, weekly=True)
    assert len(_booked(booking)) > 1
    visit_plan_stop(plan=first.plan, actor=booking.cast.member)
    assert _booked(booking) == {W(0): 1}
    _assert_booked(booking)


def test_missed_plan_visit_gives_its_place_back(booking):
    match = _held_match(booking, W(0))
    start = timezone.localtime() - datetime.timedelta(hours=1)
    week = _week(start)
    offering_week_reserve(offering=booking.offering, week_start=week)
    visit = f.VisitFactory(
        request=match.request,
        offering=booking.offering,
        match=match,
        social_worker=booking.worker,
        scheduled_start=start,
        holds_week=week,
    )
    booked = _booked(booking)[week]
    visit_mark_missed(visit=visit, actor=booking.worker.user, reason="家中无人")
    assert _booked(booking).get(week, 0) == booked - 1
    assert Visit.objects.get(pk=visit.pk).holds_week is None


def test_cancelling_the_first_visit_keeps_the_matchs_place(booking):
    match = _held_match(booking, W(0))
    first = _schedule(booking, match, weekly=True)
    visit_cancel(visit=first, actor=booking.cast.member)
    assert _booked(booking)[W(0)] == 1
    _assert_booked(booking)


def test_rescheduling_a_plan_visit_to_another_week_moves_its_place(booking):
    first = _schedule(booking, _held_match(booking, W(0)), weekly=True)
    last = Visit.objects.exclude(pk=first.pk).order_by("scheduled_start").last()
    old_week = last.holds_week
    later = last.scheduled_start + datetime.timedelta(weeks=1)
    _move(booking, last, later)
    assert (_booked(booking).get(old_week, 0), _booked(booking)[_week(later)]) == (0, 1)
    assert Visit.objects.get(pk=last.pk).holds_week == _week(later)
    _assert_booked(booking)


def test_rescheduling_into_a_full_week_is_refused_and_changes_nothing(booking):
    first = _schedule(booking, _held_match(booking, W(0)), weekly=True)
    visits = list(Visit.objects.exclude(pk=first.pk).order_by("scheduled_start"))
    moved, full = visits[0], visits[1]
    before, booked = _state(moved), _booked(booking)
    with pytest.raises(ValidationError) as refused:
        _move(booking, moved, full.scheduled_start + datetime.timedelta(minutes=30))
    assert "scheduled_start" in refused.value.error_dict
    assert (_state(moved), _booked(booking)) == (before, booked)


def test_plan_visit_moved_into_the_match_week_takes_a_place_of_its_own(booking):
    booking.offering.weekly_capacity = 2
    booking.offering.save()
    first = _schedule(booking, _held_match(booking, W(0)), weekly=True)
    second = Visit.objects.get(scheduled_start=next_monday(datetime.time(10), 1))

    _move(booking, second, next_monday(datetime.time(11)))

    second.refresh_from_db()
    assert second.holds_week == W(0)
    assert Visit.objects.get(pk=first.pk).holds_week is None
    assert (_booked(booking)[W(0)], _booked(booking).get(W(1), 0)) == (2, 0)
    _assert_booked(booking)


def test_plan_visit_moved_into_the_match_week_rides_on_a_free_match_place(booking):
    match = _held_match(booking, W(0))
    first = _schedule(booking, match, weekly=True)
    visit_cancel(visit=first, actor=booking.cast.member, reason="居民住院")
    second = Visit.objects.get(scheduled_start=next_monday(datetime.time(10), 1))

    _move(booking, second, next_monday(datetime.time(11)))

    second.refresh_from_db()
    assert second.holds_week is None
    assert (_booked(booking)[W(0)], _booked(booking).get(W(1), 0)) == (1, 0)
    _assert_booked(booking)


# --- the first visit of a match --------------------------------------------------------------


def test_first_visit_in_another_week_takes_the_matchs_place_along(booking):
    match = _held_match(booking, W(-1))
    assert _booked(booking) == {W(-1): 1}

    visit = _schedule(booking, match)

    match.refresh_from_db()
    assert (match.week_start, visit.holds_week) == (W(0), None)
    assert _booked(booking) == {W(0): 1}
    audit = AuditEntry.objects.get(object_type="services.match", object_id=str(match.pk))
    assert audit.changes == {"week_start": [W(-1).isoformat(), W(0).isoformat()]}
    _assert_booked(booking)


def test_first_visit_into_a_full_week_is_refused_and_changes_nothing(booking):
    match = _held_match(booking, W(-1))
    _fill(booking, W(0))
    booked = _booked(booking)

    for weekly in (False, True):
        with pytest.raises(ValidationError) as refused:
            _schedule(booking, match, weekly=weekly)
        assert list(refused.value.error_dict) == ["scheduled_start"]

    match.refresh_from_db()
    assert match.week_start == W(-1)
    assert not match.visits.exists() and not match.request.plans.exists()
    assert not Reminder.objects.exists()
    assert _booked(booking) == booked == {W(-1): 1, W(0): 1}
    assert ServiceRequest.objects.get(pk=match.request_id).status == "matched"


def test_next_visit_after_a_completed_one_takes_a_place_of_its_own(booking):
    match = _held_match(booking, W(-1))
    f.VisitFactory(
        request=match.request,
        offering=booking.offering,
        match=match,
        status=Visit.Status.COMPLETED,
        scheduled_start=timezone.make_aware(datetime.datetime.combine(W(-1), datetime.time(9))),
    )

    visit = _schedule(booking, match)

    match.refresh_from_db()
    assert (match.week_start, visit.holds_week) == (W(-1), W(0))
    assert _booked(booking) == {W(-1): 1, W(0): 1}
    _assert_booked(booking)


def test_next_visit_after_a_cancelled_one_takes_the_matchs_place_along(booking):
    match = _held_match(booking, W(-1))
    visit_cancel(visit=_schedule(booking, match), actor=booking.cast.member, reason="老人住院")
    assert _booked(booking) == {W(0): 1}

    again = _schedule(booking, match, next_monday(datetime.time(10), 2))

    assert again.holds_week is None
    assert _booked(booking) == {W(2): 1}
    _assert_booked(booking)


# --- moving a one-off visit ------------------------------------------------------------------


def test_one_off_visit_moved_to_another_week_takes_the_matchs_place_along_and_back(booking):
    match = _held_match(booking, W(0))
    visit = _schedule(booking, match)

    _move(booking, visit, next_monday(datetime.time(11), 2))
    match.refresh_from_db()
    assert (match.week_start, Visit.objects.get(pk=visit.pk).holds_week) == (W(2), None)
    assert _booked(booking) == {W(2): 1}
    _assert_booked(booking)

    _move(booking, visit, next_monday(datetime.time(9)))
    match.refresh_from_db()
    assert match.week_start == W(0)
    assert _booked(booking) == {W(0): 1}
    _assert_booked(booking)


def test_one_off_visit_moved_within_a_full_week_keeps_its_place(booking):
    visit = _schedule(booking, _held_match(booking, W(0)))
    assert _booked(booking) == {W(0): 1}  # the week is full, by this visit

    _move(booking, visit, next_monday(datetime.time(11, 30)))

    assert _state(visit)[0] == next_monday(datetime.time(11, 30))
    assert _booked(booking) == {W(0): 1}


def test_one_off_visit_moved_into_a_full_week_changes_nothing(booking):
    match = _held_match(booking, W(0))
    visit = _schedule(booking, match)
    _fill(booking, W(1))
    before, booked = _state(visit), _booked(booking)
    assert before[3], "scheduling planned the visit's reminders"

    with pytest.raises(ValidationError) as refused:
        _move(booking, visit, next_monday(datetime.time(10), 1))

    assert list(refused.value.error_dict) == ["scheduled_start"]
    match.refresh_from_db()
    assert match.week_start == W(0)
    assert (_state(visit), _booked(booking)) == (before, booked)
    assert not AuditEntry.objects.filter(object_type="services.visit", action="change").exists()


def test_request_cancelled_after_a_move_frees_the_moved_week_once(booking):
    booking.offering.weekly_capacity = 2
    booking.offering.save()
    match = _held_match(booking, W(0))
    neighbours = [_held_match(booking, week) for week in (W(0), W(2))]
    visit = _schedule(booking, match)
    _move(booking, visit, next_monday(datetime.time(10), 2))
    visit_cancel(visit=visit, actor=booking.cast.member, reason="居民住院")
    assert _booked(booking) == {W(0): 1, W(2): 2}

    request_cancel(
        service_request=match.request, actor=booking.cast.street_staff, reason="已入住养老院"
    )

    assert Match.objects.get(pk=match.pk).status == Match.Status.WITHDRAWN
    assert _booked(booking) == {W(0): 1, W(2): 1}  # the neighbours keep theirs
    assert all(Match.objects.get(pk=m.pk).status == "accepted" for m in neighbours)
    _assert_booked(booking)


# --- the worker's steps ----------------------------------------------------------------------


def _due_now(booking, match, **fields) -> Visit:
    match.request.status = "scheduled"
    match.request.save()
    return f.VisitFactory(
        request=match.request,
        offering=booking.offering,
        match=match,
        social_worker=booking.worker,
        scheduled_start=timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0),
        **fields,
    )


def test_completing_a_visit_keeps_its_place(booking):
    booking.offering.weekly_capacity = 3
    booking.offering.save()
    rider_match, own_match = _held_match(booking, W(-1)), _held_match(booking, W(-1))
    _due_now(booking, own_match, status=Visit.Status.COMPLETED)  # rides on own_match's place
    assert offering_week_reserve(offering=booking.offering, week_start=W(-1))
    rider = _due_now(booking, rider_match)
    own = _due_now(booking, own_match, holds_week=W(-1))
    assert _booked(booking) == {W(-1): 3}

    for visit in (rider, own):
        visit_check_in(visit=visit, actor=booking.worker.user)
        visit_complete(visit=visit, actor=booking.worker.user, service_log="助浴一次")

    assert _booked(booking) == {W(-1): 3}
    assert Visit.objects.get(pk=own.pk).holds_week == W(-1)
    assert Visit.objects.get(pk=rider.pk).holds_week is None
    _assert_booked(booking)


def test_missed_visit_on_the_matchs_place_leaves_it_with_the_match(booking):
    match = _held_match(booking, W(-1))
    visit = _due_now(booking, match)

    visit_mark_missed(visit=visit, actor=booking.worker.user, reason="家中无人")

    assert _booked(booking) == {W(-1): 1}
    assert Match.objects.get(pk=match.pk).week_start == W(-1)


def test_giving_back_a_place_not_held_changes_nothing_and_is_logged(booking, caplog):
    offering = booking.offering
    assert offering_week_reserve(offering=offering, week_start=W(3))
    assert offering_week_release(offering_id=offering.pk, week_start=W(3)) is True
    with caplog.at_level("ERROR", logger="services.matching.domain"):
        assert offering_week_release(offering_id=offering.pk, week_start=W(3)) is False
    assert OfferingWeek.objects.get(offering=offering, week_start=W(3)).reserved == 0
    assert "was not held" in caplog.text
