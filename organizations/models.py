from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from communities.models import Community, Street, Venue
from sanlian.masking import mask_phone
from sanlian.validators import validate_credit_code, validate_mobile


class Category(models.TextChoices):
    """The five kinds of community social organization named by the pilot."""

    PUBLIC_WELFARE = "public_welfare", _("公益服务类")
    SOCIAL_AFFAIRS = "social_affairs", _("社会事务类")
    CULTURE_SPORTS = "culture_sports", _("文化体育类")
    CHARITY_RELIEF = "charity_relief", _("慈善救济类")
    COMMUNITY_RIGHTS = "community_rights", _("社区维权类")


class Organization(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("待审核")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("已驳回")
        SUSPENDED = "suspended", _("已暂停")

    name = models.CharField(_("组织名称"), max_length=100, unique=True)
    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, unique=True, validators=[validate_credit_code]
    )
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices, db_index=True)
    legal_representative = models.CharField(_("法定代表人"), max_length=30)
    contact_name = models.CharField(_("联系人"), max_length=30)
    contact_phone = models.CharField(_("联系电话"), max_length=11, validators=[validate_mobile])
    email = models.EmailField(_("电子邮箱"))
    address = models.CharField(_("地址"), max_length=120)
    description = models.TextField(_("简介"), blank=True)
    home_street = models.ForeignKey(
        Street,
        verbose_name=_("登记所在街道"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registered_organizations",
    )
    wants_to_serve = models.ManyToManyField(
        Community,
        verbose_name=_("意向服务社区"),
        blank=True,
        related_name="interested_organizations",
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.SUBMITTED, db_index=True
    )
    submitted_at = models.DateTimeField(_("提交时间"), db_index=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_reason = models.TextField(_("审核意见"), blank=True)

    class Meta:
        verbose_name = _("社会组织")
        verbose_name_plural = _("社会组织")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(review_reason=""),
                name="organization_rejection_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_contact_phone(self) -> str:
        return mask_phone(self.contact_phone)


class OrganizationStatusChange(models.Model):
    """History of reviews: who moved the organization from which status to which, and why."""

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("社会组织"),
        on_delete=models.CASCADE,
        related_name="status_changes",
    )
    from_status = models.CharField(
        _("原状态"), max_length=10, choices=Organization.Status.choices, blank=True
    )
    to_status = models.CharField(_("新状态"), max_length=10, choices=Organization.Status.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("时间"), auto_now_add=True)
    reason = models.TextField(_("原因"), blank=True)

    class Meta:
        verbose_name = _("组织状态记录")
        verbose_name_plural = _("组织状态记录")
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.organization}: {self.from_status} → {self.to_status}"


class OrganizationMember(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账户"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("社会组织"), on_delete=models.CASCADE, related_name="members"
    )
    is_admin = models.BooleanField(_("管理员"), default=False)
    joined_at = models.DateTimeField(_("加入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("组织成员")
        verbose_name_plural = _("组织成员")
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="member_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization}"


class Agreement(models.Model):
    """入驻协议: an organization enters a community, usually with a venue."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待社区确认")
        ACTIVE = "active", _("生效中")
        DECLINED = "declined", _("已拒绝")
        ENDED = "ended", _("已结束")

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("社会组织"),
        on_delete=models.PROTECT,
        related_name="agreements",
    )
    community = models.ForeignKey(
        Community, verbose_name=_("社区"), on_delete=models.PROTECT, related_name="agreements"
    )
    venue = models.ForeignKey(
        Venue,
        verbose_name=_("场地"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agreements",
    )
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    note = models.TextField(_("说明"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    decision_reason = models.TextField(_("处理意见"), blank=True)

    class Meta:
        verbose_name = _("入驻协议")
        verbose_name_plural = _("入驻协议")
        ordering = ["-start_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "community"],
                condition=Q(status__in=["pending", "active"]),
                name="agreement_one_open_per_organization_community",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="agreement_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} → {self.community}"
