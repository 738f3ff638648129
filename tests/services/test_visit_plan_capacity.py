"""Weekly plans take places of each week's capacity; cancelled or missed visits give them back."""

import datetime
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils import timezone

from sanlian.models import Role
from services.domain.visits import (
    visit_cancel,
    visit_mark_missed,
    visit_plan_extend,
    visit_plan_stop,
    visit_reschedule,
    visit_schedule,
)
from services.models import OfferingWeek, Visit, week_start_of
from tests import factories as f


def next_monday(at: datetime.time, weeks_ahead: int = 0) -> datetime.datetime:
    today = timezone.localdate()
    day = today + datetime.timedelta(days=(7 - today.weekday()) + 7 * weeks_ahead)
    return timezone.make_aware(datetime.datetime.combine(day, at))


def _week(start: datetime.datetime) -> datetime.date:
    return week_start_of(timezone.localtime(start).date())


@pytest.fixture
def world(cast):
    offering = f.OfferingFactory(
        organization=cast.organization, communities=[cast.community], weekly_capacity=1
    )
    f.OfferingWindowFactory(offering=offering, weekday=0)
    worker = f.SocialWorkerFactory(
        user=f.UserFactory(username="worker", role=Role.SOCIAL_WORKER),
        organization=cast.organization,
    )
    return SimpleNamespace(cast=cast, offering=offering, worker=worker)


def _accepted_match(world, resident=None, **fields):
    request = f.ServiceRequestFactory(
        resident=resident or world.cast.resident,
        service_type=world.offering.service_type,
        status="matched",
    )
    return f.MatchFactory(request=request, offering=world.offering, status="accepted", **fields)


def _plan(world, match, at=datetime.time(10)):
    return visit_schedule(
        match=match,
        scheduled_start=next_monday(at),
        social_worker=world.worker,
        actor=world.cast.member,
        weekly=True,
    )


def _reserved(world, week: datetime.date) -> int:
    row = OfferingWeek.objects.filter(offering=world.offering, week_start=week).first()
    return row.reserved if row else 0


def test_plan_visits_outside_the_match_week_take_a_place_each(world):
    first = _plan(world, _accepted_match(world))
    extended = Visit.objects.exclude(pk=first.pk).order_by("scheduled_start")
    assert extended.exists()
    for visit in extended:
        assert visit.holds_week == _week(visit.scheduled_start)
        assert _reserved(world, visit.holds_week) == 1
    assert Visit.objects.get(pk=first.pk).holds_week is None


def test_plan_visit_in_the_match_week_uses_the_matchs_place(world):
    match_week = _week(next_monday(datetime.time(10), weeks_ahead=1))
    _plan(world, _accepted_match(world, week_start=match_week))
    visit = Visit.objects.get(scheduled_start=next_monday(datetime.time(10), weeks_ahead=1))
    assert visit.holds_week is None
    assert _reserved(world, match_week) == 0


def test_full_week_is_skipped_and_reported(world):
    full = _week(next_monday(datetime.time(10), weeks_ahead=2))
    OfferingWeek.objects.create(offering=world.offering, week_start=full, capacity=1, reserved=1)
    first = _plan(world, _accepted_match(world))
    weeks = {_week(start) for start in Visit.objects.values_list("scheduled_start", flat=True)}
    assert full not in weeks
    assert _reserved(world, full) == 1

    again = visit_plan_extend(plan=first.plan)
    assert again.created == []
    assert again.full_weeks == [full]


def test_two_plans_never_exceed_a_weeks_capacity(world):
    _plan(world, _accepted_match(world))
    second_resident = f.ResidentFactory(community=world.cast.community)
    second = _plan(world, _accepted_match(world, resident=second_resident), datetime.time(11))
    assert visit_plan_extend(plan=second.plan).full_weeks  # the first plan took those weeks
    for week in OfferingWeek.objects.filter(offering=world.offering):
        assert week.reserved <= week.capacity
    holders = Visit.objects.filter(holds_week__isnull=False).values("holds_week")
    assert all(row["n"] <= 1 for row in holders.annotate(n=Count("pk")))


def test_cancelling_a_plan_visit_gives_its_place_back(world):
    first = _plan(world, _accepted_match(world))
    visit = Visit.objects.exclude(pk=first.pk).order_by("scheduled_start").first()
    week = visit.holds_week
    visit_cancel(visit=visit, actor=world.cast.member, reason="居民住院")
    assert _reserved(world, week) == 0
    assert Visit.objects.get(pk=visit.pk).holds_week is None


def test_stopping_a_plan_gives_every_future_place_back(world):
    first = _plan(world, _accepted_match(world))
    visit_plan_stop(plan=first.plan, actor=world.cast.member)
    assert OfferingWeek.objects.filter(offering=world.offering, reserved__gt=0).count() == 0


def test_missed_plan_visit_gives_its_place_back(world):
    match = _accepted_match(world)
    start = timezone.localtime() - datetime.timedelta(hours=1)
    week = _week(start)
    OfferingWeek.objects.create(offering=world.offering, week_start=week, capacity=1, reserved=1)
    visit = f.VisitFactory(
        request=match.request,
        offering=world.offering,
        match=match,
        social_worker=world.worker,
        scheduled_start=start,
        holds_week=week,
    )
    visit_mark_missed(visit=visit, actor=world.worker.user, reason="家中无人")
    assert _reserved(world, week) == 0
    assert Visit.objects.get(pk=visit.pk).holds_week is None


def test_cancelling_the_first_visit_keeps_the_matchs_place(world):
    match = _accepted_match(world)
    OfferingWeek.objects.create(
        offering=world.offering, week_start=match.week_start, capacity=1, reserved=1
    )
    first = _plan(world, match)
    visit_cancel(visit=first, actor=world.cast.member)
    assert _reserved(world, match.week_start) == 1


def test_rescheduling_a_plan_visit_to_another_week_moves_its_place(world):
    first = _plan(world, _accepted_match(world))
    last = Visit.objects.exclude(pk=first.pk).order_by("scheduled_start").last()
    old_week = last.holds_week
    later = last.scheduled_start + datetime.timedelta(weeks=1)
    visit_reschedule(visit=last, scheduled_start=later, actor=world.cast.member)
    assert (_reserved(world, old_week), _reserved(world, _week(later))) == (0, 1)
    assert Visit.objects.get(pk=last.pk).holds_week == _week(later)


def test_rescheduling_into_a_full_week_is_refused_and_changes_nothing(world):
    first = _plan(world, _accepted_match(world))
    visits = list(Visit.objects.exclude(pk=first.pk).order_by("scheduled_start"))
    moved, full = visits[0], visits[1]
    with pytest.raises(ValidationError):
        visit_reschedule(
            visit=moved,
            scheduled_start=full.scheduled_start + datetime.timedelta(minutes=30),
            actor=world.cast.member,
        )
    moved_now = Visit.objects.get(pk=moved.pk)
    assert (moved_now.scheduled_start, moved_now.holds_week) == (
        moved.scheduled_start,
        moved.holds_week,
    )
    assert _reserved(world, moved.holds_week) == 1
