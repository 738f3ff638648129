"""Which reminders a user may see."""

from django.db.models import Q, QuerySet

from communities.queries import communities_visible_to
from sanlian.roles import STAFF
from services.care.queries import visits_visible_to
from services.models import DeskCall, Reminder


def reminders_failed_visible_to(user) -> QuerySet[Reminder]:
    """Failed reminders of visits in a staff member's area; nobody else follows them up."""
    failed = Reminder.objects.filter(status=Reminder.Status.FAILED).select_related(
        "visit__request__resident__community", "visit__request__service_type", "recipient_user"
    )
    if not user.is_authenticated or user.role not in STAFF:
        return failed.none()
    return failed.filter(visit__in=visits_visible_to(user).values("pk"))


def desk_calls_visible_to(user) -> QuerySet[DeskCall]:
    """Staff see the calls of the visits they see, and those of the activities of the
    communities they see (their community, street or city)."""
    calls = DeskCall.objects.select_related(
        "visit__request__resident",
        "visit__request__service_type",
        "signup__resident",
        "signup__activity__venue",
        "recipient_user",
        "community",
    )
    if not user.is_authenticated or user.role not in STAFF:
        return calls.none()
    return calls.filter(
        Q(visit__in=visits_visible_to(user).values("pk"))
        | Q(signup__isnull=False, community__in=communities_visible_to(user).values("pk"))
    )
