"""Community activities, volunteer posts and shifts, the time bank and suggestions.

A venue is never double-booked: on PostgreSQL an exclusion constraint over
[starts_at, ends_at) per venue (migration 0002, created only there because SQLite has
no GiST), and on every database the domain's check under a lock on the venue row.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communities.models import Community, Resident, Venue
from organizations.models import Organization
from services.models import Reminder
from socialworkers.models import Skill, Volunteer, VolunteerTeam


class Activity(models.Model):
    class OpenTo(models.TextChoices):
        COMMUNITY = "community", _("本社区居民")
        ANYONE = "anyone", _("所有居民")

    class Status(models.TextChoices):
        PUBLISHED = "published", _("已发布")
        CANCELLED = "cancelled", _("已取消")

    community = models.ForeignKey(
        Community, verbose_name=_("社区"), on_delete=models.PROTECT, related_name="activities"
    )
    venue = models.ForeignKey(
        Venue, verbose_name=_("场地"), on_delete=models.PROTECT, related_name="activities"
    )
    # Host: an organization, a volunteer team, or (both empty) the community itself.
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("主办组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
    )
    team = models.ForeignKey(
        VolunteerTeam,
        verbose_name=_("主办服务队"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
    )
    title = models.CharField(_("活动名称"), max_length=80)
    description = models.TextField(_("活动介绍"), blank=True, max_length=2000)
    starts_at = models.DateTimeField(_("开始时间"), db_index=True)
    ends_at = models.DateTimeField(_("结束时间"))
    capacity = models.PositiveIntegerField(_("名额"))
    # Kept under the activity row lock by the domain; the CHECK is the last guard.
    confirmed_count = models.PositiveIntegerField(_("已报名人数"), default=0, editable=False)
    open_to = models.CharField(
        _("报名范围"), max_length=10, choices=OpenTo.choices, default=OpenTo.COMMUNITY
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PUBLISHED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("发布时间"), default=timezone.now)

    class Meta:
        verbose_name = _("社区活动")
        verbose_name_plural = _("社区活动")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="activity_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(capacity__gt=0), name="activity_capacity_positive"),
            models.CheckConstraint(
                condition=Q(confirmed_count__lte=F("capacity")),
                name="activity_confirmed_within_capacity",
            ),
            models.CheckConstraint(
                condition=Q(organization__isnull=True) | Q(team__isnull=True),
                name="activity_one_host",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title}（{timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}）"

    @property
    def host_name(self) -> str:
        return str(self.organization or self.team or self.community)

    @property
    def places_left(self) -> int:
        return max(self.capacity - self.confirmed_count, 0)


class Signup(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("已报名")
        WAITING = "waiting", _("候补")
        CANCELLED = "cancelled", _("已取消")

    class Channel(models.TextChoices):
        SELF = "self", _("本人")
        FAMILY = "family", _("家属代报")
        STAFF = "staff", _("工作人员代报")

    activity = models.ForeignKey(
        Activity, verbose_name=_("活动"), on_delete=models.CASCADE, related_name="signups"
    )
    resident = models.ForeignKey(
        Resident, verbose_name=_("居民"), on_delete=models.CASCADE, related_name="signups"
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices)
    channel = models.CharField(_("报名方式"), max_length=10, choices=Channel.choices)
    signed_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("报名人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("报名时间"), default=timezone.now)
    promoted_at = models.DateTimeField(_("候补转正时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    attended_at = models.DateTimeField(_("签到时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("活动报名")
        verbose_name_plural = _("活动报名")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "resident"],
                condition=~Q(status="cancelled"),
                name="signup_once_per_resident",
            ),
            models.CheckConstraint(
                condition=Q(attended_at__isnull=True) | Q(status="confirmed"),
                name="signup_attended_only_confirmed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resident} → {self.activity.title}"


class ActivityFeedback(models.Model):
    signup = models.OneToOneField(
        Signup, verbose_name=_("报名"), on_delete=models.CASCADE, related_name="feedback"
    )
    rating = models.PositiveSmallIntegerField(_("满意度（1–5）"))
    comment = models.TextField(_("意见"), blank=True, max_length=500)
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("评价时间"), default=timezone.now)

    class Meta:
        verbose_name = _("活动评价")
        verbose_name_plural = _("活动评价")
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="activity_feedback_rating_1_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.signup_id}: {self.rating}"


# --- volunteer service ---------------------------------------------------------------------


class VolunteerPost(models.Model):
    """A volunteer post (岗位) under a community project, e.g. "棋艺辅导助教"."""

    community = models.ForeignKey(
        Community, verbose_name=_("社区"), on_delete=models.PROTECT, related_name="volunteer_posts"
    )
    project = models.CharField(_("所属项目"), max_length=80)
    title = models.CharField(_("岗位名称"), max_length=80)
    description = models.TextField(_("岗位说明"), blank=True, max_length=1000)
    skill = models.ForeignKey(
        Skill,
        verbose_name=_("所需技能"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    activity = models.ForeignKey(
        Activity,
        verbose_name=_("关联活动"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="volunteer_posts",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("志愿岗位")
        verbose_name_plural = _("志愿岗位")
        ordering = ["community", "project", "title"]

    def __str__(self) -> str:
        return f"{self.project}·{self.title}"


class Shift(models.Model):
    post = models.ForeignKey(
        VolunteerPost, verbose_name=_("岗位"), on_delete=models.CASCADE, related_name="shifts"
    )
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    slots = models.PositiveSmallIntegerField(_("需要人数"))

    class Meta:
        verbose_name = _("班次")
        verbose_name_plural = _("班次")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="shift_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(slots__gt=0), name="shift_slots_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.post.title} {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class ShiftSignup(models.Model):
    shift = models.ForeignKey(
        Shift, verbose_name=_("班次"), on_delete=models.CASCADE, related_name="signups"
    )
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("志愿者"), on_delete=models.CASCADE, related_name="shift_signups"
    )
    created_at = models.DateTimeField(_("报名时间"), default=timezone.now)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("班次报名")
        verbose_name_plural = _("班次报名")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shift", "volunteer"],
                condition=Q(cancelled_at__isnull=True),
                name="shift_signup_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} @ {self.shift}"


class HoursCredit(models.Model):
    """Append-only: hours a volunteer served on a shift, written when attendance is taken.

    Completed visits are not copied here; `volunteer_service_record` reads them from the
    visits themselves, so nobody types hours.
    """

    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("志愿者"), on_delete=models.PROTECT, related_name="hours_credits"
    )
    shift_signup = models.OneToOneField(
        ShiftSignup, verbose_name=_("班次报名"), on_delete=models.PROTECT, related_name="credit"
    )
    minutes = models.PositiveIntegerField(_("时长（分钟）"))
    credited_at = models.DateTimeField(_("记录时间"), default=timezone.now)
    credited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("志愿服务时长")
        verbose_name_plural = _("志愿服务时长")
        ordering = ["-credited_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(minutes__gt=0), name="hours_credit_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id} +{self.minutes}"


# --- mutual help (时间银行) ---------------------------------------------------------------------


class TimeBankAccount(models.Model):
    resident = models.OneToOneField(
        Resident, verbose_name=_("居民"), on_delete=models.PROTECT, related_name="time_bank"
    )
    balance_minutes = models.IntegerField(_("余额（分钟）"), default=0, editable=False)

    class Meta:
        verbose_name = _("时间银行账户")
        verbose_name_plural = _("时间银行账户")
        constraints = [
            models.CheckConstraint(
                condition=Q(balance_minutes__gte=0), name="time_bank_balance_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return str(self.resident)


class HelpRecord(models.Model):
    """One piece of help a resident gave an older neighbour; earns hours once confirmed."""

    class Kind(models.TextChoices):
        COMPANY = "company", _("陪伴聊天")
        SHOPPING = "shopping", _("代购")
        CLINIC = "clinic", _("陪同就医")
        OTHER = "other", _("其他")

    class Status(models.TextChoices):
        REPORTED = "reported", _("待确认")
        CONFIRMED = "confirmed", _("已确认")
        REJECTED = "rejected", _("未通过")

    helper = models.ForeignKey(
        Resident, verbose_name=_("服务者"), on_delete=models.PROTECT, related_name="help_given"
    )
    helped = models.ForeignKey(
        Resident, verbose_name=_("受助老人"), on_delete=models.PROTECT, related_name="help_received"
    )
    kind = models.CharField(_("互助内容"), max_length=10, choices=Kind.choices)
    day = models.DateField(_("日期"))
    minutes = models.PositiveIntegerField(_("时长（分钟）"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.REPORTED
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("互助记录")
        verbose_name_plural = _("互助记录")
        ordering = ["-day", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes__gt=0, minutes__lte=12 * 60), name="help_minutes_in_range"
            ),
            models.CheckConstraint(condition=~Q(helper=F("helped")), name="help_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.helper} → {self.helped} {self.day}"


class TimeBankEntry(models.Model):
    """Append-only ledger line: + minutes earned on confirmed help, - minutes spent."""

    class Kind(models.TextChoices):
        EARN = "earn", _("互助获得")
        SPEND = "spend", _("兑换服务")

    account = models.ForeignKey(
        TimeBankAccount, verbose_name=_("账户"), on_delete=models.PROTECT, related_name="entries"
    )
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    minutes = models.IntegerField(_("分钟"))
    help = models.OneToOneField(
        HelpRecord,
        verbose_name=_("互助记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="earning",
    )
    beneficiary = models.ForeignKey(
        Resident,
        verbose_name=_("受益人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField(_("说明"), max_length=200)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("时间银行流水")
        verbose_name_plural = _("时间银行流水")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="earn", minutes__gt=0, help__isnull=False)
                    | Q(kind="spend", minutes__lt=0, beneficiary__isnull=False)
                ),
                name="time_bank_entry_kind_shape",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="time_bank_entry_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.minutes:+d}"


# --- suggestions (建言献策) ---------------------------------------------------------------


class Suggestion(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("待答复")
        ANSWERED = "answered", _("已答复")
        DONE = "done", _("已办结")

    community = models.ForeignKey(
        Community, verbose_name=_("社区"), on_delete=models.PROTECT, related_name="suggestions"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提出人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="suggestions",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("提出组织"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="suggestions",
    )
    title = models.CharField(_("标题"), max_length=80)
    body = models.TextField(_("内容"), max_length=2000)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    answer = models.TextField(_("答复"), blank=True, max_length=2000)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("提出时间"), default=timezone.now)

    class Meta:
        verbose_name = _("建言献策")
        verbose_name_plural = _("建言献策")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open") | ~Q(answer=""), name="suggestion_answered_has_text"
            ),
        ]

    def __str__(self) -> str:
        return self.title


# --- reminders --------------------------------------------------------------------------


class ActivityReminder(models.Model):
    """One reminder of one sign-up to one recipient on one channel, sent once.

    The channels, their health and the recipients' channel order are the visit reminders'
    (services.notifications); this row is what makes an activity reminder go out once.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")
        CANCELLED = "cancelled", _("已取消")

    signup = models.ForeignKey(
        Signup, verbose_name=_("活动报名"), on_delete=models.CASCADE, related_name="reminders"
    )
    # "resident:<id>" or "user:<id>", as on visit reminders.
    recipient_key = models.CharField(_("接收人"), max_length=40)
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(_("渠道"), max_length=10, choices=Reminder.Channel.choices)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    # The SMS gateway's and the in-app notification's dedupe key: a resend is a no-op.
    idempotency_key = models.UUIDField(_("幂等键"), default=uuid.uuid4, unique=True, editable=False)
    response = models.CharField(_("通道回执"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("活动提醒")
        verbose_name_plural = _("活动提醒")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["status"], name="activity_reminder_status_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["signup", "recipient_key", "channel"],
                name="activity_reminder_once_per_signup_recipient_channel",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.signup_id} → {self.recipient_key} ({self.channel})"
