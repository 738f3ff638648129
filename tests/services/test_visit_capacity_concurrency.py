"""Reschedules racing for a week's places never overbook it (PostgreSQL only)."""

import contextlib
import datetime
import threading
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.db import connections, transaction
from django.utils import timezone

from sanlian.roles import Role
from services.care.domain import visits as domain
from services.care.domain.visits import LIVE, visit_cancel, visit_reschedule, visit_schedule
from services.matching import domain as matches_domain
from services.matching.domain import offering_week_reserve
from services.models import Match, OfferingWeek, Visit
from services.offerings.models import week_start_of
from tests import factories as f
from tests.services._races import RACES_ON_POSTGRESQL

pytestmark = RACES_ON_POSTGRESQL


def monday(weeks_ahead: int, hour: int = 10) -> datetime.datetime:
    today = timezone.localdate()
    day = today + datetime.timedelta(days=(7 - today.weekday()) + 7 * weeks_ahead)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def W(weeks_ahead: int) -> datetime.date:
    return week_start_of(monday(weeks_ahead).date())


@pytest.fixture
def booking(cast):
    """(offering with two places a week on Mondays, its worker, the member who books)."""
    offering = f.OfferingFactory(
        organization=cast.organization, communities=[cast.community], weekly_capacity=2
    )
    f.OfferingWindowFactory(offering=offering, weekday=0)
    worker = f.SocialWorkerFactory(
        user=f.UserFactory(username="worker", role=Role.SOCIAL_WORKER),
        organization=cast.organization,
    )
    return offering, worker, cast.member


def _held_match(offering, week: datetime.date) -> Match:
    request = f.ServiceRequestFactory(
        resident=f.ResidentFactory(community=offering.communities.get()),
        service_type=offering.service_type,
        status="matched",
    )
    with transaction.atomic():
        assert offering_week_reserve(offering=offering, week_start=week)
    return f.MatchFactory(request=request, offering=offering, status="accepted", week_start=week)


def _schedule(booking, match, start, *, weekly=False) -> Visit:
    _offering, worker, member = booking
    return visit_schedule(
        match=match, scheduled_start=start, social_worker=worker, actor=member, weekly=weekly
    )


def _race(moves, actor) -> list[str]:
    """Reschedule each (visit, start) on its own connection, all at once; the outcomes."""
    start = threading.Barrier(len(moves), timeout=20)
    outcomes: list[str] = []

    def move(visit, scheduled_start):
        try:
            start.wait()
            visit_reschedule(visit=visit, scheduled_start=scheduled_start, actor=actor)
            outcomes.append("moved")
        except ValidationError:
            outcomes.append("full")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=move, args=pair) for pair in moves]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def _booked(offering) -> dict:
    weeks = OfferingWeek.objects.filter(offering=offering, reserved__gt=0)
    return {week.week_start: week.reserved for week in weeks}


def _expected(offering) -> dict:
    """Places visits hold themselves plus places of holding matches, per week."""
    visits = Visit.objects.filter(offering=offering, status__in=LIVE, holds_week__isnull=False)
    counts = Counter(visits.values_list("holds_week", flat=True))
    counts.update(
        Match.objects.filter(offering=offering, status__in=Match.HOLDING).values_list(
            "week_start", flat=True
        )
    )
    return dict(counts)


def test_two_reschedules_race_for_the_last_place_and_one_wins(booking):
    offering, _worker, member = booking
    first = _schedule(booking, _held_match(offering, W(0)), monday(0))
    second = _schedule(booking, _held_match(offering, W(1)), monday(1))
    _held_match(offering, W(2))  # one place of W(2) left

    outcomes = _race([(first, monday(2, 10)), (second, monday(2, 11))], member)

    assert sorted(outcomes) == ["full", "moved"]
    moved = [
        v
        for v in (first, second)
        if Visit.objects.get(pk=v.pk).scheduled_start != v.scheduled_start
    ]
    assert len(moved) == 1
    stayed = second if moved[0] == first else first
    assert Visit.objects.get(pk=stayed.pk).scheduled_start == stayed.scheduled_start
    assert _booked(offering)[W(2)] == 2
    assert sum(_booked(offering).values()) == 3
    assert _booked(offering) == _expected(offering)


def _stall_after_the_free_check(monkeypatch) -> None:
    """Hold each thread once it found the match's place free, so that without the match's
    lock both would act on the same answer; with it the second only checks after the
    first committed (the first waits here in vain for two seconds)."""
    check = domain._match_place_free
    meet = threading.Barrier(2, timeout=2)

    def checked(match, *, visit):
        free = check(match, visit=visit)
        with contextlib.suppress(threading.BrokenBarrierError):
            meet.wait()
        return free

    monkeypatch.setattr(domain, "_match_place_free", checked)


def test_two_visits_of_one_match_never_both_take_its_free_place(booking, monkeypatch):
    offering, _worker, member = booking
    match = _held_match(offering, W(0))
    first = _schedule(booking, match, monday(0), weekly=True)
    visit_cancel(visit=first, actor=member, reason="居民住院")  # the match's place is free
    second, third = (Visit.objects.get(plan=first.plan, scheduled_start=monday(n)) for n in (1, 2))
    _stall_after_the_free_check(monkeypatch)

    outcomes = _race([(second, monday(5, 9)), (third, monday(5, 11))], member)

    assert outcomes == ["moved", "moved"]
    riders = Visit.objects.filter(match=match, status="scheduled", holds_week__isnull=True)
    assert riders.count() == 1
    assert Match.objects.get(pk=match.pk).week_start == W(5)
    assert _booked(offering)[W(5)] == 2
    assert _booked(offering) == _expected(offering)


def test_two_visits_swapping_weeks_do_not_deadlock(booking, monkeypatch):
    """Each move takes a place in one week and gives one back in another; holding both
    threads between the two, they would wait for each other's week unless both weeks are
    locked in date order first (then the second waits before it holds anything)."""
    offering, _worker, member = booking
    first = _schedule(booking, _held_match(offering, W(0)), monday(0))
    second = _schedule(booking, _held_match(offering, W(1)), monday(1))
    release = matches_domain.offering_week_release
    meet = threading.Barrier(2, timeout=2)

    def held_then_released(**kwargs):
        with contextlib.suppress(threading.BrokenBarrierError):
            meet.wait()
        release(**kwargs)

    monkeypatch.setattr(matches_domain, "offering_week_release", held_then_released)

    outcomes = _race([(first, monday(1, 11)), (second, monday(0, 11))], member)

    assert outcomes == ["moved", "moved"]
    assert _booked(offering) == {W(0): 1, W(1): 1} == _expected(offering)
