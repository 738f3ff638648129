"""Delivery channels of reminders and alerts: SMS gateways, email, in-app notifications.

Every send takes the reminder's idempotency key. The SMS gateways answer "already
delivered" for a key they have seen, so a reminder taken over from a dead worker
can be sent again safely; in-app notifications dedupe on the same key.
"""

import datetime
import fcntl
import json
import os
import smtplib
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import NamedTuple

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from sanlian.masking import mask_phone
from services.models import Notification
from services.notifications.models import notification_texts

SMS_MAX_CHARS = 70  # one Chinese SMS segment
ALREADY_DELIVERED = "already delivered"


class ChannelError(Exception):
    """The channel did not take the message; the reminder is retried later."""


class ChannelDown(ChannelError):
    """The channel itself failed (timeout, refused, server error): the rest of its batch
    is not tried, and the failure counts towards pausing the channel."""


class NotAttempted(ChannelError):
    """Never handed to the channel: it failed (or is paused), or the sender's time ran out."""

    def __init__(self, message: str = "not attempted", *, channel_failed: bool = False):
        super().__init__(message)
        self.channel_failed = channel_failed


def _keep_going_always() -> bool:
    return True


def sms_fit(text: str) -> str:
    return text if len(text) <= SMS_MAX_CHARS else text[: SMS_MAX_CHARS - 1] + "…"


class SmsMessage(NamedTuple):  # a tuple: thousands are built per batch
    phone: str
    text: str
    idempotency_key: str


