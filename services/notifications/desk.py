"""The desk's call list: people no reminder channel could reach, to be phoned by staff.

A reminder that failed for good, with no other channel of the same recipient and offset
delivered or still trying, becomes "phone this person" on the community's desk. So does a
reminder held back by a paused channel when its visit is near. One open call per person
and visit; staff close it by recording the call.

Activity reminders (the activities app, above this one) end the same way: they hand the
people no channel reached to `desk_calls_open`, which opens one call per person and place
on the activity's community's desk, the same list and the same way to close it.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from services.models import DeskCall, Reminder, Visit
from services.notifications import rules
from services.notifications.channel_health import channels_paused
from services.notifications.outgoing import Outgoing

Status = Reminder.Status
ALIVE = (Status.SENT, Status.PENDING, Status.SENDING)
# A reminder a paused channel holds back goes to the desk when its visit is this near.
PAUSED_LEAD = datetime.timedelta(hours=2)


@dataclass(frozen=True)
class Unreached:
    """A person no channel reached about one visit or one activity place (`signup_id`)."""

    recipient_key: str
    recipient_user_id: int | None
    community_id: int
    visit_id: int | None = None
    signup_id: int | None = None


def all_channels_failed() -> str:
    return _("所有提醒渠道均发送失败")


def channel_paused_when_near() -> str:
    return _("通知渠道暂停，服务临近")


def _slot(reminder: Reminder | Outgoing) -> tuple:
    return (reminder.visit_id, reminder.recipient_key, reminder.offset_minutes)


def desk_calls_open_for_failed(*, reminders: list[Outgoing]) -> int:
    """Open a call for each recipient whose reminders of one offset all failed (a sender's
    rows, which carry their resident's community)."""
    if not reminders:
        return 0
    alive = set(
        Reminder.objects.filter(
            visit_id__in={reminder.visit_id for reminder in reminders}, status__in=ALIVE
        ).values_list("visit_id", "recipient_key", "offset_minutes")
    )
    unreached = [
        _unreached(reminder, community_id=reminder.community_id)
        for reminder in reminders
        if _slot(reminder) not in alive
    ]
    return desk_calls_open(unreached=unreached, reason=all_channels_failed())


def desk_calls_open_for_paused(*, now: datetime.datetime) -> int:
    """Open calls for due reminders a paused channel holds back from a visit that is near."""
    paused = channels_paused(now=now)
    if not paused:
        return 0
    reached = Reminder.objects.filter(
        visit=OuterRef("visit"), recipient_key=OuterRef("recipient_key"), status=Status.SENT
    )
    stuck = (
        Reminder.objects.filter(
            channel__in=paused,
            status=Status.PENDING,
            due_at__lte=now,
            visit__status=Visit.Status.SCHEDULED,
            visit__scheduled_start__gt=now,
            visit__scheduled_start__lte=now + PAUSED_LEAD,
        )
        .exclude(Exists(reached))
        .select_related("visit__request__resident")
    )
    unreached = [
        _unreached(reminder, community_id=reminder.visit.request.resident.community_id)
        for reminder in stuck
    ]
    return desk_calls_open(unreached=unreached, reason=channel_paused_when_near())


def _unreached(reminder: Reminder | Outgoing, *, community_id: int) -> Unreached:
    return Unreached(
        recipient_key=reminder.recipient_key,
        recipient_user_id=reminder.recipient_user_id,
        community_id=community_id,
        visit_id=reminder.visit_id,
    )


def desk_calls_open(*, unreached: list[Unreached], reason: str) -> int:
    """Put each person on their community's desk list, once per visit or place while the
    call is open (a partial unique constraint: two senders at once still make one call).
    Returns how many calls are new."""
    calls = {
        (person.visit_id, person.signup_id, person.recipient_key): DeskCall(
            visit_id=person.visit_id,
            signup_id=person.signup_id,
            recipient_key=person.recipient_key,
            recipient_user_id=person.recipient_user_id,
            community_id=person.community_id,
            reason=reason,
        )
        for person in unreached
    }
    if not calls:
        return 0
    before = DeskCall.objects.filter(called_at__isnull=True).count()
    DeskCall.objects.bulk_create(calls.values(), ignore_conflicts=True)
    return DeskCall.objects.filter(called_at__isnull=True).count() - before


def desk_call_record(*, call: DeskCall, actor, note: str) -> DeskCall:
    """Staff phoned the person: the call leaves the open list."""
    if call.called_at is not None:
        raise ValidationError(_("这条电话通知已记录。"))
    if not rules.may_record_desk_call(actor, call):
        raise PermissionDenied
    note = note.strip()
    if not note:
        raise ValidationError({"call_note": _("请填写通话情况。")})
    call.called_at, call.called_by, call.call_note = timezone.now(), actor, note[:200]
    call.full_clean()
    call.save(update_fields=["called_at", "called_by", "call_note"])
    return call
