"""An activity reminder no channel delivered becomes "phone this resident" on the activity's
community's desk list (the visit reminders' list, services.notifications.desk), before the
activity; closed when staff record the call. Never silence, never two calls for one person."""

import datetime
import threading

import pytest
from django.db import IntegrityError, connections, transaction
from django.test import Client
from django.utils import timezone

from activities.domain import reminders as activity_reminders
from activities.domain.activities import signup_create
from activities.domain.reminders import (
    activity_desk_calls_open_for_failed,
    activity_reminders_plan,
    activity_reminders_send,
)
from activities.models import ActivityReminder
from sanlian.roles import Role
from services.models import ChannelState, DeskCall
from services.notifications.channels import ChannelError
from tests import factories as f
from tests.factories.activities import ActivityFactory
from tests.services._races import RACES_ON_POSTGRESQL
from tests.services._reminders_support import sms_lines

HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(hours=24)
DESK = "/notifications/desk-calls/"


def failing_sms(settings) -> None:
    settings.SMS_BACKEND = "http"
    settings.SMS_HTTP_URL = "http://127.0.0.1:9/nowhere"  # discard port: refused at once
    settings.SMS_HTTP_TIMEOUT_SECONDS = 1
    settings.REMINDER_MAX_ATTEMPTS = 1
    settings.CHANNEL_BREAKER_FAILURES = 100


def failing_inbox(monkeypatch) -> None:
    def refuse(*, notifications):
        raise ChannelError("inbox unavailable")

    monkeypatch.setattr(activity_reminders, "notifications_create_many", refuse)


def send_until_settled(now) -> None:
    """A refused gateway hands back the rest of its batch each run: run until none waits."""
    for _ in range(10):
        activity_reminders_send(now=now, ahead=DAY)
        if not ActivityReminder.objects.filter(status="pending").exists():
            return
    raise AssertionError("reminders still pending")


@pytest.fixture
def place(cast, venue, sms_log):
    cast.family.phone = "13800001111"
    cast.family.save()
    activity = ActivityFactory(venue=venue, title="象棋辅导班", starts_at=timezone.now() + 5 * HOUR)
    return signup_create(actor=cast.resident.user, activity=activity, resident=cast.resident)


def _page(user) -> tuple[int, str]:
    client = Client()
    client.force_login(user)
    response = client.get(DESK)
    return response.status_code, response.content.decode()


def test_every_channel_failing_puts_the_resident_on_the_activitys_desk_once(cast, place, settings):
    failing_sms(settings)
    send_until_settled(timezone.now())
    assert set(ActivityReminder.objects.filter(channel="sms").values_list("status", flat=True)) == {
        "failed"
    }
    # The resident's own phone had only SMS: a call. Grandma's account and the daughter got
    # their in-app message: no call for them.
    call = DeskCall.objects.get()
    assert (call.signup, call.visit, call.community) == (place, None, cast.community)
    assert (call.recipient_key, call.called_at) == (f"resident:{cast.resident.pk}", None)
    assert call.created_at < place.activity.starts_at  # before the activity
    send_until_settled(timezone.now())  # later runs add nothing
    assert DeskCall.objects.count() == 1


def test_a_person_with_no_channel_left_gets_one_call_and_one_reached_gets_none(
    cast, place, settings, monkeypatch
):
    failing_sms(settings)
    failing_inbox(monkeypatch)
    send_until_settled(timezone.now())
    assert set(ActivityReminder.objects.values_list("status", flat=True)) == {"failed"}
    # Three people (the resident's phone, grandma's account, the daughter's SMS and in-app):
    # three calls, one each, whatever number of their reminders failed.
    assert sorted(DeskCall.objects.values_list("recipient_key", flat=True)) == sorted(
        [
            f"resident:{cast.resident.pk}",
            f"user:{cast.resident.user.pk}",
            f"user:{cast.family.pk}",
        ]
    )
    assert set(DeskCall.objects.values_list("signup", "community")) == {
        (place.pk, cast.community.pk)
    }


def test_a_paused_sms_channel_near_the_activity_goes_to_the_desk(cast, venue, sms_log):
    cast.family.phone = "13800001111"
    cast.family.save()
    soon = ActivityFactory(venue=venue, title="剪纸课", starts_at=timezone.now() + 1.5 * HOUR)
    later = ActivityFactory(venue=venue, title="书法课", starts_at=timezone.now() + 5 * HOUR)
    for activity in (soon, later):
        signup_create(actor=cast.resident.user, activity=activity, resident=cast.resident)
    ChannelState.objects.create(channel="sms", failures=3, paused_until=timezone.now() + DAY)
    activity_reminders_send(now=timezone.now(), ahead=DAY)
    assert sms_lines(sms_log) == []
    # Only the resident's own phone (SMS only) is unreached, and only for the near activity;
    # the daughter's in-app message reached her. The later one still has time to recover.
    call = DeskCall.objects.get()
    assert (call.signup.activity, call.recipient_key) == (soon, f"resident:{cast.resident.pk}")
    assert "暂停" in call.reason
    activity_reminders_send(now=timezone.now(), ahead=DAY)
    assert DeskCall.objects.count() == 1


def test_delivered_reminders_make_no_desk_call(cast, place, sms_log):
    assert activity_reminders_send(now=timezone.now(), ahead=DAY) == 4
    assert len(sms_lines(sms_log)) == 2
    assert not DeskCall.objects.exists()


