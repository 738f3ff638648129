"""Activity reminders: the day before, to everyone with a place, by SMS and in-app, once.

Recipients and their channels are the visit reminders' (`resident_side_channels`: the
resident's phone by SMS and account in-app, each family member in-app and by SMS), and so
are the senders (services.notifications.channels), the paused channels (channel_health)
and SMS quiet hours. One ActivityReminder row per sign-up, recipient and channel makes each
go out once: rows are claimed under SKIP LOCKED, so two runs at once never take the same
row, and a run that dies after the gateway answered sends again with the same idempotency
key, which the gateway (and the in-app dedupe key) answers "already delivered".

A person whose reminders of a place all failed is not left in silence: they go on the
desk list of the activity's community ("电话告知居民：活动…"), the visit reminders' list,
through the same `desk_calls_open`, and leave it when staff record the call.
"""

import datetime
import logging

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_noop

from activities.models import Activity, ActivityReminder, Signup
from sanlian import stored_text
from sanlian.locale import language_of
from services.models import Notification, Reminder
from services.notifications.channel_health import (
    channel_record_failure,
    channel_record_success,
    channels_paused,
)
from services.notifications.channels import (
    ALREADY_DELIVERED,
    ChannelDown,
    ChannelError,
    NotAttempted,
    SmsMessage,
    notifications_create_many,
    sms_fit,
    sms_send_many,
)
from services.notifications.desk import (
    PAUSED_LEAD,
    Unreached,
    all_channels_failed,
    channel_paused_when_near,
    desk_calls_open,
)
from services.notifications.models import notification_texts
from services.notifications.reminders import (
    PermanentChannelError,
    resident_side_channels,
    sms_quiet_at,
)

logger = logging.getLogger(__name__)
Status = ActivityReminder.Status
Channel = Reminder.Channel
# Channels activity reminders use; e-mail reaches workers, who are not signed up.
CHANNELS = (Channel.SMS, Channel.IN_APP)


def _upcoming(now: datetime.datetime) -> Q:
    return Q(
        signup__status=Signup.Status.CONFIRMED,
        signup__activity__status=Activity.Status.PUBLISHED,
        signup__activity__starts_at__gt=now,
    )


def activity_reminders_plan(*, now: datetime.datetime, ahead: datetime.timedelta) -> int:
    """Rows for every confirmed place in an activity starting within `ahead`; returns how
    many were new. A sign-up planned before gets no second row (the unique constraint)."""
    signups = Signup.objects.filter(
        status=Signup.Status.CONFIRMED,
        activity__status=Activity.Status.PUBLISHED,
        activity__starts_at__gt=now,
        activity__starts_at__lte=now + ahead,
    ).select_related("resident__user")
    planned = set(
        ActivityReminder.objects.filter(signup__in=signups).values_list(
            "signup_id", "recipient_key", "channel"
        )
    )
    rows = [
        ActivityReminder(signup=signup, recipient_key=key, channel=channel, recipient_user=user)
        for signup in signups
        for (key, channel), user in resident_side_channels(signup.resident).items()
        if channel in CHANNELS and (signup.pk, key, channel) not in planned
    ]
    # A row another run inserts meanwhile is skipped by the database, not raised.
    ActivityReminder.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _facts(reminder: ActivityReminder) -> dict:
    activity = reminder.signup.activity
    return stored_text.text(
        gettext_noop("【三社联动】提醒：%(name)s报名的“%(activity)s”将于%(time)s在%(venue)s开始。"),
        name=reminder.signup.resident.name,
        activity=activity.title,
        time=activity.starts_at,
        venue=activity.venue.name,
    )


def _text(reminder: ActivityReminder) -> str:
    """At most one SMS long, in the recipient's language (the portal's for a resident
    reached by phone only)."""
    return sms_fit(stored_text.in_language(_facts(reminder), language_of(reminder.recipient_user)))


def _message(reminder: ActivityReminder) -> SmsMessage | Notification:
    user = reminder.recipient_user
    if reminder.channel == Channel.SMS:
        phone = reminder.signup.resident.phone if user is None else user.phone
        if not phone:
            raise PermanentChannelError("no phone number")
        return SmsMessage(phone, _text(reminder), str(reminder.idempotency_key))
    if user is None or not user.is_active:
        raise PermanentChannelError("no recipient account")
    # In the portal: facts, read in the reader's language whenever they open it.
    title = stored_text.text(
        gettext_noop("活动提醒：%(activity)s"), activity=reminder.signup.activity.title
    )
    return Notification(
        user=user,
        **notification_texts(title=title, body=_facts(reminder)),
        link=reverse("activities:detail", args=[reminder.signup.activity_id]),
        dedupe_key=f"activity-reminder:{reminder.idempotency_key}",
    )


def _claimed(now: datetime.datetime) -> list[ActivityReminder]:
    """Pending rows of upcoming places on channels that may send now, locked for this run."""
    skipped = set(channels_paused(now=now))
    if sms_quiet_at(now):
        skipped.add(Channel.SMS)  # deferred to the first run after quiet hours
    due = (
        ActivityReminder.objects.filter(_upcoming(now), status=Status.PENDING)
        .exclude(channel__in=skipped)
        .select_related("signup__activity__venue", "signup__resident", "recipient_user")
        .order_by("pk")
    )
    if connection.features.has_select_for_update_skip_locked:
        due = due.select_for_update(skip_locked=True, of=("self",))
    return list(due)


