import datetime

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from communities.models import Community, Venue
from organizations.models import Organization

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
                condition=Q(end_time__gt=F("start_time")),
                name="window_ends_after_start",
                violation_error_message=_("结束时间必须晚于开始时间。"),
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
