from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from communities.models import Community, Street
from sanlian.models import BackgroundJob
from services.care.models import ServiceRequest
from services.offerings.models import ServiceOffering


class MatchingRun(models.Model):
    """One run of the matcher over a street or community, for one week."""

    street = models.ForeignKey(
        Street,
        verbose_name=_("街道"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    community = models.ForeignKey(
        Community,
        verbose_name=_("社区"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    week_start = models.DateField(_("服务周"))
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    started_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    stats = models.JSONField(_("统计"), default=dict, blank=True)

    class Meta:
        verbose_name = _("匹配批次")
        verbose_name_plural = _("匹配批次")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.street or self.community} {self.week_start}"


class Match(models.Model):
    class Status(models.TextChoices):
        PROPOSED = "proposed", _("待确认")
        CONFIRMED = "confirmed", _("待组织答复")
        ACCEPTED = "accepted", _("已接受")
        DECLINED = "declined", _("已拒绝")
        EXPIRED = "expired", _("已过期")
        WITHDRAWN = "withdrawn", _("已撤回")

    # Statuses that hold a place in the offering's weekly capacity.
    HOLDING = ("confirmed", "accepted")

    request = models.ForeignKey(
        ServiceRequest, verbose_name=_("服务需求"), on_delete=models.CASCADE, related_name="matches"
    )
    offering = models.ForeignKey(
        ServiceOffering,
        verbose_name=_("服务项目"),
        on_delete=models.CASCADE,
        related_name="matches",
    )
    run = models.ForeignKey(
        MatchingRun,
        verbose_name=_("匹配批次"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="matches",
    )
    week_start = models.DateField(_("服务周"))
    score = models.FloatField(_("优先分"), default=0)
    distance_km = models.FloatField(_("距离（公里）"), null=True, blank=True)
    reason = models.CharField(_("匹配理由"), max_length=300)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PROPOSED, db_index=True
    )
    proposed_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    expires_at = models.DateTimeField(_("答复期限"), null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("答复人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    responded_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    response_note = models.CharField(_("答复说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("匹配")
        verbose_name_plural = _("匹配")
        ordering = ["-proposed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request"],
                condition=Q(status__in=["confirmed", "accepted"]),
                name="match_one_holding_per_request",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request} ⇄ {self.offering}"


class MatchingJob(BackgroundJob):
    """One run of matching requested from a page; the worker stores its MatchingRun here."""

    street = models.ForeignKey(
        "communities.Street",
        verbose_name=_("街道"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    community = models.ForeignKey(
        "communities.Community",
        verbose_name=_("社区"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    week_start = models.DateField(_("服务周"))
    run = models.ForeignKey(
        MatchingRun,
        verbose_name=_("匹配批次"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta(BackgroundJob.Meta):
        # The table kept the name it had while the job lived in the plumbing package.
        db_table = "sanlian_matchingjob"
        verbose_name = _("匹配任务")
        verbose_name_plural = _("匹配任务")
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="matchingjob_progress_at_most_100"
            ),
            models.CheckConstraint(
                condition=Q(street__isnull=True, community__isnull=False)
                | Q(street__isnull=False, community__isnull=True),
                name="matchingjob_one_scope",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.street or self.community} {self.week_start}"
