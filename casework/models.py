"""Social work's part: ability assessments, case files and quality callbacks."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communities.models import Resident
from services.models import ServiceRequest, ServiceType, Visit
from socialworkers.models import SocialWorker

CARE_LEVELS = Resident.CareLevel.choices


# --- The assessment instrument, stored as data (a city can load a local variant) --------


class Instrument(models.Model):
    code = models.CharField(_("标准编号"), max_length=40)
    version = models.PositiveSmallIntegerField(_("版本"))
    title = models.CharField(_("名称"), max_length=60)
    active = models.BooleanField(_("启用"), default=True)
    # Option codes that decide the level whatever the total ({"coma": 4}); see instrument_data.
    overrides = models.JSONField(_("直接定级"), default=dict, blank=True)

    class Meta:
        verbose_name = _("评估量表")
        verbose_name_plural = _("评估量表")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="instrument_code_version"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title} v{self.version}"


class Indicator(models.Model):
    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="indicators")
    code = models.CharField(_("条款"), max_length=10)
    name = models.CharField(_("一级指标"), max_length=30)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["instrument", "position"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "code"], name="indicator_code_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Item(models.Model):
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="items")
    code = models.CharField(_("条款"), max_length=10)
    name = models.CharField(_("二级指标"), max_length=30)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["indicator", "position"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "code"], name="item_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Option(models.Model):
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="options")
    code = models.CharField(max_length=20)
    label = models.CharField(_("选项"), max_length=100)
    score = models.PositiveSmallIntegerField(_("分值"))
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["item", "position"]
        constraints = [
            models.UniqueConstraint(fields=["item", "code"], name="option_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.score} {self.label}"


class Level(models.Model):
    """A band of total scores and the ability level it means (rank 0 = 能力完好)."""

    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="levels")
    rank = models.PositiveSmallIntegerField(_("等级"))
    code = models.CharField(max_length=20)
    name = models.CharField(_("能力等级"), max_length=30)
    min_total = models.PositiveSmallIntegerField(_("最低总分"))
    max_total = models.PositiveSmallIntegerField(_("最高总分"))
    care_level = models.CharField(_("照护等级"), max_length=20, choices=CARE_LEVELS)

    class Meta:
        ordering = ["instrument", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "rank"], name="level_rank_unique"),
            models.CheckConstraint(
                condition=Q(min_total__lte=models.F("max_total")), name="level_band_ordered"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Adjustment(models.Model):
    """A finding that raises the preliminary level by one (dementia, risk events ...)."""

    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="adjustments")
    code = models.CharField(max_length=20)
    label = models.CharField(_("等级变更依据"), max_length=100)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["instrument", "position"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "code"], name="adjustment_code_unique"),
        ]

    def __str__(self) -> str:
        return self.label


# --- Assessments -------------------------------------------------------------------------


class Assessment(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("填写中")
        AWAITING_SECOND = "awaiting_second", _("待第二评估员签字")
        SIGNED = "signed", _("已签字")

    resident = models.ForeignKey(
        Resident, verbose_name=_("居民"), on_delete=models.PROTECT, related_name="assessments"
    )
    instrument = models.ForeignKey(
        Instrument, verbose_name=_("评估量表"), on_delete=models.PROTECT, related_name="+"
    )
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("评估员"),
        on_delete=models.PROTECT,
        related_name="assessments_made",
    )
    # {item code: option code}; partial while a draft.
    answers = models.JSONField(_("评估结果"), default=dict, blank=True)
    adjustments = models.JSONField(_("等级变更依据"), default=list, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    total = models.PositiveSmallIntegerField(_("总分"), null=True, blank=True)
    level_rank = models.PositiveSmallIntegerField(_("能力等级"), null=True, blank=True)
    level_name = models.CharField(_("能力等级"), max_length=30, blank=True)
    care_level = models.CharField(_("照护等级"), max_length=20, choices=CARE_LEVELS, blank=True)
    previous_rank = models.PositiveSmallIntegerField(_("上次等级"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签字人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    signed_at = models.DateTimeField(_("签字时间"), null=True, blank=True)
    second_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("第二评估员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    second_signed_at = models.DateTimeField(_("第二签字时间"), null=True, blank=True)
    # When the result became the resident's level: signed, or second-signed.
    effective_at = models.DateTimeField(_("生效时间"), null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(_("开始时间"), default=timezone.now)

    class Meta:
        verbose_name = _("能力评估")
        verbose_name_plural = _("能力评估")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["resident", "-effective_at"], name="assessment_latest_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(signed_at__isnull=False, total__isnull=False),
                name="assessment_signed_has_result",
            ),
            models.CheckConstraint(
                condition=~Q(status="signed") | Q(effective_at__isnull=False),
                name="assessment_signed_is_effective",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resident} · {self.created_at:%Y-%m-%d}"


# --- Case management ---------------------------------------------------------------------


class Supervision(models.Model):
    """A senior social worker supervises another social worker's caseload."""

    supervisor = models.ForeignKey(
        SocialWorker, verbose_name=_("督导"), on_delete=models.CASCADE, related_name="supervisees"
    )
    social_worker = models.ForeignKey(
        SocialWorker, verbose_name=_("社工"), on_delete=models.CASCADE, related_name="supervisors"
    )

    class Meta:
        verbose_name = _("督导关系")
        verbose_name_plural = _("督导关系")
        constraints = [
            models.UniqueConstraint(
                fields=["supervisor", "social_worker"], name="supervision_unique"
            ),
            models.CheckConstraint(
                condition=~Q(supervisor=models.F("social_worker")), name="supervision_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.supervisor} → {self.social_worker}"


class Case(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("接案")
        ACTIVE = "active", _("服务中")
        CLOSED = "closed", _("已结案")

    class Source(models.TextChoices):
        REQUEST = "request", _("服务需求")
        HOTLINE = "hotline", _("热线来电")
        REFERRAL = "referral", _("社区转介")
        ASSESSMENT = "assessment", _("能力评估")
        CALLBACK = "callback", _("回访发现")

    class Outcome(models.TextChoices):
        GOALS_MET = "goals_met", _("目标达成")
        PARTLY_MET = "partly_met", _("部分达成")
        REFERRED = "referred", _("转介其他机构")
        MOVED_OR_DIED = "moved_or_died", _("迁出或去世")
        DECLINED = "declined", _("居民不再需要")

    resident = models.ForeignKey(
        Resident, verbose_name=_("居民"), on_delete=models.PROTECT, related_name="cases"
    )
    social_workers = models.ManyToManyField(
        SocialWorker, verbose_name=_("负责社工"), related_name="cases"
    )
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices)
    presenting_need = models.CharField(_("主要需求"), max_length=200)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    goals = models.TextField(_("服务目标"), blank=True, max_length=2000)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接案人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    opened_at = models.DateTimeField(_("接案时间"), default=timezone.now)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    outcome = models.CharField(_("结案结果"), max_length=20, choices=Outcome.choices, blank=True)
    outcome_note = models.CharField(_("结案说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("个案")
        verbose_name_plural = _("个案")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="closed", closed_at__isnull=False) & ~Q(outcome="")
                | ~Q(status="closed"),
                name="case_closed_has_outcome",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resident} · {self.get_status_display()}"


class PlannedService(models.Model):
    """A service of the care plan; filing it creates the ServiceRequest matching serves."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="planned_services")
    service_type = models.ForeignKey(
        ServiceType, verbose_name=_("服务类型"), on_delete=models.PROTECT, related_name="+"
    )
    request = models.OneToOneField(
        ServiceRequest,
        verbose_name=_("服务需求"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="planned_service",
    )
    goal = models.CharField(_("对应目标"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("计划服务")
        verbose_name_plural = _("计划服务")
        ordering = ["case", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} · {self.service_type_id}"


class ProgressNote(models.Model):
    """The most sensitive text in the portal: read only through casework.domain.case_notes_read."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(max_length=4000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        # Never the text: this string reaches the audit trail and the admin.
        return f"{self.case_id} · {self.created_at:%Y-%m-%d}"


class Review(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reviews")
    due_on = models.DateField(_("应评估日期"), db_index=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    summary = models.CharField(_("评估小结"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("个案检视")
        verbose_name_plural = _("个案检视")
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} · {self.due_on}"

    @property
    def overdue(self) -> bool:
        return self.done_at is None and self.due_on < timezone.localdate()


# --- Quality callbacks -------------------------------------------------------------------


class Callback(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待回访")
        DONE = "done", _("已回访")
        UNREACHABLE = "unreachable", _("联系不上")

    visit = models.OneToOneField(
        Visit, verbose_name=_("上门服务"), on_delete=models.CASCADE, related_name="callback"
    )
    social_worker = models.ForeignKey(
        SocialWorker,
        verbose_name=_("回访社工"),
        on_delete=models.PROTECT,
        related_name="callbacks",
    )
    week_start = models.DateField(_("抽样周"), db_index=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    happened_as_logged = models.BooleanField(_("服务属实"), null=True, blank=True)
    quality_score = models.PositiveSmallIntegerField(
        _("质量评分"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    comment = models.CharField(_("回访记录"), max_length=300, blank=True)
    done_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    # A failed callback may open a case (casework.domain.callback_follow_up); once.
    case = models.ForeignKey(
        Case,
        verbose_name=_("由此开的个案"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="callbacks",
    )

    class Meta:
        verbose_name = _("回访")
        verbose_name_plural = _("回访")
        ordering = ["-week_start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="done")
                | Q(happened_as_logged__isnull=False, done_at__isnull=False),
                name="callback_done_has_answer",
            ),
            models.CheckConstraint(
                condition=Q(quality_score__isnull=True)
                | Q(quality_score__gte=1, quality_score__lte=5),
                name="callback_score_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.visit_id} · {self.get_status_display()}"
