"""Races on PostgreSQL: one venue slot, the last place, the last time-bank hour."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, transaction
from django.utils import timezone

from activities.domain import activities as activity_domain
from activities.domain.activities import activity_publish, signup_create
from activities.domain.reminders import activity_reminders_send
from activities.domain.timebank import help_confirm, time_bank_spend
from activities.models import (
    Activity,
    ActivityReminder,
    HelpRecord,
    Signup,
    TimeBankAccount,
    TimeBankEntry,
)
from services.models import Notification
from tests import factories as f
from tests.factories.activities import ActivityFactory, soon
from tests.services._races import RACES_ON_POSTGRESQL

pytestmark = RACES_ON_POSTGRESQL

HOUR = datetime.timedelta(hours=1)


def _all_at_once(calls) -> list:
    """Run each zero-argument call in its own thread and connection, all starting together."""
    start = threading.Barrier(len(calls), timeout=20)
    outcomes: list = []

    def run(call):
        try:
            start.wait()
            outcomes.append(call())
        except ValidationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def _book(actor, venue, start, **host):
    def call():
        activity_publish(
            actor=actor,
            venue=venue,
            title="象棋辅导班",
            starts_at=start,
            ends_at=start + 2 * HOUR,
            capacity=5,
            **host,
        )
        return "booked"

    return call


def test_two_bookings_of_one_venue_slot_one_wins(cast):
    venue = f.VenueFactory(community=cast.community)
    start = soon()
    outcomes = _all_at_once(
        [
            _book(cast.community_staff, venue, start),
            _book(cast.member, venue, start + HOUR, organization=cast.organization),
        ]
    )
    assert sorted(outcomes) == ["booked", "refused"]
    assert Activity.objects.filter(venue=venue).count() == 1


def test_the_database_refuses_a_double_booking_the_domain_did_not_see(cast, monkeypatch):
    venue = f.VenueFactory(community=cast.community)
    # A writer whose overlap check is blind: only the exclusion constraint stands in the way.
    monkeypatch.setattr(
        activity_domain, "venue_conflicts", lambda **kwargs: Activity.objects.none()
    )
    start = soon()
    outcomes = _all_at_once([_book(cast.community_staff, venue, start) for _ in range(3)])
    assert sorted(outcomes) == ["booked", "refused", "refused"]
    assert Activity.objects.filter(venue=venue).count() == 1


def test_exclusion_constraint_holds_for_raw_writes_and_ignores_cancelled(cast):
    first = ActivityFactory(venue=f.VenueFactory(community=cast.community))
    with pytest.raises(IntegrityError), transaction.atomic():
        ActivityFactory(venue=first.venue, starts_at=first.starts_at + HOUR)
    ActivityFactory(venue=first.venue, starts_at=first.ends_at)  # [start, end) touches only
    Activity.objects.filter(pk=first.pk).update(status=Activity.Status.CANCELLED)
    ActivityFactory(venue=first.venue, starts_at=first.starts_at)
    assert Activity.objects.filter(venue=first.venue).count() == 3


def test_last_place_taken_by_two_at_once_one_wins(cast):
    activity = ActivityFactory(venue=f.VenueFactory(community=cast.community), capacity=1)
    residents = [f.ResidentFactory(community=cast.community) for _ in range(4)]
    outcomes = _all_at_once(
        [
            lambda r=r: (
                signup_create(actor=cast.community_staff, activity=activity, resident=r).status
            )
            for r in residents
        ]
    )
    assert sorted(outcomes) == ["confirmed", "waiting", "waiting", "waiting"]
    activity.refresh_from_db()
    assert activity.confirmed_count == 1
    assert Signup.objects.filter(activity=activity, status="confirmed").count() == 1


def test_two_spends_of_the_last_hour_one_wins(cast):
    helper = cast.resident
    record = HelpRecord.objects.create(
        helper=helper,
        helped=f.ResidentFactory(community=cast.community),
        kind="company",
        day=datetime.date(2026, 11, 30),
        minutes=60,
    )
    help_confirm(actor=cast.community_staff, help_record=record)

    def spend(actor):
        def call():
            time_bank_spend(
                actor=actor, holder=helper, beneficiary=helper, minutes=60, reason="陪同就医"
            )
            return "spent"

        return call

    outcomes = _all_at_once([spend(cast.community_staff), spend(helper.user)])
    assert sorted(outcomes) == ["refused", "spent"]
    assert TimeBankAccount.objects.get(resident=helper).balance_minutes == 0
    assert TimeBankEntry.objects.filter(kind="spend").count() == 1


def test_two_reminder_runs_at_once_send_each_reminder_once(cast, settings, tmp_path):
    settings.SMS_BACKEND, settings.SMS_LOG_PATH = "file", tmp_path / "sms.log"
    settings.SMS_QUIET_HOURS = ""
    cast.family.phone = "13800001111"
    cast.family.save()
    activity = ActivityFactory(
        venue=f.VenueFactory(community=cast.community), starts_at=timezone.now() + 5 * HOUR
    )
    Signup.objects.create(
        activity=activity, resident=cast.resident, status="confirmed", channel="self"
    )

    def run():
        return activity_reminders_send(now=timezone.now(), ahead=24 * HOUR)

    delivered = _all_at_once([run, run])
    assert sum(delivered) == 4, delivered
    assert len(settings.SMS_LOG_PATH.read_text(encoding="utf-8").splitlines()) == 2
    assert Notification.objects.filter(title__contains="活动提醒").count() == 2
    assert ActivityReminder.objects.filter(status="sent").count() == 4
