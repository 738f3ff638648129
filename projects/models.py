"""Government purchase of services (政府购买服务 / 公益创投): calls, applications, review,
contracts, milestones and the append-only payment ledger.

Money is in fen. Targets are stated in the portal's own terms (completed visits of given
service types in given communities and period) so output can be computed, never typed.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communities.models import Community, District, Street
from organizations.models import Category, Organization
from services.allowances.models import yuan
from services.offerings.models import ServiceType
from socialworkers.models import SocialWorker, VolunteerTeam


class ProjectCall(models.Model):
    """A call for projects published by the civil-affairs bureau or a street office."""

    class Status(models.TextChoices):
        OPEN = "open", _("征集中")
        DECIDED = "decided", _("已评定")

    title = models.CharField(_("项目名称"), max_length=100)
    purpose = models.TextField(_("项目目的"))
    # Organization.Category codes that may apply; never empty.
    categories = models.JSONField(_("可申报的组织类别"), default=list)
    communities = models.ManyToManyField(
        Community, verbose_name=_("服务社区"), related_name="project_calls"
    )
    # NULL: a city call (civil-affairs bureau); else the street office that runs it.
    street = models.ForeignKey(
        Street,
        verbose_name=_("发布街道"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="project_calls",
    )
    budget_ceiling_fen = models.PositiveBigIntegerField(_("预算上限（分）"))
    opens_on = models.DateField(_("申报开始日期"))
    closes_on = models.DateField(_("申报截止日期"))
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField(_("发布时间"), default=timezone.now)
    reviewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("评审人"),
        blank=True,
        related_name="reviewed_calls",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("评定人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("评定时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("项目征集")
        verbose_name_plural = _("项目征集")
        ordering = ["-opens_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gte=F("opens_on")),
                name="project_call_closes_after_opening",
                violation_error_message=_("申报截止日期不能早于开始日期。"),
            ),
            models.CheckConstraint(
                condition=Q(budget_ceiling_fen__gt=0), name="project_call_ceiling_positive"
            ),
            models.CheckConstraint(
                condition=Q(status="open") | Q(decided_at__isnull=False),
                name="project_call_decided_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def budget_ceiling_yuan(self) -> str:
        return yuan(self.budget_ceiling_fen)

    def category_labels(self) -> list[str]:
        labels = dict(Category.choices)
        return [str(labels.get(code, code)) for code in self.categories]

    def accepts_on(self, day) -> bool:
        return self.status == self.Status.OPEN and self.opens_on <= day <= self.closes_on


class Criterion(models.Model):
    """One line of a call's scoring rubric."""

    call = models.ForeignKey(
        ProjectCall, verbose_name=_("项目征集"), on_delete=models.CASCADE, related_name="criteria"
    )
    name = models.CharField(_("评分项"), max_length=60)
    max_points = models.PositiveSmallIntegerField(_("满分"))
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("评分项")
        verbose_name_plural = _("评分项")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["call", "name"], name="criterion_name_once_per_call"),
            models.CheckConstraint(condition=Q(max_points__gt=0), name="criterion_max_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.max_points})"


class Application(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("已提交")
        AWARDED = "awarded", _("立项")
        NOT_AWARDED = "not_awarded", _("未立项")

    call = models.ForeignKey(
        ProjectCall,
        verbose_name=_("项目征集"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("社会组织"),
        on_delete=models.PROTECT,
        related_name="project_applications",
    )
    plan = models.TextField(_("实施方案"), max_length=5000)
    social_workers = models.ManyToManyField(
        SocialWorker, verbose_name=_("项目社工"), blank=True, related_name="+"
    )
    volunteer_teams = models.ManyToManyField(
        VolunteerTeam, verbose_name=_("志愿服务队"), blank=True, related_name="+"
    )
    requested_fen = models.PositiveBigIntegerField(_("申请金额（分）"), default=0)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.SUBMITTED, db_index=True
    )
    rank = models.PositiveSmallIntegerField(_("排名"), null=True, blank=True)
    mean_score = models.DecimalField(
        _("平均得分"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    decision_reason = models.TextField(_("评定理由"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("提交时间"), default=timezone.now)

    class Meta:
        verbose_name = _("项目申报")
        verbose_name_plural = _("项目申报")
        ordering = ["call", "rank", "submitted_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["call", "organization"], name="application_once_per_call_organization"
            ),
            models.CheckConstraint(
                condition=Q(status="submitted") | ~Q(decision_reason=""),
                name="application_decision_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} · {self.call}"

    @property
    def requested_yuan(self) -> str:
        return yuan(self.requested_fen)


class BudgetLine(models.Model):
    application = models.ForeignKey(
        Application,
        verbose_name=_("项目申报"),
        on_delete=models.CASCADE,
        related_name="budget_lines",
    )
    item = models.CharField(_("支出项目"), max_length=60)
    amount_fen = models.PositiveBigIntegerField(_("金额（分）"))

    class Meta:
        verbose_name = _("预算明细")
        verbose_name_plural = _("预算明细")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="budget_line_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.item} {yuan(self.amount_fen)}"

    @property
    def amount_yuan(self) -> str:
        return yuan(self.amount_fen)


class ConflictDeclaration(models.Model):
    """A reviewer's declared conflict of interest with an organization, for one call."""

    call = models.ForeignKey(
        ProjectCall, verbose_name=_("项目征集"), on_delete=models.CASCADE, related_name="conflicts"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("评审人"),
        on_delete=models.CASCADE,
        related_name="declared_conflicts",
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("社会组织"), on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(_("利益关系说明"), max_length=200)
    declared_at = models.DateTimeField(_("声明时间"), default=timezone.now)

    class Meta:
        verbose_name = _("利益冲突声明")
        verbose_name_plural = _("利益冲突声明")
        ordering = ["declared_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["call", "reviewer", "organization"], name="conflict_declared_once"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="conflict_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} × {self.organization}"


class Review(models.Model):
    """One reviewer's independent scores of one application (never seen by other reviewers)."""

    application = models.ForeignKey(
        Application, verbose_name=_("项目申报"), on_delete=models.CASCADE, related_name="reviews"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("评审人"),
        on_delete=models.PROTECT,
        related_name="project_reviews",
    )
    total = models.PositiveIntegerField(_("总分"))
    comment = models.TextField(_("评审意见"), blank=True, max_length=2000)
    submitted_at = models.DateTimeField(_("评审时间"), default=timezone.now)

    class Meta:
        verbose_name = _("评审")
        verbose_name_plural = _("评审")
        ordering = ["submitted_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "reviewer"], name="review_once_per_reviewer"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application} · {self.reviewer}: {self.total}"


class Score(models.Model):
    review = models.ForeignKey(
        Review, verbose_name=_("评审"), on_delete=models.CASCADE, related_name="scores"
    )
    criterion = models.ForeignKey(
        Criterion, verbose_name=_("评分项"), on_delete=models.PROTECT, related_name="scores"
    )
    points = models.PositiveSmallIntegerField(_("得分"))

    class Meta:
        verbose_name = _("评分")
        verbose_name_plural = _("评分")
        ordering = ["criterion__position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["review", "criterion"], name="score_once_per_item"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion.name}: {self.points}"


class Contract(models.Model):
    """An awarded application turned into a contract; `paid_fen` mirrors the payment ledger."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("执行中")
        SUSPENDED = "suspended", _("已暂停")
        COMPLETED = "completed", _("已结项")

    application = models.OneToOneField(
        Application, verbose_name=_("项目申报"), on_delete=models.PROTECT, related_name="contract"
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("社会组织"),
        on_delete=models.PROTECT,
        related_name="project_contracts",
    )
    title = models.CharField(_("项目名称"), max_length=100)
    communities = models.ManyToManyField(
        Community, verbose_name=_("服务社区"), related_name="project_contracts"
    )
    budget_fen = models.PositiveBigIntegerField(_("合同金额（分）"))
    # Kept in step with the Payment rows under a row lock; the CHECK is the last guard.
    paid_fen = models.PositiveBigIntegerField(_("已支付（分）"), default=0)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    status_reason = models.TextField(_("状态说明"), blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签订人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    signed_at = models.DateTimeField(_("签订时间"), default=timezone.now)

    class Meta:
        verbose_name = _("项目合同")
        verbose_name_plural = _("项目合同")
        ordering = ["-signed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="contract_ends_after_start",
                violation_error_message=_("结束日期不能早于开始日期。"),
            ),
            models.CheckConstraint(condition=Q(budget_fen__gt=0), name="contract_budget_positive"),
            models.CheckConstraint(
                condition=Q(paid_fen__lte=F("budget_fen")),
                name="contract_paid_within_budget",
                violation_error_message=_("支付总额不能超过合同金额。"),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def budget_yuan(self) -> str:
        return yuan(self.budget_fen)

    @property
    def paid_yuan(self) -> str:
        return yuan(self.paid_fen)


class ServiceTarget(models.Model):
    """An output target: completed, checked-in-and-out visits of these service types in
    these communities within [starts_on, ends_on] (by check-out date, Asia/Shanghai),
    optionally with a minimum mean rating. Belongs to a call, and is copied to the contract.
    """

    class Kind(models.TextChoices):
        COMPLETED_VISITS = "completed_visits", _("完成上门服务")
        # Activities the organization (or a volunteer team its social worker leads) held in
        # the communities within the period: not cancelled, ended, at least one attendee.
        ACTIVITIES_HELD = "activities_held", _("举办社区活动")
        # Residents of the communities whose capability assessment was signed in the period
        # by a social worker of the organization (distinct residents).
        RESIDENTS_ASSESSED = "residents_assessed", _("完成能力评估")

    call = models.ForeignKey(
        ProjectCall,
        verbose_name=_("项目征集"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="targets",
    )
    contract = models.ForeignKey(
        Contract,
        verbose_name=_("项目合同"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="targets",
    )
    kind = models.CharField(
        _("指标类型"), max_length=20, choices=Kind.choices, default=Kind.COMPLETED_VISITS
    )
    # Only for completed visits; empty for the other kinds.
    service_types = models.ManyToManyField(
        ServiceType, verbose_name=_("服务类型"), blank=True, related_name="+"
    )
    communities = models.ManyToManyField(Community, verbose_name=_("社区"), related_name="+")
    starts_on = models.DateField(_("统计开始日期"))
    ends_on = models.DateField(_("统计结束日期"))
    quantity = models.PositiveIntegerField(_("目标数量"))
    min_mean_rating = models.DecimalField(
        _("最低平均满意度"), max_digits=3, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("服务指标")
        verbose_name_plural = _("服务指标")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(call__isnull=False, contract__isnull=True)
                | Q(call__isnull=True, contract__isnull=False),
                name="service_target_on_call_or_contract",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="service_target_period_ordered",
                violation_error_message=_("统计结束日期不能早于开始日期。"),
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="service_target_positive"),
            models.CheckConstraint(
                condition=Q(min_mean_rating__isnull=True)
                | Q(min_mean_rating__gte=1, min_mean_rating__lte=5),
                name="service_target_rating_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ≥ {self.quantity}"


class Milestone(models.Model):
    """A payable stage of a contract: payable once `visits_required` verified visits exist."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("项目合同"), on_delete=models.CASCADE, related_name="milestones"
    )
    title = models.CharField(_("节点"), max_length=60)
    due_on = models.DateField(_("计划日期"))
    amount_fen = models.PositiveBigIntegerField(_("金额（分）"))
    visits_required = models.PositiveIntegerField(_("需核验的服务人次"), default=0)

    class Meta:
        verbose_name = _("项目节点")
        verbose_name_plural = _("项目节点")
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="milestone_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.contract} · {self.title}"

    @property
    def amount_yuan(self) -> str:
        return yuan(self.amount_fen)


class PaymentRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已支付")
        REJECTED = "rejected", _("已驳回")

    milestone = models.ForeignKey(
        Milestone,
        verbose_name=_("项目节点"),
        on_delete=models.PROTECT,
        related_name="payment_requests",
    )
    amount_fen = models.PositiveBigIntegerField(_("申请金额（分）"))
    # The verified output when requested: computed, never typed by the organization.
    verified_visits = models.PositiveIntegerField(_("核验服务人次"))
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decision_reason = models.CharField(_("审核意见"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("节点付款申请")
        verbose_name_plural = _("节点付款申请")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_fen__gt=0), name="payment_request_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(decided_at__isnull=False),
                name="payment_request_decided_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.milestone} {yuan(self.amount_fen)}"

    @property
    def amount_yuan(self) -> str:
        return yuan(self.amount_fen)


class Payment(models.Model):
    """One payment to a contract; never edited or deleted (like the allowance ledger)."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("项目合同"), on_delete=models.PROTECT, related_name="payments"
    )
    milestone = models.ForeignKey(
        Milestone, verbose_name=_("项目节点"), on_delete=models.PROTECT, related_name="payments"
    )
    request = models.OneToOneField(
        PaymentRequest,
        verbose_name=_("付款申请"),
        on_delete=models.PROTECT,
        related_name="payment",
    )
    amount_fen = models.PositiveBigIntegerField(_("金额（分）"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    paid_at = models.DateTimeField(_("支付时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("项目付款")
        verbose_name_plural = _("项目付款")
        ordering = ["-paid_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="payment_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.contract} {yuan(self.amount_fen)}"

    @property
    def amount_yuan(self) -> str:
        return yuan(self.amount_fen)


class Incubation(models.Model):
    """An organization grown in the incubation base (孵化基地), mentored by a hub organization."""

    class Stage(models.TextChoices):
        INCUBATING = "incubating", _("孵化中")
        GRADUATED = "graduated", _("已出壳")
        WITHDRAWN = "withdrawn", _("已退出")

    organization = models.OneToOneField(
        Organization,
        verbose_name=_("社会组织"),
        on_delete=models.PROTECT,
        related_name="incubation",
    )
    mentor = models.ForeignKey(
        Organization,
        verbose_name=_("枢纽（导师）组织"),
        on_delete=models.PROTECT,
        related_name="mentored_incubations",
    )
    stage = models.CharField(
        _("阶段"), max_length=12, choices=Stage.choices, default=Stage.INCUBATING, db_index=True
    )
    started_on = models.DateField(_("入孵日期"))
    ended_on = models.DateField(_("出壳/退出日期"), null=True, blank=True)
    outcome = models.TextField(_("结果"), blank=True)

    class Meta:
        verbose_name = _("孵化")
        verbose_name_plural = _("孵化")
        ordering = ["-started_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(mentor=F("organization")), name="incubation_mentor_not_self"
            ),
            models.CheckConstraint(
                condition=Q(stage="incubating", ended_on__isnull=True)
                | Q(~Q(stage="incubating"), ended_on__gte=F("started_on")),
                name="incubation_end_after_start",
                violation_error_message=_("出壳/退出日期不能早于入孵日期。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} ({self.get_stage_display()})"


class CategoryTarget(models.Model):
    """How many approved organizations of one category the bureau wants based in a district
    (培育目标): the dashboard sets the count of organizations against it."""

    district = models.ForeignKey(
        District, verbose_name=_("区"), on_delete=models.CASCADE, related_name="category_targets"
    )
    category = models.CharField(_("组织类别"), max_length=20, choices=Category.choices)
    target = models.PositiveIntegerField(_("目标数量"))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("设定人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    set_at = models.DateTimeField(_("设定时间"), default=timezone.now)

    class Meta:
        verbose_name = _("组织培育目标")
        verbose_name_plural = _("组织培育目标")
        ordering = ["district__name", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "category"], name="category_target_once_per_district"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.district} · {self.get_category_display()} ≥ {self.target}"
