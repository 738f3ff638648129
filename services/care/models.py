import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from communities.models import Resident, Venue
from organizations.models import Organization
from services.offerings.models import (
    ALL_DAYS,
    WEEKDAY_NAMES,
    ServiceOffering,
    ServiceType,
    mask_to_days,
)
from socialworkers.models import SocialWorker, Volunteer


class RequestChannel(models.TextChoices):
    WEB = "web", _("网上")
    HOTLINE = "hotline", _("热线电话")
    WALK_IN = "walk_in", _("现场")


class ServiceRequest(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("待匹配")
        MATCHED = "matched", _("已匹配")
        SCHEDULED = "scheduled", _("已排期")
        DONE = "done", _("已完成")
        CANCELLED = "cancelled", _("已取消")

    resident = models.ForeignKey(
        Resident, verbose_name=_("居民"), on_delete=models.PROTECT, related_name="requests"
    )
    service_type = models.ForeignKey(
        ServiceType, verbose_name=_("服务类型"), on_delete=models.PROTECT, related_name="requests"
    )
    preferred_days = models.PositiveSmallIntegerField(_("希望的日期（星期）"), default=ALL_DAYS)
    preferred_start = models.TimeField(_("最早时间"), default=datetime.time(8, 0))
    preferred_end = models.TimeField(_("最晚时间"), default=datetime.time(18, 0))
    notes = models.TextField(_("备注"), blank=True, max_length=500)
    urgent = models.BooleanField(_("紧急"), default=False, db_index=True)
    channel = models.CharField(
        _("渠道"), max_length=10, choices=RequestChannel.choices, default=RequestChannel.WEB
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)
    # The resident's (or family's) choice, honoured softly by matching (services/matching/core.py,
    # level 3): the organization they would like, and one they would rather not be sent again.
    preferred_organization = models.ForeignKey(
        Organization,
        verbose_name=_("希望由哪家机构服务"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    excluded_organization = models.ForeignKey(
        Organization,
        verbose_name=_("不希望由哪家机构服务"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("服务需求")
        verbose_name_plural = _("服务需求")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="request_status_created_idx"),
            # Lists walk this newest first instead of sorting every row in scope.
            models.Index(fields=["-created_at", "-id"], name="request_newest_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(preferred_days__gte=1, preferred_days__lte=ALL_DAYS),
                name="request_days_valid",
                violation_error_message=_("请至少选择一天（周一至周日）。"),
            ),
            models.CheckConstraint(
                condition=Q(preferred_end__gt=F("preferred_start")),
                name="request_window_ends_after_start",
                violation_error_message=_("希望的结束时间必须晚于开始时间。"),
            ),
            models.CheckConstraint(
                condition=Q(preferred_organization__isnull=True)
                | Q(excluded_organization__isnull=True)
                | ~Q(preferred_organization=F("excluded_organization")),
                name="request_preferred_not_excluded",
                violation_error_message=_("同一家机构不能既指定又回避。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resident} · {self.service_type}"

    @property
    def preferred_day_list(self) -> list[int]:
        return mask_to_days(self.preferred_days)

    @property
    def preferred_days_display(self) -> str:
        return pgettext("enumeration", "、").join(
            str(WEEKDAY_NAMES[day]) for day in self.preferred_day_list
        )


class VisitPlan(models.Model):
    """A weekly recurring visit: creates the next visits of an accepted match."""

    request = models.ForeignKey(
        ServiceRequest, verbose_name=_("服务需求"), on_delete=models.CASCADE, related_name="plans"
    )
    offering = models.ForeignKey(
        ServiceOffering, verbose_name=_("服务项目"), on_delete=models.CASCADE, related_name="plans"
    )
    weekday = models.PositiveSmallIntegerField(_("星期"), validators=[MaxValueValidator(6)])
    start_time = models.TimeField(_("开始时间"))
    until = models.DateField(_("截止日期"), null=True, blank=True)
    active = models.BooleanField(_("有效"), default=True)

    class Meta:
        verbose_name = _("周期服务计划")
        verbose_name_plural = _("周期服务计划")
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="plan_weekday_range"),
        ]

    def __str__(self) -> str:
        return f"{self.request} {WEEKDAY_NAMES[self.weekday]} {self.start_time:%H:%M}"


class LocationState(models.TextChoices):
    """Where a visit's check-in and check-out were made, against the resident's address."""

    VERIFIED = "verified", _("位置已核验")
    OFF_SITE = "off_site", _("不在住址附近")
    NO_POSITION = "no_position", _("未获取位置")
    MANUAL = "manual", _("人工说明")
    NO_REFERENCE = "no_reference", _("住址无坐标")


class ReviewState(models.TextChoices):
    PENDING = "pending", _("待复核")
    ACCEPTED = "accepted", _("复核通过")
    DISPUTED = "disputed", _("有异议")


class Visit(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("已排期")
        IN_PROGRESS = "in_progress", _("服务中")
        COMPLETED = "completed", _("已完成")
        MISSED = "missed", _("未上门")
        CANCELLED = "cancelled", _("已取消")

    request = models.ForeignKey(
        ServiceRequest, verbose_name=_("服务需求"), on_delete=models.PROTECT, related_name="visits"
    )
    offering = models.ForeignKey(
        ServiceOffering, verbose_name=_("服务项目"), on_delete=models.PROTECT, related_name="visits"
    )
    match = models.ForeignKey(
        "services.Match",  # by name: matching sits above care and imports it
        verbose_name=_("匹配"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="visits",
    )
    plan = models.ForeignKey(
        VisitPlan,
        verbose_name=_("周期计划"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="visits",
    )
    venue = models.ForeignKey(
        Venue,
        verbose_name=_("场地"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visits",
    )
    scheduled_start = models.DateTimeField(_("预约时间"), db_index=True)
    duration_minutes = models.PositiveSmallIntegerField(_("时长（分钟）"), default=60)
    social_worker = models.ForeignKey(
        SocialWorker,
        verbose_name=_("社工"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="visits",
    )
    volunteer = models.ForeignKey(
        Volunteer,
        verbose_name=_("志愿者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="visits",
    )
    staff_member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("组织服务人员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_visits",
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.SCHEDULED, db_index=True
    )
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("签退时间"), null=True, blank=True)
    service_log = models.TextField(_("服务记录"), blank=True, max_length=2000)
    # The worker noticed the resident's condition change: an ability reassessment falls due
    # (read by casework's due list and reminders; services knows nothing of assessments).
    condition_changed_at = models.DateTimeField(
        _("发现身体状况变化"), null=True, blank=True, db_index=True
    )
    condition_note = models.CharField(_("状况变化说明"), max_length=200, blank=True)
    # Field verification (services.care.verification): the phone's position at check-in and
    # check-out only, never tracked in between; cleared when the resident is anonymised.
    check_in_lat = models.DecimalField(
        _("签到纬度"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    check_in_lon = models.DecimalField(
        _("签到经度"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    check_in_accuracy_m = models.PositiveIntegerField(
        _("签到定位精度（米）"), null=True, blank=True
    )
    check_in_distance_m = models.PositiveIntegerField(_("签到距住址（米）"), null=True, blank=True)
    check_out_lat = models.DecimalField(
        _("签退纬度"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    check_out_lon = models.DecimalField(
        _("签退经度"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    check_out_accuracy_m = models.PositiveIntegerField(
        _("签退定位精度（米）"), null=True, blank=True
    )
    check_out_distance_m = models.PositiveIntegerField(_("签退距住址（米）"), null=True, blank=True)
    location_state = models.CharField(
        _("位置核验"), max_length=12, choices=LocationState.choices, blank=True, db_index=True
    )
    manual_reason = models.CharField(_("无法定位的原因"), max_length=200, blank=True)
    early_check_in = models.BooleanField(_("提前签到"), default=False)
    short_visit = models.BooleanField(_("服务时长不足"), default=False)
    # A step queued offline reached the portal long after the phone recorded it
    # (VISIT_SYNC_GAP_MINUTES): the times are the phone's, so a reviewer may look.
    late_sync = models.BooleanField(_("离线补传间隔过长"), default=False)
    review_state = models.CharField(
        _("核验复核"), max_length=10, choices=ReviewState.choices, blank=True, db_index=True
    )
    review_note = models.CharField(_("复核说明"), max_length=300, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("复核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("复核时间"), null=True, blank=True)
    # The week whose place the visit holds itself; empty when it rides on its match's place
    # (rules in services.care.domain.visits) or gave its place back (cancelled or missed).
    holds_week = models.DateField(_("占用名额的周"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("上门服务")
        verbose_name_plural = _("上门服务")
        ordering = ["-scheduled_start", "-id"]
        # Lists and cursor pages walk this instead of sorting a million visits.
        indexes = [models.Index(fields=["-scheduled_start", "-id"], name="visit_newest_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(checked_out_at__isnull=True)
                | Q(checked_in_at__isnull=False, checked_out_at__gte=F("checked_in_at")),
                name="visit_checkout_after_checkin",
            ),
            models.UniqueConstraint(
                fields=["plan", "scheduled_start"],
                condition=Q(plan__isnull=False),
                name="visit_plan_once_per_slot",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request} @ {self.scheduled_start:%Y-%m-%d %H:%M}"


class VisitStep(models.Model):
    """One worker step sent by the phone with its own idempotency key (offline queue).

    The key is kept with the answer given, so a replay of the same key (the network
    dropped the first answer) gets that answer again and changes nothing.
    """

    class Kind(models.TextChoices):
        CHECK_IN = "check_in", _("签到")
        CHECK_OUT = "check_out", _("签退")
        COMPLETE = "complete", _("服务完成")

    key = models.UUIDField(_("幂等键"), unique=True)
    visit = models.ForeignKey(
        Visit, verbose_name=_("上门服务"), on_delete=models.CASCADE, related_name="steps"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("服务人员"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(_("步骤"), max_length=10, choices=Kind.choices)
    device_at = models.DateTimeField(_("手机记录时间"))
    received_at = models.DateTimeField(_("到达时间"))
    gap_seconds = models.PositiveIntegerField(_("补传间隔（秒）"))
    late = models.BooleanField(_("间隔过长"), default=False)
    answer = models.JSONField(_("应答"), default=dict)

    class Meta:
        verbose_name = _("离线步骤")
        verbose_name_plural = _("离线步骤")
        ordering = ["received_at", "id"]

    def __str__(self) -> str:
        return f"{self.visit_id} {self.kind} {self.key}"


class Feedback(models.Model):
    visit = models.OneToOneField(
        Visit, verbose_name=_("上门服务"), on_delete=models.CASCADE, related_name="feedback"
    )
    rating = models.PositiveSmallIntegerField(
        _("满意度"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("评价"), blank=True, max_length=500)
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("评价人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("评价时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("服务评价")
        verbose_name_plural = _("服务评价")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="feedback_rating_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.visit}: {self.rating}"
