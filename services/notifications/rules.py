"""Who may do what to reminders and the reminder policy.

One `may_<action>(user, obj)` per action; `reminders.py` refuses through them and the
pages (and the menu) read them.
"""

from sanlian.roles import CITY_STAFF, STAFF
from services.notifications.models import Reminder
from services.notifications.models_delivery import DeskCall
from services.notifications.queries import desk_calls_visible_to, reminders_failed_visible_to


def may_view_failed_reminders(user) -> bool:
    """Government staff follow up reminders that could not be delivered in their area."""
    return user.is_authenticated and user.role in STAFF


def may_retry_reminder(user, reminder: Reminder) -> bool:
    """A failed reminder of a visit in the staff member's area."""
    return (
        may_view_failed_reminders(user)
        and reminder.status == Reminder.Status.FAILED
        and reminders_failed_visible_to(user).filter(pk=reminder.pk).exists()
    )


def may_edit_reminder_policy(user, policy=None) -> bool:
    """The city sets how long before a visit reminders go out."""
    return user.is_authenticated and user.role in CITY_STAFF


def may_view_desk_calls(user) -> bool:
    """Government staff phone the people no reminder reached, in their area."""
    return user.is_authenticated and user.role in STAFF


def may_record_desk_call(user, call: DeskCall) -> bool:
    """An open call of a visit in the staff member's area."""
    return (
        may_view_desk_calls(user)
        and call.called_at is None
        and desk_calls_visible_to(user).filter(pk=call.pk).exists()
    )
