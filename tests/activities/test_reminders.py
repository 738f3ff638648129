"""Activity reminders by SMS and in-app: the visit reminders' recipients, channel order and
channels; each sent once, also when two runs go at once (PostgreSQL)."""

import datetime

import pytest
from django.utils import timezone

from activities.domain.activities import signup_cancel, signup_create
from activities.domain.reminders import activity_reminders_send
from activities.models import ActivityReminder, Signup
from activities.tasks import task_send_activity_reminders
from services.models import ChannelState, Notification
from services.notifications.reminders import resident_side_channels
from tests.factories.activities import ActivityFactory
from tests.services._reminders_support import sms_lines

HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(hours=24)


@pytest.fixture
def place(cast, venue, sms_log):
    cast.family.phone = "13800001111"
    cast.family.save()
    activity = ActivityFactory(venue=venue, title="象棋辅导班", starts_at=timezone.now() + 5 * HOUR)
    return signup_create(actor=cast.resident.user, activity=activity, resident=cast.resident)


def test_reminders_go_by_sms_and_in_app_to_resident_and_family_once(cast, place, sms_log):
    assert activity_reminders_send(now=timezone.now(), ahead=DAY) == 4
    lines = sms_lines(sms_log)
    assert len(lines) == 2  # the resident's phone and the daughter's
    assert all("象棋辅导班" in line for line in lines)
    assert cast.resident.phone not in "".join(lines)  # the log masks numbers
    assert set(Notification.objects.values_list("user__username", flat=True)) == {
        "grandma",
        "daughter",
    }
    assert activity_reminders_send(now=timezone.now(), ahead=DAY) == 0
    assert task_send_activity_reminders.apply().get() == 0
    assert len(sms_lines(sms_log)) == 2 and Notification.objects.count() == 2
    assert set(ActivityReminder.objects.values_list("status", flat=True)) == {"sent"}


def test_reminders_follow_each_recipients_channel_order(cast, place):
    activity_reminders_send(now=timezone.now(), ahead=DAY)
    planned = list(ActivityReminder.objects.order_by("pk").values_list("recipient_key", "channel"))
    assert planned == list(resident_side_channels(cast.resident))
    assert planned[:2] == [
        (f"resident:{cast.resident.pk}", "sms"),
        (f"user:{cast.resident.user.pk}", "in_app"),
    ]


def test_no_phone_no_sms_and_nothing_beyond_the_window(cast, place, sms_log):
    type(cast.resident).objects.filter(pk=cast.resident.pk).update(phone="")
    type(cast.family).objects.filter(pk=cast.family.pk).update(phone="")
    later = ActivityFactory(venue=place.activity.venue, starts_at=timezone.now() + 50 * HOUR)
    Signup.objects.create(
        activity=later, resident=cast.resident, status="confirmed", channel="self"
    )
    assert activity_reminders_send(now=timezone.now(), ahead=DAY) == 2
    assert sms_lines(sms_log) == []
    assert not ActivityReminder.objects.filter(signup__activity=later).exists()


def test_a_cancelled_place_gets_no_reminder(cast, place, sms_log):
    signup_cancel(actor=cast.resident.user, signup=place)
    assert activity_reminders_send(now=timezone.now(), ahead=DAY) == 0
    assert (
        sms_lines(sms_log) == []
        and not Notification.objects.filter(title__contains="活动提醒").exists()
    )


def test_a_planned_reminder_is_cancelled_when_the_place_is(cast, place, sms_log, settings):
    settings.SMS_QUIET_HOURS = "00:00-23:59"  # SMS waits
    activity_reminders_send(now=timezone.now(), ahead=DAY)
    assert ActivityReminder.objects.filter(channel="sms", status="pending").count() == 2
    signup_cancel(actor=cast.resident.user, signup=place)
    settings.SMS_QUIET_HOURS = ""
    assert activity_reminders_send(now=timezone.now(), ahead=DAY) == 0
    assert sms_lines(sms_log) == []
    assert ActivityReminder.objects.filter(channel="sms", status="cancelled").count() == 2


def test_a_failing_gateway_is_retried_and_the_sms_still_goes_once(cast, place, sms_log, settings):
    settings.SMS_BACKEND = "http"
    settings.SMS_HTTP_URL = "http://127.0.0.1:9/sms"  # nothing listens: refused
    settings.SMS_HTTP_TIMEOUT_SECONDS = 1
    assert activity_reminders_send(now=timezone.now(), ahead=DAY) == 2  # in-app only
    sms = ActivityReminder.objects.filter(channel="sms")
    # The first refused, the gateway is down: the second was not attempted (not counted).
    assert sorted(sms.values_list("status", "attempts")) == [("pending", 0), ("pending", 1)]
    assert ChannelState.objects.get(channel="sms").failures == 1
    settings.SMS_BACKEND = "file"
    assert activity_reminders_send(now=timezone.now(), ahead=DAY) == 2
    assert len(sms_lines(sms_log)) == 2
    assert activity_reminders_send(now=timezone.now(), ahead=DAY) == 0
    assert len(sms_lines(sms_log)) == 2


def test_a_paused_sms_channel_holds_sms_back_but_not_in_app(cast, place, sms_log):
    ChannelState.objects.create(channel="sms", paused_until=timezone.now() + HOUR)
    assert activity_reminders_send(now=timezone.now(), ahead=DAY) == 2
    assert sms_lines(sms_log) == []
    ChannelState.objects.filter(channel="sms").update(paused_until=None)
    assert activity_reminders_send(now=timezone.now(), ahead=DAY) == 2
    assert len(sms_lines(sms_log)) == 2
