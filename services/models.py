import datetime
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from communities.models import Community, Resident, Street, Venue
from organizations.models import Organization
from socialworkers.models import SocialWorker, Volunteer

WEEKDAY_NAMES = (_("周一"), _("周二"), _("周三"), _("周四"), _("周五"), _("周六"), _("周日"))
ALL_DAYS = 0b1111111


def week_start_of(day: datetime.date) -> datetime.date:
    """The Monday of the week holding `day`; weekly capacity is counted per such week."""
    return day - datetime.timedelta(days=day.weekday())


def days_to_mask(days) -> int:
    return sum(1 << int(day) for day in set(days))


def mask_to_days(mask: int) -> list[int]:
    return [day for day in range(7) if mask & (1 << day)]


class CareMode(models.TextChoices):
    HOME = "home", _("居家养老")
    DAY_CARE = "day_care", _("日托养老")
    MONETARY = "monetary", _("货币养老")
    VIRTUAL = "virtual", _("虚拟养老")


class ServiceType(models.Model):
    code = models.SlugField(_("代码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=30, unique=True)
    care_mode = models.CharField(
        _("养老模式"), max_length=10, choices=CareMode.choices, db_index=True
    )
    default_duration_minutes = models.PositiveSmallIntegerField(
        _("默认时长（分钟）"),
        default=60,
        validators=[MinValueValidator(10), MaxValueValidator(480)],
    )
    description = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("服务类型")
        verbose_name_plural = _("服务类型")
        ordering = ["care_mode", "code"]

    def __str__(self) -> str:
        return self.name


class PriceClass(models.TextChoices):
    FREE = "free", _("免费")
    SUBSIDISED = "subsidised", _("政府补贴")
    PAID = "paid", _("有偿")


class ServiceOffering(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("开放")
        PAUSED = "paused", _("暂停")

    organization = models.ForeignKey(
        Organization, verbose_name=_("社会组织"), on_delete=models.CASCADE, related_name="offerings"
    )
    service_type = models.ForeignKey(
        ServiceType, verbose_name=_("服务类型"), on_delete=models.PROTECT, related_name="offerings"
    )
    communities = models.ManyToManyField(
        Community, verbose_name=_("服务社区"), blank=True, related_name="offerings"
    )
    venue = models.ForeignKey(
        Venue,
        verbose_name=_("场地（日托）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="offerings",
    )
    weekly_capacity = models.PositiveIntegerField(_("每周服务人次"))
    price_class = models.CharField(
        _("收费类型"), max_length=10, choices=PriceClass.choices, default=PriceClass.FREE
    )
    price_fen = models.PositiveIntegerField(_("单价（分）"), default=0)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    description = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("发布时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("服务项目")
        verbose_name_plural = _("服务项目")
        ordering = ["organization", "service_type"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weekly_capacity__gt=0), name="offering_capacity_positive"
            ),
            models.CheckConstraint(
                condition=~Q(price_class="free") | Q(price_fen=0),
                name="offering_free_costs_nothing",
            ),
            models.CheckConstraint(
                condition=Q(price_class="free") | Q(price_fen__gt=0),
                name="offering_priced_has_price",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} · {self.service_type}"


class OfferingWindow(models.Model):
    """A weekly time window in which an offering serves (weekday 0 = Monday)."""

    offering = models.ForeignKey(
        ServiceOffering,
        verbose_name=_("服务项目"),
        on_delete=models.CASCADE,
        related_name="windows",
    )
    weekday = models.PositiveSmallIntegerField(_("星期"), validators=[MaxValueValidator(6)])
    start_time = models.TimeField(_("开始时间"))
    end_time = models.TimeField(_("结束时间"))

    class Meta:
        verbose_name = _("服务时段")
        verbose_name_plural = _("服务时段")
        ordering = ["offering", "weekday", "start_time"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="window_weekday_range"),
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")), name="window_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{WEEKDAY_NAMES[self.weekday]} {self.start_time:%H:%M}–{self.end_time:%H:%M}"


class OfferingWeek(models.Model):
    """Capacity booked on an offering in one week.

    `reserved <= capacity` is a database constraint, so two confirmations racing
    for the last place cannot both commit.
    """

    offering = models.ForeignKey(ServiceOffering, on_delete=models.CASCADE, related_name="weeks")
    week_start = models.DateField(_("周一日期"))
    capacity = models.PositiveIntegerField(_("容量"))
    reserved = models.PositiveIntegerField(_("已占用"), default=0)

    class Meta:
        verbose_name = _("每周容量")
        verbose_name_plural = _("每周容量")
        constraints = [
            models.UniqueConstraint(fields=["offering", "week_start"], name="offering_week_unique"),
            models.CheckConstraint(
                condition=Q(reserved__lte=F("capacity")), name="offering_week_within_capacity"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.offering_id} {self.week_start}: {self.reserved}/{self.capacity}"


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
            ),
            models.CheckConstraint(
                condition=Q(preferred_end__gt=F("preferred_start")),
                name="request_window_ends_after_start",
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
        Match,
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
    # The week whose place the visit holds itself; empty when it rides on its match's place
    # (rules in services.domain.visits) or gave its place back (cancelled or missed).
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


# --- Monetary elderly care (货币养老): allowances, care accounts, monthly settlement -------------
#
# All money is in fen (1 yuan = 100 fen), as integers. Rules, ledger and settlement rules are
# written out in services/domain/allowances.py and services/domain/settlements.py.


def yuan(fen: int | None) -> str:
    """Fen as a yuan string with two decimals ("12.50"); the one way pages print money."""
    fen = fen or 0
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


class AllowanceRule(models.Model):
    """Who receives how much care allowance per month (edited by civil-affairs staff).

    A resident matches a rule when every condition that is set holds. Matching
    "stack" rules all add up; of the matching "highest" rules only the largest
    amount applies (ties: the oldest rule).
    """

    class Stacking(models.TextChoices):
        STACK = "stack", _("叠加发放")
        HIGHEST = "highest", _("取最高一项")

    name = models.CharField(_("名称"), max_length=50)
    min_age = models.PositiveSmallIntegerField(_("最低年龄"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("最高年龄（含）"), null=True, blank=True)
    # Care level codes (Resident.CareLevel); empty means any care level.
    care_levels = models.JSONField(_("照护等级"), default=list, blank=True)
    living_alone_only = models.BooleanField(_("仅限独居"), default=False)
    low_income_only = models.BooleanField(_("仅限低收入"), default=False)
    district = models.ForeignKey(
        "communities.District",
        verbose_name=_("限定区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    community = models.ForeignKey(
        Community,
        verbose_name=_("限定社区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    monthly_amount_fen = models.PositiveIntegerField(_("每月金额（分）"))
    stacking = models.CharField(
        _("叠加方式"), max_length=10, choices=Stacking.choices, default=Stacking.STACK
    )
    valid_from = models.DateField(_("生效日期"))
    valid_to = models.DateField(_("截止日期（含）"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("补贴规则")
        verbose_name_plural = _("补贴规则")
        ordering = ["-valid_from", "name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(monthly_amount_fen__gt=0), name="allowance_rule_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="allowance_rule_valid_to_after_from",
                violation_error_message=_("截止日期不能早于生效日期。"),
            ),
            models.CheckConstraint(
                condition=Q(min_age__isnull=True)
                | Q(max_age__isnull=True)
                | Q(max_age__gte=F("min_age")),
                name="allowance_rule_age_band_ordered",
                violation_error_message=_("最高年龄不能小于最低年龄。"),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def monthly_amount_yuan(self) -> str:
        return yuan(self.monthly_amount_fen)


class CareAccount(models.Model):
    """A resident's allowance account: a ledger of entries; the balance is their sum.

    `balance_fen` is a copy kept in step by the domain (F() update under a row lock)
    so the database itself refuses a negative balance.
    """

    resident = models.OneToOneField(
        Resident, verbose_name=_("居民"), on_delete=models.PROTECT, related_name="care_account"
    )
    balance_fen = models.IntegerField(_("余额（分）"), default=0)
    opened_at = models.DateTimeField(_("开户时间"), default=timezone.now)

    class Meta:
        verbose_name = _("养老补贴账户")
        verbose_name_plural = _("养老补贴账户")
        ordering = ["resident__name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(balance_fen__gte=0), name="care_account_balance_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resident} · {yuan(self.balance_fen)}"

    @property
    def balance_yuan(self) -> str:
        return yuan(self.balance_fen)


class LedgerEntry(models.Model):
    """One line of a care account; never edited, a correction is a new entry.

    `amount_fen` is the signed effect on the allowance balance. `copay_fen` is money the
    resident pays the organization out of pocket (recorded here, outside the balance).
    """

    class Kind(models.TextChoices):
        CREDIT = "credit", _("月度补贴")
        VISIT_DEBIT = "visit_debit", _("服务扣款")
        CO_PAYMENT = "co_payment", _("个人自付")
        CORRECTION = "correction", _("更正")

    CHARGE_KINDS = ("visit_debit", "co_payment")

    account = models.ForeignKey(
        CareAccount, verbose_name=_("账户"), on_delete=models.PROTECT, related_name="entries"
    )
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    amount_fen = models.IntegerField(_("补贴变动（分）"), default=0)
    copay_fen = models.IntegerField(_("个人自付（分）"), default=0)
    rule = models.ForeignKey(
        AllowanceRule,
        verbose_name=_("补贴规则"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entries",
    )
    month = models.DateField(_("补贴月份"), null=True, blank=True)
    visit = models.ForeignKey(
        Visit,
        verbose_name=_("上门服务"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
    )
    reverses = models.ForeignKey(
        "self",
        verbose_name=_("更正的记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversals",
    )
    # NULL actor: written by the system (the monthly run, a visit completion without a user).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.CharField(_("原因"), max_length=200)
    created_at = models.DateTimeField(_("记账时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("补贴流水")
        verbose_name_plural = _("补贴流水")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "rule", "month"],
                condition=Q(kind="credit"),
                name="ledger_one_credit_per_rule_month",
            ),
            models.UniqueConstraint(
                fields=["visit", "kind"],
                condition=Q(kind__in=["visit_debit", "co_payment"]),
                name="ledger_visit_charged_once",
            ),
            models.UniqueConstraint(
                fields=["reverses"],
                condition=Q(reverses__isnull=False),
                name="ledger_entry_reversed_once",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="ledger_entry_has_reason"),
            models.CheckConstraint(
                condition=~Q(kind="credit")
                | Q(
                    amount_fen__gt=0,
                    copay_fen=0,
                    rule__isnull=False,
                    month__isnull=False,
                    visit__isnull=True,
                ),
                name="ledger_credit_shape",
            ),
            models.CheckConstraint(
                condition=~Q(kind="visit_debit")
                | Q(amount_fen__lt=0, copay_fen=0, visit__isnull=False),
                name="ledger_visit_debit_shape",
            ),
            models.CheckConstraint(
                condition=~Q(kind="co_payment")
                | Q(amount_fen=0, copay_fen__gt=0, visit__isnull=False),
                name="ledger_co_payment_shape",
            ),
            models.CheckConstraint(
                condition=~Q(kind="correction") | ~Q(amount_fen=0) | ~Q(copay_fen=0),
                name="ledger_correction_changes_something",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {yuan(self.amount_fen)}"

    @property
    def amount_yuan(self) -> str:
        return yuan(self.amount_fen)

    @property
    def copay_yuan(self) -> str:
        return yuan(self.copay_fen)


class SettlementStatement(models.Model):
    """What allowances owe one organization for one month's verified visits."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("待审核")
        APPROVED = "approved", _("已审核")

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("社会组织"),
        on_delete=models.PROTECT,
        related_name="settlements",
    )
    month = models.DateField(_("结算月份"))
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    visit_count = models.PositiveIntegerField(_("服务人次"), default=0)
    allowance_total_fen = models.IntegerField(_("补贴支付合计（分）"), default=0)
    copay_total_fen = models.IntegerField(_("个人自付合计（分）"), default=0)
    generated_at = models.DateTimeField(_("生成时间"), default=timezone.now)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("生成人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("月度结算单")
        verbose_name_plural = _("月度结算单")
        ordering = ["-month", "organization__name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "month"], name="settlement_one_per_organization_month"
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(approved_at__isnull=False),
                name="settlement_approved_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.month:%Y-%m}"

    @property
    def allowance_total_yuan(self) -> str:
        return yuan(self.allowance_total_fen)

    @property
    def copay_total_yuan(self) -> str:
        return yuan(self.copay_total_fen)


class SettlementLine(models.Model):
    """One verified visit on a statement, with the amounts charged for it (a snapshot)."""

    statement = models.ForeignKey(
        SettlementStatement,
        verbose_name=_("结算单"),
        on_delete=models.CASCADE,
        related_name="lines",
    )
    # One statement per visit: a visit is settled once.
    visit = models.OneToOneField(
        Visit, verbose_name=_("上门服务"), on_delete=models.PROTECT, related_name="settlement_line"
    )
    resident = models.ForeignKey(
        Resident, verbose_name=_("居民"), on_delete=models.PROTECT, related_name="+"
    )
    community = models.ForeignKey(
        Community, verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+"
    )
    street = models.ForeignKey(
        Street, verbose_name=_("街道"), on_delete=models.PROTECT, related_name="+"
    )
    service_type_name = models.CharField(_("服务"), max_length=30)
    served_on = models.DateField(_("服务日期"))
    price_class = models.CharField(_("收费类型"), max_length=10, choices=PriceClass.choices)
    price_fen = models.PositiveIntegerField(_("单价（分）"))
    allowance_fen = models.IntegerField(_("补贴支付（分）"))
    copay_fen = models.IntegerField(_("个人自付（分）"))

    class Meta:
        verbose_name = _("结算明细")
        verbose_name_plural = _("结算明细")
        ordering = ["served_on", "id"]

    def __str__(self) -> str:
        return f"{self.statement} · {self.visit_id}"

    @property
    def allowance_yuan(self) -> str:
        return yuan(self.allowance_fen)

    @property
    def copay_yuan(self) -> str:
        return yuan(self.copay_fen)