def _deliver(reminders: list[ActivityReminder]) -> dict[int, str | Exception]:
    answers: dict[int, str | Exception] = {}
    batches: dict[str, list[tuple[ActivityReminder, object]]] = {c: [] for c in CHANNELS}
    for reminder in reminders:
        try:
            batches[reminder.channel].append((reminder, _message(reminder)))
        except Exception as error:
            answers[reminder.pk] = error
    senders = {
        Channel.SMS: lambda messages: sms_send_many(messages=messages),
        Channel.IN_APP: lambda notes: notifications_create_many(notifications=notes),
    }
    for channel, pairs in batches.items():
        if not pairs:
            continue
        try:
            sent = senders[channel]([message for _reminder, message in pairs])
        except Exception as error:
            sent = [error] * len(pairs)
        answers.update({r.pk: answer for (r, _m), answer in zip(pairs, sent, strict=True)})
    return answers


def _record(reminder: ActivityReminder, answer, now: datetime.datetime) -> None:
    if isinstance(answer, NotAttempted):
        return  # never handed to the channel: pending as it was, for the next run
    reminder.attempts += 1
    if not isinstance(answer, Exception):
        reminder.status, reminder.sent_at, reminder.response = Status.SENT, now, answer[:300]
    else:
        final = isinstance(answer, PermanentChannelError) or (
            reminder.attempts >= settings.REMINDER_MAX_ATTEMPTS
        )
        reminder.status = Status.FAILED if final else Status.PENDING  # else: next run retries
        reminder.response = f"{type(answer).__name__}: {answer}"[:300]
    reminder.save(update_fields=["attempts", "status", "sent_at", "response"])


def _report_channels(reminders, answers, now: datetime.datetime) -> None:
    for channel in {reminder.channel for reminder in reminders}:
        mine = [answers[r.pk] for r in reminders if r.channel == channel]
        if any(not isinstance(answer, Exception) for answer in mine):
            channel_record_success(channel=channel)
            continue
        down = [a for a in mine if isinstance(a, ChannelDown) or not isinstance(a, ChannelError)]
        if down:
            channel_record_failure(channel=channel, error=str(down[0])[:200], now=now)


def _lock_places(signup_ids: list[int]) -> None:
    # In one order, so two runs cannot wait on each other.
    list(Signup.objects.select_for_update().filter(pk__in=signup_ids).order_by("pk").values("pk"))


def activity_desk_calls_open_for_failed(*, reminders: list[ActivityReminder]) -> int:
    """Open a desk call for each person whose reminders of one place all failed (none sent,
    none still pending); returns how many calls are new.

    Runs in the sender's transaction, after its outcomes are written. Two runs failing one
    person's two channels at once would each see the other's row still pending and both
    stay silent; with the places locked first, the later run waits for the earlier one's
    commit and sees its failure.
    """
    failed = [reminder for reminder in reminders if reminder.status == Status.FAILED]
    if not failed:
        return 0
    signup_ids = sorted({reminder.signup_id for reminder in failed})
    _lock_places(signup_ids)
    alive = set(
        ActivityReminder.objects.filter(
            signup_id__in=signup_ids, status__in=(Status.SENT, Status.PENDING)
        ).values_list("signup_id", "recipient_key")
    )
    unreached = [
        _unreached(reminder)
        for reminder in failed
        if (reminder.signup_id, reminder.recipient_key) not in alive
    ]
    return desk_calls_open(unreached=unreached, reason=all_channels_failed())


def _unreached(reminder: ActivityReminder) -> Unreached:
    return Unreached(
        recipient_key=reminder.recipient_key,
        recipient_user_id=reminder.recipient_user_id,
        community_id=reminder.signup.activity.community_id,
        signup_id=reminder.signup_id,
    )


def activity_desk_calls_open_for_paused(*, now: datetime.datetime) -> int:
    """A reminder a paused channel holds back from a place whose activity is near, for a
    person nothing reached: on the desk too, as for visits (desk.PAUSED_LEAD)."""
    paused = channels_paused(now=now)
    if not paused:
        return 0
    reached = ActivityReminder.objects.filter(
        signup=OuterRef("signup"), recipient_key=OuterRef("recipient_key"), status=Status.SENT
    )
    stuck = (
        ActivityReminder.objects.filter(
            _upcoming(now),
            channel__in=paused,
            status=Status.PENDING,
            signup__activity__starts_at__lte=now + PAUSED_LEAD,
        )
        .exclude(Exists(reached))
        .select_related("signup__activity")
    )
    return desk_calls_open(
        unreached=[_unreached(reminder) for reminder in stuck], reason=channel_paused_when_near()
    )


@transaction.atomic
def activity_reminders_send_due(*, now: datetime.datetime) -> int:
    """Send the pending reminders of upcoming places; returns how many were delivered now
    (not counting those a channel reports it had already delivered)."""
    ActivityReminder.objects.filter(status=Status.PENDING).exclude(_upcoming(now)).update(
        status=Status.CANCELLED, response="place or activity cancelled, or started"
    )
    reminders = _claimed(now)
    answers = _deliver(reminders)
    for reminder in reminders:
        _record(reminder, answers[reminder.pk], now)
    _report_channels(reminders, answers, now)
    activity_desk_calls_open_for_failed(reminders=reminders)
    activity_desk_calls_open_for_paused(now=now)
    return sum(1 for r in reminders if r.status == Status.SENT and r.response != ALREADY_DELIVERED)


def activity_reminders_send(*, now: datetime.datetime, ahead: datetime.timedelta) -> int:
    """Plan and send the reminders of activities starting within `ahead` (the beat task)."""
    activity_reminders_plan(now=now, ahead=ahead)
    return activity_reminders_send_due(now=now)
