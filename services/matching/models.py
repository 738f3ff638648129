from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from communities.models import Community, Street
from sanlian import stored_text
from sanlian.models import BackgroundJob
from services.care.models import ServiceRequest
from services.offerings.models import ServiceOffering


class MatchingRun(models.Model):
    """One run of the matcher over a street, a community or the whole city (neither set)."""

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
        return f"{self.street or self.community or _('全市')} {self.week_start}"

    @property
    def city_wide(self) -> bool:
        return self.street_id is None and self.community_id is None

    @property
    def scope_name(self) -> str:
        return str(self.street or self.community or _("全市"))


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
    # The reason's facts (sanlian.stored_text), shown in the reader's language; empty for
    # an old row whose text did not parse, which then shows `reason` as written.
    reason_facts = models.JSONField(_("匹配理由（原始信息）"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    proposed_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        db_index=False,  # no query looks matches up by the person; see Meta
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
        db_index=False,  # no query looks matches up by the person; see Meta
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
        # A matching run inserts tens of thousands of rows at once, and each index costs
        # on every row: the status index without its LIKE twin (no query matches status
        # by pattern), none on confirmed_by / responded_by (no query filters by them).
        indexes = [models.Index(fields=["status"], name="match_status_idx")]

    def __str__(self) -> str:
        return f"{self.request} ⇄ {self.offering}"

    @property
    def shown_reason(self) -> str:
        return stored_text.render(self.reason_facts, self.reason)


class UnservedRequest(models.Model):
    """A request a run left without a proposal, and why (core.Unserved, stored).

    `current` marks the verdict of the latest run that covered the request; the unmet
    demand figure counts current verdicts of requests still open.
    """

    class Code(models.TextChoices):
        NO_OFFERING = "no_offering", _("本社区暂无提供该服务的组织")
        NO_AGREEMENT = "no_agreement", _("服务组织本周没有生效的入驻协议")
        NO_WINDOW = "no_window", _("服务时间与需求时间不重合")
        FULL = "full", _("服务名额已满")
        TAKEN = "taken", _("名额已由更优先的需求占用")
        CHANGED = "changed", _("匹配期间服务名额有变，下次匹配再试")

    run = models.ForeignKey(
        MatchingRun,
        verbose_name=_("匹配批次"),
        on_delete=models.CASCADE,
        related_name="unserved",
        db_index=False,  # the unique (run, request) below leads with run and serves its look-ups
    )
    request = models.ForeignKey(
        ServiceRequest,
        verbose_name=_("服务需求"),
        on_delete=models.CASCADE,
        related_name="unserved_results",
    )
    week_start = models.DateField(_("服务周"))
    code = models.CharField(_("未匹配原因"), max_length=20, choices=Code.choices)
    blocking = models.PositiveIntegerField(_("占用名额的更优先需求"), default=0)
    current = models.BooleanField(_("最新结论"), default=True)

    class Meta:
        verbose_name = _("未匹配需求")
        verbose_name_plural = _("未匹配需求")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "request"], name="unserved_once_per_run"),
        ]
        indexes = [
            models.Index(
                fields=["request"], condition=Q(current=True), name="unserved_current_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request} {self.code}"

    @property
    def staff_text(self) -> str:
        if self.code == self.Code.TAKEN:
            return _("本周名额已全部安排给 %(count)d 条优先级不低于它的需求") % {
                "count": self.blocking
            }
        return self.get_code_display()

    @property
    def resident_text(self) -> str:
        """The plain sentence a resident reads on the request page."""
        service = self.request.service_type.name
        sentences = {
            self.Code.NO_OFFERING: _("还在为您联系：本社区暂无提供%(service)s的服务组织"),
            self.Code.NO_AGREEMENT: _(
                "还在为您联系：提供%(service)s的服务组织本周尚未与本社区签订有效的入驻协议"
            ),
            self.Code.NO_WINDOW: _(
                "还在为您联系：服务组织的服务时间与您方便的时间对不上，调整时间可能更快安排"
            ),
            self.Code.FULL: _("还在为您联系：提供%(service)s的服务组织本周名额已满"),
            self.Code.TAKEN: _("还在为您联系：本周名额已先安排给更急需的老人，我们会尽快为您安排"),
            self.Code.CHANGED: _("还在为您联系：服务组织的名额刚刚有变，我们会尽快为您重新安排"),
        }
        return sentences[self.code] % {"service": service}


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
            # Neither set: the whole city.
            models.CheckConstraint(
                condition=Q(street__isnull=True) | Q(community__isnull=True),
                name="matchingjob_at_most_one_scope",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.street or self.community or _('全市')} {self.week_start}"

    @property
    def city_wide(self) -> bool:
        return self.street_id is None and self.community_id is None

    @property
    def scope_name(self) -> str:
        return str(self.street or self.community or _("全市"))
