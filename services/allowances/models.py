import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communities.models import Community, Resident, Street
from organizations.models import Organization
from sanlian import stored_text
from services.care.models import Visit
from services.offerings.models import PriceClass


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
    # The portal's own wording (a monthly credit, a visit's charge) as facts, shown in the
    # reader's language (sanlian.stored_text); `reason` keeps the Chinese text, and a
    # person's own words (a correction's reason) are kept there only.
    reason_facts = models.JSONField(_("原因（原始信息）"), null=True, blank=True)
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
    def shown_reason(self) -> str:
        return stored_text.render(self.reason_facts, self.reason)

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
