"""Who may do what to reminders and the reminder policy.

One `may_<action>(user, obj)` per action; `reminders.py` refuses through them and the
pages (and the menu) read them.
"""

from sanlian.roles import CITY_STAFF, STAFF
from services.notifications.models import Reminder
from services.notifications.queries import reminders_failed_visible_to


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
