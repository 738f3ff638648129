"""A reminder no channel delivered becomes "phone this person" on the community's desk."""

import datetime

from django.utils import timezone

from services.models import ChannelState, DeskCall, Reminder
from services.notifications.desk import desk_calls_open_for_paused
from services.notifications.reminders import (
    reminders_claim_due,
    reminders_plan_for_visit,
    reminders_send_batch,
)
from tests.services._reminders_support import NOON, care_visit, later, sms_log

__all__ = ["sms_log"]

Status = Reminder.Status


def failing_sms(settings) -> None:
    settings.SMS_BACKEND = "http"
    settings.SMS_HTTP_URL = "http://127.0.0.1:9/nowhere"  # discard port: refused at once
    settings.REMINDER_MAX_ATTEMPTS = 1
    settings.CHANNEL_BREAKER_FAILURES = 100


def sent_all_due(now, channel=None) -> None:
    """Until nothing is due: a refused gateway hands back the rest of its batch each time."""
    while True:
        token, ids = reminders_claim_due(now=now, limit=100, channel=channel)
        if not ids:
            return
        reminders_send_batch(ids=ids, claim_token=token)


def test_reminder_failing_on_every_channel_becomes_a_desk_call(cast, settings, sms_log):
    failing_sms(settings)
    care = care_visit(cast, start=later(0.5, now=NOON))
    reminders_plan_for_visit(visit=care.visit, now=NOON)
    sent_all_due(NOON)
    assert set(Reminder.objects.filter(channel="sms").values_list("status", flat=True)) == {
        Status.FAILED
    }
    # The resident has only SMS: a call. The daughter's in-app message reached her: none.
    call = DeskCall.objects.get()
    assert call.recipient_key == f"resident:{cast.resident.pk}"
    assert (call.visit, call.community, call.called_at) == (care.visit, cast.community, None)


def test_no_desk_call_while_another_channel_of_the_person_still_tries(cast, settings, sms_log):
    failing_sms(settings)
    care = care_visit(cast, start=later(0.5, now=NOON))
    reminders_plan_for_visit(visit=care.visit, now=NOON)
    # The daughter's SMS fails while her in-app message is still pending (not claimed).
    sent_all_due(NOON, channel="sms")
    assert list(DeskCall.objects.values_list("recipient_key", flat=True)) == [
        f"resident:{cast.resident.pk}"
    ]


def test_paused_channel_near_the_visit_goes_to_the_desk(cast, sms_log):
    now = timezone.now()
    care = care_visit(cast, start=later(1, now=now))
    reminders_plan_for_visit(visit=care.visit, now=now - datetime.timedelta(hours=1))
    Reminder.objects.update(due_at=now - datetime.timedelta(minutes=1))
    Reminder.objects.exclude(channel="email").update(status=Status.SENT)
    assert desk_calls_open_for_paused(now=now) == 0  # e-mail not paused: it will be sent
    ChannelState.objects.create(channel="email", failures=3, paused_until=later(1, now=now))
    assert desk_calls_open_for_paused(now=now) == 0  # the worker got their in-app message
    Reminder.objects.filter(channel="in_app", recipient_user=care.worker).update(
        status=Status.FAILED
    )
    assert desk_calls_open_for_paused(now=now) == 1
    assert desk_calls_open_for_paused(now=now) == 0  # one open call per person and visit
    assert DeskCall.objects.get().recipient_user == care.worker


def test_desk_list_is_the_communitys_and_closes_with_the_recorded_call(
    cast, settings, sms_log, client
):
    failing_sms(settings)
    care = care_visit(cast, start=later(0.5, now=NOON))
    reminders_plan_for_visit(visit=care.visit, now=NOON)
    sent_all_due(NOON)
    call = DeskCall.objects.get()
    client.force_login(cast.other_street_staff)
    assert cast.resident.name not in client.get("/notifications/desk-calls/").content.decode()
    response = client.post(f"/notifications/desk-calls/{call.pk}/called/", {"call_note": "x"})
    assert response.status_code == 404
    client.force_login(cast.member)  # organization staff: not the desk
    assert client.get("/notifications/desk-calls/").status_code == 403
    client.force_login(cast.community_staff)
    page = client.get("/notifications/desk-calls/").content.decode()
    assert cast.resident.name in page and cast.resident.phone not in page  # masked
    client.post(f"/notifications/desk-calls/{call.pk}/called/", {"call_note": ""})
    assert DeskCall.objects.get().called_at is None  # a call needs what was said
    client.post(f"/notifications/desk-calls/{call.pk}/called/", {"call_note": "已电话告知"})
    call.refresh_from_db()
    assert (call.called_by, call.call_note) == (cast.community_staff, "已电话告知")
    assert call.called_at is not None
    assert cast.resident.name not in client.get("/notifications/desk-calls/").content.decode()
