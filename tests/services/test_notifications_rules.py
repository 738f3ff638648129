"""services.notifications.rules: following up failed reminders and the reminder policy.

The cast (tests/conftest.py): east is ours, every `other_*` is west.
"""

import pytest
from django.core.exceptions import PermissionDenied

from services.models import Reminder, ReminderPolicy
from services.notifications import rules
from services.notifications.reminders import reminder_policy_update, reminder_retry
from tests import factories as f
from tests.services._reminders_support import NOON, later


def _reminder(resident, *, status=Reminder.Status.FAILED) -> Reminder:
    request = f.ServiceRequestFactory(resident=resident)
    visit = f.VisitFactory(request=request, scheduled_start=later(2, now=NOON))
    return Reminder.objects.create(
        visit=visit,
        recipient_key=f"resident:{resident.pk}",
        channel="sms",
        offset_minutes=60,
        due_at=NOON,
        status=status,
        attempts=5,
        response="ChannelError: HTTP 500",
    )


@pytest.mark.parametrize("who", ["civil", "street_staff", "community_staff"])
def test_may_retry_failed_reminder_in_own_area(cast, who):
    assert rules.may_view_failed_reminders(getattr(cast, who))
    assert rules.may_retry_reminder(getattr(cast, who), _reminder(cast.resident))


def test_may_not_retry_reminder_of_another_street(cast):
    assert not rules.may_retry_reminder(cast.street_staff, _reminder(cast.other_resident))
    assert rules.may_retry_reminder(cast.other_street_staff, _reminder(cast.other_resident))


@pytest.mark.parametrize("who", ["member", "family"])
def test_may_not_retry_or_view_failed_reminders_as_wrong_role(cast, who):
    assert not rules.may_view_failed_reminders(getattr(cast, who))
    assert not rules.may_retry_reminder(getattr(cast, who), _reminder(cast.resident))


def test_may_not_retry_a_reminder_that_has_not_failed(cast):
    reminder = _reminder(cast.resident, status=Reminder.Status.PENDING)
    assert not rules.may_retry_reminder(cast.street_staff, reminder)


def test_reminder_retry_refuses_another_street_and_changes_nothing(cast):
    reminder = _reminder(cast.other_resident)
    with pytest.raises(PermissionDenied):
        reminder_retry(reminder=reminder, actor=cast.street_staff)
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == (Reminder.Status.FAILED, 5)


def test_may_edit_reminder_policy_as_civil_affairs_only(cast):
    assert rules.may_edit_reminder_policy(cast.civil)
    assert not rules.may_edit_reminder_policy(cast.street_staff)
    assert not rules.may_edit_reminder_policy(cast.member)


def test_reminder_policy_update_refuses_street_staff_and_changes_nothing(cast):
    with pytest.raises(PermissionDenied):
        reminder_policy_update(offsets="30", actor=cast.street_staff)
    assert not ReminderPolicy.objects.exists()
