import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from sanlian.masking import birth_year_and_age, mask_id_number, mask_phone
from sanlian.validators import resident_id_birth_date, validate_mobile, validate_resident_id

SOCIAL_WORKER_TARGET = 2  # "each pilot community should have at least 2-3 social workers"
FACILITY_M2_PER_100_HOUSEHOLDS_TARGET = 30


class District(models.Model):
    code = models.CharField(_("行政区划代码"), max_length=6, unique=True)
    name = models.CharField(_("名称"), max_length=30, unique=True)

    class Meta:
        verbose_name = _("区")
        verbose_name_plural = _("区")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Street(models.Model):
    district = models.ForeignKey(
        District, verbose_name=_("区"), on_delete=models.PROTECT, related_name="streets"
    )
    code = models.CharField(_("街道代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=30)

    class Meta:
        verbose_name = _("街道")
        verbose_name_plural = _("街道")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "name"], name="street_name_unique_in_district"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PilotBatch(models.TextChoices):
    NONE = "", _("非试点")
    PROVINCE = "province", _("省级试点（首批21个）")
    CITY = "city", _("市级试点")


class Community(models.Model):
    street = models.ForeignKey(
        Street, verbose_name=_("街道"), on_delete=models.PROTECT, related_name="communities"
    )
    code = models.CharField(_("社区代码"), max_length=15, unique=True)
    name = models.CharField(_("名称"), max_length=30)
    households = models.PositiveIntegerField(_("户数"), default=0)
    population = models.PositiveIntegerField(_("人口"), default=0)
    residents_60_plus = models.PositiveIntegerField(_("60岁以上居民"), default=0)
    facility_area_m2 = models.DecimalField(
        _("服务设施面积（㎡）"), max_digits=9, decimal_places=1, default=Decimal("0")
    )
    pilot_batch = models.CharField(
        _("试点批次"),
        max_length=10,
        choices=PilotBatch.choices,
        blank=True,
        default=PilotBatch.NONE,
        db_index=True,
    )
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(
        _("经度"), max_digits=9, decimal_places=6, null=True, blank=True
    )

    class Meta:
        verbose_name = _("社区")
        verbose_name_plural = _("社区")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["street", "name"], name="community_name_unique_in_street"
            ),
            models.CheckConstraint(
                condition=Q(residents_60_plus__lte=F("population")),
                name="community_elderly_within_population",
            ),
            models.CheckConstraint(
                condition=Q(facility_area_m2__gte=0), name="community_facility_area_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_pilot(self) -> bool:
        return bool(self.pilot_batch)

    @property
    def facility_m2_per_100_households(self) -> Decimal | None:
        if not self.households:
            return None
        return (self.facility_area_m2 * 100 / self.households).quantize(Decimal("0.1"))

    @property
    def meets_facility_target(self) -> bool:
        ratio = self.facility_m2_per_100_households
        return ratio is not None and ratio >= FACILITY_M2_PER_100_HOUSEHOLDS_TARGET


class Venue(models.Model):
    class Kind(models.TextChoices):
        DAY_CARE = "day_care", _("日间照料中心")
        ACTIVITY_ROOM = "activity_room", _("活动室")
        CANTEEN = "canteen", _("老年食堂")
        OTHER = "other", _("其他")

    community = models.ForeignKey(
        Community, verbose_name=_("社区"), on_delete=models.CASCADE, related_name="venues"
    )
    name = models.CharField(_("名称"), max_length=50)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    area_m2 = models.DecimalField(_("面积（㎡）"), max_digits=7, decimal_places=1)
    capacity = models.PositiveIntegerField(_("容纳人数"))

    class Meta:
        verbose_name = _("场地")
        verbose_name_plural = _("场地")
        ordering = ["community", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "name"], name="venue_name_unique_in_community"
            ),
            models.CheckConstraint(condition=Q(area_m2__gt=0), name="venue_area_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.community.name}·{self.name}"


class Resident(models.Model):
    class Sex(models.TextChoices):
        MALE = "M", _("男")
        FEMALE = "F", _("女")

    class LivingSituation(models.TextChoices):
        ALONE = "alone", _("独居")
        EMPTY_NEST = "empty_nest", _("空巢")
        WITH_FAMILY = "with_family", _("与家人同住")

    class CareLevel(models.TextChoices):
        SELF_RELIANT = "self_reliant", _("自理")
        SEMI_DEPENDENT = "semi_dependent", _("半失能")
        DEPENDENT = "dependent", _("失能")

    name = models.CharField(_("姓名"), max_length=30, db_index=True)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("出生日期"))
    # NULL for anonymised residents; unique while present.
    id_number = models.CharField(
        _("身份证号码"),
        max_length=18,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_resident_id],
    )
    phone = models.CharField(
        _("联系电话"), max_length=11, blank=True, db_index=True, validators=[validate_mobile]
    )
    phone_last4 = models.CharField(max_length=4, blank=True, db_index=True, editable=False)
    address = models.CharField(_("住址"), max_length=120)
    # The address's position (WGS-84 degrees), which field visits are checked against.
    latitude = models.DecimalField(
        _("纬度"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("经度"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    community = models.ForeignKey(
        Community, verbose_name=_("社区"), on_delete=models.PROTECT, related_name="residents"
    )
    living_situation = models.CharField(
        _("居住状况"), max_length=20, choices=LivingSituation.choices
    )
    care_level = models.CharField(
        _("照护等级"), max_length=20, choices=CareLevel.choices, default=CareLevel.SELF_RELIANT
    )
    low_income = models.BooleanField(_("低收入"), default=False)
    emergency_contact_name = models.CharField(_("紧急联系人"), max_length=30, blank=True)
    emergency_contact_phone = models.CharField(
        _("紧急联系人电话"), max_length=11, blank=True, validators=[validate_mobile]
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账户"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="resident",
    )
    anonymised_at = models.DateTimeField(_("匿名化时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("老年居民")
        verbose_name_plural = _("老年居民")
        ordering = ["community", "name", "id"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        # Kept in step with `phone` so the hotline can search "last four digits" on an index.
        self.phone_last4 = self.phone[-4:] if self.phone else ""
        super().save(*args, **kwargs)

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.id_number and len(self.id_number) == 18:
            try:
                born = resident_id_birth_date(self.id_number)
            except ValueError:
                return  # the field validator reports the impossible date
            if self.birth_date and born != self.birth_date:
                raise ValidationError({"birth_date": _("出生日期与身份证号码中的日期不一致。")})

    def age_on(self, day: datetime.date) -> int:
        birthday_passed = (day.month, day.day) >= (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - (0 if birthday_passed else 1)

    @property
    def age(self) -> int:
        return self.age_on(datetime.date.today())

    @property
    def birth_year_and_age(self) -> str:
        """Shown instead of the birth date, which would unmask the ID number."""
        return birth_year_and_age(self.birth_date, self.age)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class Consent(models.Model):
    """The resident's consent to have care data processed (PIPL art. 28–29)."""

    class Channel(models.TextChoices):
        WEB = "web", _("网上")
        HOTLINE = "hotline", _("热线电话")
        WALK_IN = "walk_in", _("现场")
        PAPER = "paper", _("纸质签字")

    class GivenBy(models.TextChoices):
        SELF = "self", _("本人")
        GUARDIAN = "guardian", _("监护人")
        FAMILY = "family", _("家属（经本人授权）")

    resident = models.ForeignKey(
        Resident, verbose_name=_("居民"), on_delete=models.CASCADE, related_name="consents"
    )
    given_by = models.CharField(_("同意人"), max_length=10, choices=GivenBy.choices)
    guardian_name = models.CharField(_("监护人姓名"), max_length=30, blank=True)
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    given_at = models.DateTimeField(_("同意时间"))
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("知情同意")
        verbose_name_plural = _("知情同意")
        ordering = ["-given_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(given_by="guardian") | ~Q(guardian_name=""),
                name="consent_guardian_named",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=F("given_at")),
                name="consent_withdrawn_after_given",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resident} {self.given_at:%Y-%m-%d}"


class FamilyMember(models.Model):
    """A user who may act for a resident (request services, rate visits)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账户"),
        on_delete=models.CASCADE,
        related_name="family_links",
    )
    resident = models.ForeignKey(
        Resident, verbose_name=_("居民"), on_delete=models.CASCADE, related_name="family_members"
    )
    relationship = models.CharField(_("关系"), max_length=20)

    class Meta:
        verbose_name = _("家属")
        verbose_name_plural = _("家属")
        constraints = [
            models.UniqueConstraint(fields=["user", "resident"], name="family_link_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.resident}（{self.relationship}）"


class StaffAssignment(models.Model):
    """Links a staff user to exactly one street or one community."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("工作人员"),
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    street = models.ForeignKey(
        Street,
        verbose_name=_("街道"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="staff_assignments",
    )
    community = models.ForeignKey(
        Community,
        verbose_name=_("社区"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="staff_assignments",
    )

    class Meta:
        verbose_name = _("工作人员分工")
        verbose_name_plural = _("工作人员分工")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(street__isnull=False, community__isnull=True)
                    | Q(street__isnull=True, community__isnull=False)
                ),
                name="assignment_street_xor_community",
            ),
            models.UniqueConstraint(fields=["user", "street"], name="assignment_unique_street"),
            models.UniqueConstraint(
                fields=["user", "community"], name="assignment_unique_community"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.street or self.community}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if (self.street_id is None) == (self.community_id is None):
            raise ValidationError(_("请只选择一个街道或一个社区。"))
