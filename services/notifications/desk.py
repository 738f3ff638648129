"""The desk's call list: people no reminder channel could reach, to be phoned by staff.

A reminder that failed for good, with no other channel of the same recipient and offset
delivered or still trying, becomes "phone this person" on the community's desk. So does a
reminder held back by a paused channel when its visit is near. One open call per person
and visit; staff close it by recording the call.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from services.models import DeskCall, Reminder, Visit
from services.notifications import rules
from services.notifications.channel_health import channels_paused

Status = Reminder.Status
ALIVE = (Status.SENT, Status.PENDING, Status.SENDING)
# A reminder a paused channel holds back goes to the desk when its visit is this near.
PAUSED_LEAD = datetime.timedelta(hours=2)


def _slot(reminder: Reminder) -> tuple:
    return (reminder.visit_id, reminder.recipient_key, reminder.offset_minutes)


def desk_calls_open_for_failed(*, reminders: list[Reminder]) -> int:
    """Open a call for each recipient whose reminders of one offset all failed."""
    if not reminders:
        return 0
    alive = set(
        Reminder.objects.filter(
            visit_id__in={reminder.visit_id for reminder in reminders}, status__in=ALIVE
        ).values_list("visit_id", "recipient_key", "offset_minutes")
    )
    unreached = [reminder for reminder in reminders if _slot(reminder) not in alive]
    return _open(unreached, reason=_("所有提醒渠道均发送失败"))


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
    return _open(list(stuck), reason=_("通知渠道暂停，服务临近"))


def _open(reminders: list[Reminder], *, reason: str) -> int:
    calls = {
        (reminder.visit_id, reminder.recipient_key): DeskCall(
            visit_id=reminder.visit_id,
            recipient_key=reminder.recipient_key,
            recipient_user_id=reminder.recipient_user_id,
            community_id=reminder.visit.request.resident.community_id,
            reason=reason,
        )
        for reminder in reminders
    }
    before = DeskCall.objects.filter(called_at__isnull=True).count()
    # The partial unique constraint keeps one open call per person and visit.
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
