import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sanlian import stored_text
from services.care.models import Visit


class Reminder(models.Model):
    """One notification of one visit to one recipient on one channel, sent once."""

    class Channel(models.TextChoices):
        SMS = "sms", _("短信")
        EMAIL = "email", _("邮件")
        IN_APP = "in_app", _("站内通知")

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")
        CANCELLED = "cancelled", _("已取消")

    # No index of its own: the unique constraint below starts with visit. Every claim and
    # every outcome rewrites the row with a new status, so each index costs twice per send.
    visit = models.ForeignKey(
        Visit,
        verbose_name=_("上门服务"),
        on_delete=models.CASCADE,
        related_name="reminders",
        db_index=False,
    )
    # "resident:<id>" or "user:<id>": who receives it, stable across reschedules.
    recipient_key = models.CharField(_("接收人"), max_length=40)
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    offset_minutes = models.PositiveIntegerField(_("提前（分钟）"))
    due_at = models.DateTimeField(_("应发送时间"))
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    claimed_at = models.DateTimeField(_("领取时间"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    response = models.CharField(_("通道回执"), max_length=300, blank=True)
    idempotency_key = models.UUIDField(_("幂等键"), default=uuid.uuid4, unique=True, editable=False)
    # Set after a failed attempt (backoff); NULL means "send at due_at".
    next_attempt_at = models.DateTimeField(_("下次尝试时间"), null=True, blank=True)
    # Urgent SMS ignore quiet hours.
    urgent = models.BooleanField(_("紧急"), default=False)
    # Changes with every claim, so a worker whose claim was taken over cannot overwrite the result.
    claim_token = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("提醒")
        verbose_name_plural = _("提醒")
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["status", "due_at"], name="reminder_status_due_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["visit", "recipient_key", "channel", "offset_minutes"],
                name="reminder_once_per_visit_recipient_channel_offset",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.visit_id} → {self.recipient_key} ({self.channel}, {self.due_at:%m-%d %H:%M})"


class Notification(models.Model):
    """An in-app message for a staff member or worker."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    title = models.CharField(_("标题"), max_length=100)
    body = models.CharField(_("内容"), max_length=300)
    # The facts of title and body (sanlian.stored_text), written out in the reader's
    # language when shown; empty for the few rows whose old text matched no known message.
    title_facts = models.JSONField(_("标题（原始信息）"), null=True, blank=True)
    body_facts = models.JSONField(_("内容（原始信息）"), null=True, blank=True)
    link = models.CharField(_("链接"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    # Deduplicates alerts that must reach a person once (escalations, reminders).
    dedupe_key = models.CharField(max_length=80, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def shown_title(self) -> str:
        return stored_text.render(self.title_facts, self.title)

    @property
    def shown_body(self) -> str:
        return stored_text.render(self.body_facts, self.body)


def notification_texts(*, title: str | dict, body: str | dict) -> dict:
    """Notification(...) keywords for a title and body given as text or as facts."""
    fields = {}
    for name, value, limit in (("title", title, 100), ("body", body, 300)):
        facts = value if isinstance(value, dict) else None
        shown = stored_text.in_source_language(facts) if facts else str(value)
        fields[name], fields[f"{name}_facts"] = shown[:limit], facts
    return fields


def validate_offsets(value: str) -> None:
    from django.core.exceptions import ValidationError

    try:
        offsets = [int(part) for part in value.split(",") if part.strip()]
    except ValueError:
        raise ValidationError(_("请输入以逗号分隔的分钟数，例如 1440,60。")) from None
    if not offsets or any(offset <= 0 or offset > 14 * 24 * 60 for offset in offsets):
        raise ValidationError(_("每个提前量须在 1 分钟到 14 天之间。"))


class ReminderPolicy(models.Model):
    """How long before a visit reminders go out; one row (pk=1), edited by staff."""

    offsets = models.CharField(
        _("提前量（分钟，逗号分隔）"),
        max_length=60,
        default="1440,60",
        validators=[validate_offsets],
        help_text=_("例如 1440,60 表示提前 24 小时和 1 小时提醒。"),
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("更新人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("提醒设置")
        verbose_name_plural = _("提醒设置")

    def __str__(self) -> str:
        return self.offsets

    @property
    def offset_list(self) -> list[int]:
        return sorted({int(part) for part in self.offsets.split(",") if part.strip()}, reverse=True)
