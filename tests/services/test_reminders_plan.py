import datetime

import pytest
from django.db import transaction

from services.models import Notification, Reminder, ReminderPolicy, Visit
from services.notifications.reminders import (
    reminder_policy_update,
    reminders_cancel_for_visit,
    reminders_move_for_visit,
    reminders_plan_for_visit,
    reminders_plan_missing,
)
from tests.services._reminders_support import NOON, care_visit, later, sms_lines, sms_log

__all__ = ["sms_log"]

Status = Reminder.Status


def slots(visit) -> set[tuple]:
    return set(
        Reminder.objects.filter(visit=visit).values_list(
            "recipient_key", "channel", "offset_minutes"
        )
    )


def test_plan_reaches_resident_family_and_workers_at_each_offset(cast, sms_log):
    care = care_visit(cast, start=later(30, now=NOON))
    created = reminders_plan_for_visit(visit=care.visit, now=NOON)
    resident, grandma, daughter = cast.resident, cast.resident.user, cast.family
    expected_pairs = {
        (f"resident:{resident.pk}", "sms"),
        (f"user:{grandma.pk}", "in_app"),
        (f"user:{daughter.pk}", "in_app"),
        (f"user:{daughter.pk}", "sms"),
        (f"user:{care.worker.pk}", "in_app"),
        (f"user:{care.worker.pk}", "email"),
        (f"user:{care.volunteer.pk}", "in_app"),
    }
    assert created == 14
    assert slots(care.visit) == {(k, c, o) for k, c in expected_pairs for o in (1440, 60)}
    day_before = Reminder.objects.get(visit=care.visit, channel="email", offset_minutes=1440)
    assert day_before.due_at == care.visit.scheduled_start - datetime.timedelta(hours=24)
    assert day_before.recipient_user == care.worker


def test_plan_uses_the_staff_policy_offsets(cast, sms_log):
    reminder_policy_update(offsets="120, 30", actor=cast.civil)
    care = care_visit(cast, start=later(30, now=NOON))
    reminders_plan_for_visit(visit=care.visit, now=NOON)
    offsets = set(
        Reminder.objects.filter(visit=care.visit).values_list("offset_minutes", flat=True)
    )
    assert offsets == {120, 30}


def test_policy_rejects_bad_offsets_and_keeps_the_old_ones(cast):
    reminder_policy_update(offsets="1440,60", actor=cast.civil)
    with pytest.raises(Exception, match="1 分钟到 14 天"):
        reminder_policy_update(offsets="0,60", actor=cast.civil)
    assert ReminderPolicy.objects.get(pk=1).offsets == "1440,60"


def test_plan_collapses_offsets_already_past_into_one_due_now(cast, sms_log):
    care = care_visit(cast, start=later(0.5, now=NOON))
    reminders_plan_for_visit(visit=care.visit, now=NOON)
    reminders = Reminder.objects.filter(visit=care.visit)
    assert set(reminders.values_list("offset_minutes", flat=True)) == {60}
    assert {r.due_at for r in reminders} == {NOON}


def test_plan_twice_creates_nothing_more(cast, sms_log):
    care = care_visit(cast, start=later(30, now=NOON))
    reminders_plan_for_visit(visit=care.visit, now=NOON)
    assert reminders_plan_for_visit(visit=care.visit, now=NOON) == 0
    assert Reminder.objects.filter(visit=care.visit).count() == 14


def test_reschedule_moves_pending_and_never_resends_sent(cast, sms_log):
    care = care_visit(cast, start=later(30, now=NOON))
    reminders_plan_for_visit(visit=care.visit, now=NOON)
    sent = Reminder.objects.filter(visit=care.visit, offset_minutes=1440, channel="sms")
    sent.update(status=Status.SENT)
    care.visit.scheduled_start = later(72, now=NOON)
    care.visit.save()
    reminders_move_for_visit(visit=care.visit, now=NOON)
    pending = Reminder.objects.filter(visit=care.visit, status=Status.PENDING)
    assert {r.due_at for r in pending.filter(offset_minutes=60)} == {later(71, now=NOON)}
    assert {r.due_at for r in pending.filter(offset_minutes=1440)} == {later(48, now=NOON)}
    assert sent.count() == 2
    assert all(r.status == Status.SENT for r in sent)


def test_reschedule_to_another_worker_cancels_the_old_workers_reminders(cast, sms_log):
    care = care_visit(cast, start=later(30, now=NOON))
    reminders_plan_for_visit(visit=care.visit, now=NOON)
    care.visit.social_worker = None
    care.visit.save()
    reminders_move_for_visit(visit=care.visit, now=NOON)
    old = Reminder.objects.filter(visit=care.visit, recipient_user=care.worker)
    assert set(old.values_list("status", flat=True)) == {Status.CANCELLED}


def test_cancel_cancels_pending_and_keeps_sent(cast, sms_log):
    care = care_visit(cast, start=later(30, now=NOON))
    reminders_plan_for_visit(visit=care.visit, now=NOON)
    Reminder.objects.filter(visit=care.visit, offset_minutes=1440).update(status=Status.SENT)
    care.visit.status = Visit.Status.CANCELLED
    care.visit.save()
    assert reminders_cancel_for_visit(visit=care.visit) == 7
    statuses = Reminder.objects.filter(visit=care.visit).values_list("offset_minutes", "status")
    assert set(statuses) == {(1440, Status.SENT), (60, Status.CANCELLED)}


def test_rolled_back_visit_publishes_nothing(cast, sms_log, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        care = care_visit(cast, start=later(0.5))
        reminders_plan_for_visit(visit=care.visit)
        raise RuntimeError("the visit's transaction fails")
    assert callbacks == []
    assert not Reminder.objects.exists()
    assert not Notification.objects.exists()
    assert sms_lines(sms_log) == []


def test_committed_visit_due_soon_is_sent_after_commit(
    cast, sms_log, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            care = care_visit(cast, start=later(0.5))
            reminders_plan_for_visit(visit=care.visit)
        assert sms_lines(sms_log) == []  # nothing leaves before the commit
    assert len(sms_lines(sms_log)) == 2  # the resident and the daughter
    assert Notification.objects.filter(user=cast.family).count() == 1
    assert set(Reminder.objects.values_list("status", flat=True)) == {Status.SENT}


def test_plan_missing_covers_scheduled_visits_of_the_next_two_days_only(cast, sms_log):
    soon = care_visit(cast, start=later(20, now=NOON)).visit
    far = care_visit(cast, start=later(24 * 5, now=NOON)).visit
    done = care_visit(cast, start=later(20, now=NOON)).visit
    Visit.objects.filter(pk=done.pk).update(status=Visit.Status.CANCELLED)
    assert reminders_plan_missing(now=NOON) > 0
    assert Reminder.objects.filter(visit=soon).exists()
    assert not Reminder.objects.filter(visit__in=[far, done]).exists()
    assert reminders_plan_missing(now=NOON) == 0


def test_many_visits_in_one_transaction_dispatch_once(
    cast, sms_log, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        for _visit in range(3):
            reminders_plan_for_visit(visit=care_visit(cast, start=later(0.5)).visit)
    assert len(callbacks) == 1
    assert set(Reminder.objects.values_list("status", flat=True)) == {Status.SENT}