class FileSmsGateway:
    """Development gateway: one line per delivered message in a local file, number masked.

    The file is locked while it is read and appended, so worker processes
    agree on which keys were delivered.
    """

    def __init__(self, *, path: Path, delay_ms: int = 0):
        self.path = Path(path)
        self.delay_ms = delay_ms

    def send(self, *, phone: str, text: str, idempotency_key: str) -> str:
        return self.send_many([SmsMessage(phone, text, idempotency_key)])[0]

    def send_many(self, messages: list[SmsMessage], keep_going=None) -> list[str | ChannelError]:
        """Answers in the order of `messages`; the log is opened and locked once."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        answers: list[str | ChannelError] = []
        lines: list[str] = []
        with self.path.open("a+", encoding="utf-8") as log:
            fcntl.flock(log, fcntl.LOCK_EX)
            delivered = _delivered_keys(log)
            stamp = timezone.localtime().isoformat(timespec="seconds")
            for message in messages:
                if message.idempotency_key in delivered:
                    answers.append(ALREADY_DELIVERED)
                    continue
                if self.delay_ms:
                    time.sleep(self.delay_ms / 1000)  # simulates a slow gateway
                text = sms_fit(message.text)
                # The log is a file anyone with the volume reads: the number goes masked,
                # in full only to a real gateway (issue 19).
                recipient = mask_phone(message.phone)
                lines.append(f"{stamp}\t{message.idempotency_key}\t{recipient}\t{text}\n")
                delivered.add(message.idempotency_key)
                answers.append("delivered")
            log.write("".join(lines))
            log.flush()
            _KEYS_READ[log.name][1] = log.tell()
        return answers


# Keys already in each log, and how far it was read: under the lock, only lines appended
# since (by any process) are read, instead of the whole file for every batch.
_KEYS_READ: dict[str, list] = {}


def _delivered_keys(log) -> set[str]:
    stat = os.fstat(log.fileno())
    known = _KEYS_READ.get(log.name)
    if known is None or known[0] != (stat.st_dev, stat.st_ino) or known[1] > stat.st_size:
        known = _KEYS_READ[log.name] = [(stat.st_dev, stat.st_ino), 0, set()]
    log.seek(known[1])
    for line in log:
        parts = line.split("\t", 2)
        if len(parts) > 1:
            known[2].add(parts[1])
    known[1] = log.tell()
    return known[2]


class HttpSmsGateway:
    """A gateway reached by POSTing JSON; the idempotency key travels in a header."""

    def __init__(self, *, url: str, key: str, timeout: float):
        self.url, self.key, self.timeout = url, key, timeout

    def send(self, *, phone: str, text: str, idempotency_key: str) -> str:
        body = json.dumps({"phone": phone, "text": sms_fit(text)}, ensure_ascii=False)
        request = urllib.request.Request(  # noqa: S310 - the URL is the operator's setting
            self.url,
            data=body.encode("utf-8"),
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Authorization": f"Bearer {self.key}",
                "Idempotency-Key": idempotency_key,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            # 5xx and 429 are the gateway's trouble; other 4xx are this message's.
            failure = ChannelDown if error.code >= 500 or error.code == 429 else ChannelError
            raise failure(f"HTTP {error.code}") from error
        except (urllib.error.URLError, OSError) as error:  # refused, timed out, reset
            raise ChannelDown(str(error)[:200]) from error
        except ValueError as error:
            raise ChannelError(str(error)[:200]) from error
        if answer.get("status") == "duplicate":
            return ALREADY_DELIVERED
        return str(answer.get("id") or answer.get("status") or "delivered")[:200]

    def send_many(self, messages: list[SmsMessage], keep_going=None) -> list[str | ChannelError]:
        """One POST per message: the gateway's API takes one message per request.

        Stops at the first ChannelDown, or when `keep_going()` says the sender's time is up:
        the messages after it are answered NotAttempted, not each left to time out.
        """
        keep_going = keep_going or _keep_going_always
        answers: list[str | ChannelError] = []
        failed = out_of_time = False
        for message in messages:
            out_of_time = out_of_time or failed or not keep_going()
            if out_of_time:
                answers.append(NotAttempted(channel_failed=failed))
                continue
            try:
                answers.append(
                    self.send(
                        phone=message.phone,
                        text=message.text,
                        idempotency_key=message.idempotency_key,
                    )
                )
            except ChannelError as error:
                answers.append(error)
                failed = isinstance(error, ChannelDown)
        return answers


def sms_gateway():
    if settings.SMS_BACKEND == "http":
        if not settings.SMS_HTTP_URL:
            raise ChannelError("SMS_HTTP_URL is not set")
        return HttpSmsGateway(
            url=settings.SMS_HTTP_URL,
            key=settings.SMS_HTTP_KEY,
            timeout=settings.SMS_HTTP_TIMEOUT_SECONDS,
        )
    return FileSmsGateway(
        path=settings.SMS_LOG_PATH, delay_ms=getattr(settings, "SMS_FILE_DELAY_MS", 0)
    )


def sms_send(*, phone: str, text: str, idempotency_key: str) -> str:
    return sms_gateway().send(phone=phone, text=text, idempotency_key=idempotency_key)


def sms_send_many(*, messages: list[SmsMessage], keep_going=None) -> list[str | ChannelError]:
    """Send several messages; per message an answer, or the ChannelError that stopped it."""
    if not messages:
        return []
    return sms_gateway().send_many(messages, keep_going=keep_going)


def email_send(*, address: str, subject: str, body: str, idempotency_key: str) -> str:
    message = EmailMessage(
        subject=subject,
        body=body,
        to=[address],
        headers={"X-Idempotency-Key": idempotency_key},
    )
    try:
        # The SMTP backend waits at most EMAIL_TIMEOUT seconds for each answer.
        message.send()
    except smtplib.SMTPRecipientsRefused as error:
        raise ChannelError(str(error)[:200]) from error  # this address, not the server
    except OSError as error:  # timed out, refused, disconnected, any other SMTP error
        raise ChannelDown(f"{type(error).__name__}: {error}"[:200]) from error
    return "accepted"


def notification_create(
    *, user, title: str | dict, body: str | dict, link: str, dedupe_key: str
) -> str:
    """An in-app notification, at most one per dedupe_key; title and body as text or as
    facts (sanlian.stored_text), which are shown in the reader's language."""
    try:
        with transaction.atomic():
            Notification.objects.create(
                user=user,
                **notification_texts(title=title, body=body),
                link=link[:200],
                dedupe_key=dedupe_key,
            )
    except IntegrityError:
        return ALREADY_DELIVERED
    return "delivered"


def notifications_create_many(*, notifications: list[Notification]) -> list[str]:
    """In-app notifications in one INSERT, at most one per dedupe_key; answers in order."""
    keys = [notification.dedupe_key for notification in notifications]
    seen = set(
        Notification.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True)
    )
    fresh = [notification for notification in notifications if notification.dedupe_key not in seen]
    for notification in fresh:
        notification.title = notification.title[:100]
        notification.body = notification.body[:300]
        notification.link = notification.link[:200]
    # A key another sender inserts meanwhile is skipped by the database, not raised.
    Notification.objects.bulk_create(fresh, ignore_conflicts=True)
    return [ALREADY_DELIVERED if key in seen else "delivered" for key in keys]


def notifications_visible_to(user) -> QuerySet[Notification]:
    """Everyone sees their own notifications, and nobody else's."""
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(user=user)


def notification_unread_count(*, user) -> int:
    return notifications_visible_to(user).filter(read_at__isnull=True).count()


def notification_mark_read(*, notification: Notification, now: datetime.datetime) -> None:
    if notification.read_at is None:
        notification.read_at = now
        notification.save(update_fields=["read_at"])


def notifications_mark_all_read(*, user, now: datetime.datetime) -> int:
    return notifications_visible_to(user).filter(read_at__isnull=True).update(read_at=now)
