"""What keeps reminders from ending in silence: channel health and the desk's call list.

Re-exported from services.models; kept apart so the notifications part can move as one.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from communities.models import Community


class ChannelState(models.Model):
    """One row per delivery channel: its circuit breaker (notifications/channel_health.py)."""

    channel = models.CharField(_("渠道"), max_length=10, unique=True)
    # Failed sends in a row; any delivered message resets it.
    failures = models.PositiveIntegerField(_("连续失败次数"), default=0)
    paused_until = models.DateTimeField(_("暂停至"), null=True, blank=True)
    last_error = models.CharField(_("最近错误"), max_length=300, blank=True)
    changed_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("通知渠道状态")
        verbose_name_plural = _("通知渠道状态")

    def __str__(self) -> str:
        return self.channel


class DeskCall(models.Model):
    """ "Phone this person": a reminder no channel could deliver, on the community's desk.

    About a visit, or about a place in a community activity (`signup`, the activities app's
    sign-up; named by string only: services never imports activities, whose reminders open
    these calls through `desk.desk_calls_open`). Exactly one of the two is set.
    """

    visit = models.ForeignKey(
        "services.Visit",
        verbose_name=_("上门服务"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    signup = models.ForeignKey(
        "activities.Signup",
        verbose_name=_("活动报名"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    # The reminder's recipient_key: "resident:<id>" or "user:<id>".
    recipient_key = models.CharField(_("接收人"), max_length=40)
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    community = models.ForeignKey(
        Community, verbose_name=_("社区"), on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(_("原因"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    called_at = models.DateTimeField(_("致电时间"), null=True, blank=True)
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("致电人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    call_note = models.CharField(_("通话记录"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("待电话通知")
        verbose_name_plural = _("待电话通知")
        ordering = ["created_at", "id"]
        constraints = [
            # One open call per person and visit, however many of their reminders failed.
            models.UniqueConstraint(
                fields=["visit", "recipient_key"],
                condition=Q(called_at__isnull=True),
                name="desk_call_one_open_per_visit_recipient",
            ),
            # And per person and activity place.
            models.UniqueConstraint(
                fields=["signup", "recipient_key"],
                condition=Q(called_at__isnull=True),
                name="desk_call_one_open_per_signup_recipient",
            ),
            models.CheckConstraint(
                condition=Q(visit__isnull=False, signup__isnull=True)
                | Q(visit__isnull=True, signup__isnull=False),
                name="desk_call_for_a_visit_or_a_signup",
            ),
        ]

    def __str__(self) -> str:
        about = f"visit {self.visit_id}" if self.visit_id else f"signup {self.signup_id}"
        return f"{about} → {self.recipient_key}"