def test_the_desk_call_is_the_communitys_and_closes_with_the_recorded_call(cast, place, settings):
    failing_sms(settings)
    send_until_settled(timezone.now())
    call = DeskCall.objects.get()
    # Another community's staff and another street's: not on their list, cannot close it.
    other_community_staff = f.StaffAssignmentFactory(
        user=f.UserFactory(role=Role.COMMUNITY_STAFF), community=cast.other_community
    ).user
    for outsider in (other_community_staff, cast.other_street_staff):
        status, page = _page(outsider)
        assert status == 200 and "象棋辅导班" not in page
        client = Client()
        client.force_login(outsider)
        closed = client.post(f"{DESK}{call.pk}/called/", {"call_note": "已告知"})
        assert closed.status_code == 404
    status, _page_text = _page(cast.member)  # organization staff: not the desk
    assert status == 403
    assert DeskCall.objects.get().called_at is None

    status, page = _page(cast.community_staff)
    assert status == 200
    assert "电话告知居民：活动“象棋辅导班”" in page and cast.resident.name in page
    assert cast.resident.phone not in page  # masked
    client = Client()
    client.force_login(cast.community_staff)
    client.post(f"{DESK}{call.pk}/called/", {"call_note": "已电话告知活动时间"})
    call.refresh_from_db()
    assert (call.called_by, call.call_note) == (cast.community_staff, "已电话告知活动时间")
    assert timezone.now() - call.called_at < datetime.timedelta(minutes=1)
    assert "象棋辅导班" not in _page(cast.community_staff)[1]
    # Its street's staff and the bureau saw it too (their area); now nobody has it open.
    assert "象棋辅导班" not in _page(cast.street_staff)[1]


def test_street_and_city_staff_see_the_activity_call_of_their_area(cast, place, settings):
    failing_sms(settings)
    send_until_settled(timezone.now())
    for staff in (cast.street_staff, cast.civil):
        status, page = _page(staff)
        assert status == 200 and "象棋辅导班" in page


def test_a_desk_call_is_about_a_visit_or_a_place_never_both_or_neither(cast, place):
    visit = f.VisitFactory()
    for about in ({}, {"visit": visit, "signup": place}):
        with pytest.raises(IntegrityError), transaction.atomic():
            DeskCall.objects.create(recipient_key="x", community=cast.community, **about)


def _races(test):
    for mark in reversed(RACES_ON_POSTGRESQL):
        test = mark(test)
    return test


def _fail_at_once(rows: list[ActivityReminder], *, hold_until_both_checked: bool) -> None:
    """Two senders, each failing one of a person's two reminders in its own transaction;
    both outcomes are written before either looks for the person's other channels."""
    written = threading.Barrier(2, timeout=20)
    checked = threading.Barrier(2, timeout=20)

    def fail(row_id: int) -> None:
        try:
            with transaction.atomic():
                ActivityReminder.objects.filter(pk=row_id).update(status="failed", attempts=1)
                row = ActivityReminder.objects.select_related("signup__activity").get(pk=row_id)
                written.wait()
                activity_desk_calls_open_for_failed(reminders=[row])
                if hold_until_both_checked:
                    checked.wait()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=fail, args=(row.pk,)) for row in rows]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)


@_races
def test_two_runs_failing_a_persons_two_channels_at_once_make_one_call(cast, place):
    activity_reminders_plan(now=timezone.now(), ahead=DAY)
    daughter = list(ActivityReminder.objects.filter(recipient_key=f"user:{cast.family.pk}"))
    assert sorted(row.channel for row in daughter) == ["in_app", "sms"]
    _fail_at_once(daughter, hold_until_both_checked=False)
    assert list(DeskCall.objects.values_list("recipient_key", "signup")) == [
        (f"user:{cast.family.pk}", place.pk)
    ]


@_races
def test_control_without_the_place_lock_both_runs_stay_silent(cast, place, monkeypatch):
    monkeypatch.setattr(activity_reminders, "_lock_places", lambda signup_ids: None)
    activity_reminders_plan(now=timezone.now(), ahead=DAY)
    daughter = list(ActivityReminder.objects.filter(recipient_key=f"user:{cast.family.pk}"))
    _fail_at_once(daughter, hold_until_both_checked=True)
    assert set(
        ActivityReminder.objects.filter(pk__in=[r.pk for r in daughter]).values_list(
            "status", flat=True
        )
    ) == {"failed"}
    assert not DeskCall.objects.exists()  # the silence the lock prevents


@_races
def test_the_same_person_opened_by_two_runs_at_once_is_one_call(cast, place):
    activity_reminders_plan(now=timezone.now(), ahead=DAY)
    ActivityReminder.objects.filter(recipient_key=f"user:{cast.family.pk}").update(status="failed")
    rows = list(
        ActivityReminder.objects.filter(recipient_key=f"user:{cast.family.pk}").select_related(
            "signup__activity"
        )
    )
    start = threading.Barrier(2, timeout=20)

    def open_call():
        try:
            start.wait()
            with transaction.atomic():
                activity_desk_calls_open_for_failed(reminders=rows)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=open_call) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert DeskCall.objects.filter(recipient_key=f"user:{cast.family.pk}").count() == 1
