"""A circuit breaker per delivery channel, kept in the database (it must hold without Redis).

Senders report each channel's outcome once per batch. CHANNEL_BREAKER_FAILURES failed
sends in a row pause the channel for CHANNEL_BREAKER_PAUSE_SECONDS: nothing of it is
claimed meanwhile, so its reminders wait instead of each costing a timeout, and
civil-affairs staff get one alert per outage. When the pause ends one batch tries
again (half-open): a delivery closes the breaker, a failure pauses it once more.
"""

import datetime
import functools
import logging

from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext_noop

from sanlian import stored_text
from sanlian.models import User
from sanlian.roles import Role
from services.models import ChannelState, Reminder
from services.notifications.channels import notification_create

logger = logging.getLogger(__name__)

CHANNELS = tuple(Reminder.Channel.values)


# Both run once or twice per batch of every sender: written once per process, not built by
# the ORM each time (which cost more than the query, issue 20).


def channels_paused(*, now: datetime.datetime) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(_statements()["paused"], [now])
        return {channel for (channel,) in cursor.fetchall()}


def channel_record_success(*, channel: str) -> None:
    # A filtered UPDATE: the common case (healthy, nothing to reset) writes nothing.
    with connection.cursor() as cursor:
        cursor.execute(_statements()["success"], [channel])


@functools.cache
def _statements() -> dict[str, str]:
    table = connection.ops.quote_name(ChannelState._meta.db_table)
    return {
        "paused": f"SELECT channel FROM {table} WHERE paused_until > %s",  # noqa: S608 - the model's table
        "success": (
            f"UPDATE {table} SET failures = 0, paused_until = NULL, last_error = ''"  # noqa: S608 - the model's table
            " WHERE channel = %s AND (failures <> 0 OR paused_until IS NOT NULL)"
        ),
    }


@transaction.atomic
def channel_record_failure(*, channel: str, error: str, now: datetime.datetime) -> bool:
    """Count one failed send; returns True when this failure paused the channel."""
    ChannelState.objects.get_or_create(channel=channel)
    state = ChannelState.objects.select_for_update().get(channel=channel)
    state.failures += 1
    state.last_error = error[:300]
    paused = state.failures >= settings.CHANNEL_BREAKER_FAILURES
    if paused:
        state.paused_until = now + datetime.timedelta(
            seconds=settings.CHANNEL_BREAKER_PAUSE_SECONDS
        )
    state.save()
    if state.failures == settings.CHANNEL_BREAKER_FAILURES:
        # The first pause of an outage; retries after a pause do not alert again.
        logger.warning("channel %s paused after %s failures: %s", channel, state.failures, error)
        _alert_staff(channel=channel, error=error, now=now)
    return paused


def channel_states(*, now: datetime.datetime) -> dict[str, str]:
    """Per channel: "ok", "failing" (some failures, still sending) or "paused"."""
    states = dict.fromkeys(CHANNELS, "ok")
    for state in ChannelState.objects.filter(channel__in=CHANNELS):
        if state.paused_until is not None and state.paused_until > now:
            states[state.channel] = "paused"
        elif state.failures:
            states[state.channel] = "failing"
    return states


# The channels' names as message ids, so an alert names its channel in the reader's language.
CHANNEL_NAMES = {
    "sms": gettext_noop("短信"),
    "email": gettext_noop("邮件"),
    "in_app": gettext_noop("站内通知"),
}


def _alert_staff(*, channel: str, error: str, now: datetime.datetime) -> None:
    body = stored_text.text(
        gettext_noop(
            "%(channel)s发送连续失败，已暂停，稍后自动重试；未送达的提醒将转为电话通知。"
            "（%(error)s）"
        ),
        channel=stored_text.text(CHANNEL_NAMES[channel]),
        error=error[:100],
    )
    stamp = int(now.timestamp())
    for user in User.objects.filter(role=Role.CIVIL_AFFAIRS, is_active=True):
        notification_create(
            user=user,
            title=stored_text.text(gettext_noop("通知渠道已暂停")),
            body=body,
            link="",
            dedupe_key=f"channel-paused:{channel}:{stamp}:{user.pk}",
        )
