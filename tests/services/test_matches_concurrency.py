"""Many staff confirming at the same moment never overbook an offering (PostgreSQL only)."""

import datetime
import threading

from django.core.exceptions import ValidationError
from django.db import connections

from services.matching import domain
from services.models import Match, OfferingWeek
from tests import factories as f
from tests.services._races import RACES_ON_POSTGRESQL

pytestmark = RACES_ON_POSTGRESQL

# Matching plans next week (clock.next_monday): it refuses weeks that have already passed.
CAPACITY = 3
THREADS = 8


def _proposals(cast, week: datetime.date) -> tuple:
    offering = f.OfferingFactory(organization=cast.organization, weekly_capacity=CAPACITY)
    matches = [
        f.MatchFactory(
            request=f.ServiceRequestFactory(
                resident=f.ResidentFactory(community=cast.community),
                service_type=offering.service_type,
            ),
            offering=offering,
            week_start=week,
        )
        for _ in range(THREADS)
    ]
    return offering, matches


def _confirm_all_at_once(matches, user) -> list[str]:
    """Each thread has its own connection; all start together; returns the outcomes."""
    start = threading.Barrier(len(matches), timeout=20)
    outcomes: list[str] = []

    def confirm(match):
        try:
            start.wait()
            domain.match_confirm(match=match, user=user)
            outcomes.append("confirmed")
        except ValidationError:
            outcomes.append("full")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=confirm, args=(match,)) for match in matches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_match_confirm_concurrently_never_exceeds_capacity(cast, clock):
    offering, matches = _proposals(cast, clock.next_monday)
    outcomes = _confirm_all_at_once(matches, cast.street_staff)
    week = OfferingWeek.objects.get(offering=offering, week_start=clock.next_monday)
    holding = Match.objects.filter(offering=offering, status__in=Match.HOLDING).count()
    assert sorted(outcomes) == ["confirmed"] * CAPACITY + ["full"] * (THREADS - CAPACITY)
    assert week.reserved == CAPACITY == holding


def _reserve_without_the_lock(between: threading.Barrier):
    """A read-check-write in Python, as the product would be without its row lock."""

    def reserve(offering, week_start) -> None:
        week = domain._offering_week(offering, week_start)
        reserved = OfferingWeek.objects.get(pk=week.pk).reserved
        if reserved >= week.capacity:
            raise ValidationError("full")
        between.wait()
        OfferingWeek.objects.filter(pk=week.pk).update(reserved=reserved + 1)

    return reserve


def test_match_confirm_without_the_lock_overbooks(cast, monkeypatch, clock):
    """The control: the same path with a Python-only check lets every thread through."""
    offering, matches = _proposals(cast, clock.next_monday)
    OfferingWeek.objects.create(offering=offering, week_start=clock.next_monday, capacity=CAPACITY)
    # Every thread has read "0 reserved" before any writes: the classic lost update.
    between = threading.Barrier(THREADS, timeout=20)
    monkeypatch.setattr(domain, "_reserve_place", _reserve_without_the_lock(between))
    outcomes = _confirm_all_at_once(matches, cast.street_staff)
    holding = Match.objects.filter(offering=offering, status__in=Match.HOLDING).count()
    assert outcomes == ["confirmed"] * THREADS
    assert holding == THREADS > CAPACITY
    # The counter row even claims one place: each write overwrote the others.
    assert OfferingWeek.objects.get(offering=offering, week_start=clock.next_monday).reserved == 1
