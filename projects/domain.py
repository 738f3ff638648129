"""Writes for calls, applications, reviews, contracts, milestones and payments.

Every function refuses through `projects.rules`, validates, saves and audits. Payments are
append-only: approving a request adds a `Payment` row and moves `Contract.paid_fen` with F()
while the contract row is locked; the CHECK paid_fen <= budget_fen is the last guard.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Avg, F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from communities.models import Community, District, Street
from communities.queries import staff_community_ids
from organizations.models import Category, Organization
from projects import rules
from projects.models import (
    Application,
    BudgetLine,
    CategoryTarget,
    ConflictDeclaration,
    Contract,
    Criterion,
    Incubation,
    Milestone,
    Payment,
    PaymentRequest,
    ProjectCall,
    Review,
    Score,
    ServiceTarget,
)
from projects.progress import contract_verified_total
from sanlian.audit import audit_record
from sanlian.refusals import OutOfReach, StateConflict, refuse
from sanlian.roles import PROJECT_REVIEWERS, Role
from services.allowances.models import yuan
from socialworkers.models import SocialWorker, VolunteerTeam


def _refuse_unless(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


# --- calls ---------------------------------------------------------------------------------


def _check_call_scope(*, actor, street: Street | None, communities: list[Community]) -> None:
    if actor.role == Role.CIVIL_AFFAIRS:
        return
    if street is None or not actor.assignments.filter(street=street).exists():
        raise ValidationError({"street": _("请选择您所在的街道。")})
    in_scope = set(staff_community_ids(actor).values_list("pk", flat=True))
    if any(c.pk not in in_scope or c.street_id != street.pk for c in communities):
        raise ValidationError({"communities": _("街道发布的项目只能面向本街道的社区。")})


def _validate_call_input(*, categories, communities, criteria, targets) -> None:
    errors = {}
    if not categories or not set(categories) <= set(Category.values):
        errors["categories"] = _("请至少选择一个组织类别。")
    if not communities:
        errors["communities"] = _("请至少选择一个服务社区。")
    if not criteria or any(points <= 0 for _name, points in criteria):
        errors["criteria"] = _("请填写评分标准，每项满分须大于零。")
    if not targets:
        errors["targets"] = _("请至少设置一项服务指标。")
    if errors:
        raise ValidationError(errors)


def _add_target(*, owner: dict, spec: dict, allowed_communities: set[int]) -> ServiceTarget:
    kind = spec.get("kind", ServiceTarget.Kind.COMPLETED_VISITS)
    visits = kind == ServiceTarget.Kind.COMPLETED_VISITS
    if kind not in ServiceTarget.Kind.values:
        raise ValidationError({"targets": _("未知的指标类型。")})
    if spec["ends_on"] < spec["starts_on"]:
        raise ValidationError({"targets": _("统计结束日期不能早于开始日期。")})
    if not spec["communities"] or (visits and not spec.get("service_types")):
        raise ValidationError({"targets": _("服务指标须指定服务类型和社区。")})
    if not visits and (spec.get("service_types") or spec.get("min_mean_rating") is not None):
        raise ValidationError({"targets": _("只有上门服务指标可以指定服务类型和满意度。")})
    if not isinstance(spec["quantity"], int) or spec["quantity"] <= 0:
        raise ValidationError({"targets": _("目标数量须大于零。")})
    if any(c.pk not in allowed_communities for c in spec["communities"]):
        raise ValidationError({"targets": _("服务指标的社区须在项目的服务社区之内。")})
    target = ServiceTarget(
        **owner,
        kind=kind,
        starts_on=spec["starts_on"],
        ends_on=spec["ends_on"],
        quantity=spec["quantity"],
        min_mean_rating=spec.get("min_mean_rating"),
    )
    target.full_clean()
    target.save()
    target.service_types.set(spec.get("service_types") or [])
    target.communities.set(spec["communities"])
    return target


@transaction.atomic
def call_publish(
    *,
    actor,
    title: str,
    purpose: str,
    categories: list[str],
    communities: list[Community],
    budget_ceiling_fen: int,
    opens_on: datetime.date,
    closes_on: datetime.date,
    criteria: list[tuple[str, int]],
    targets: list[dict],
    street: Street | None = None,
) -> ProjectCall:
    """Publish a call with its rubric and its targets (each a dict: kind (default completed
    visits), service_types, communities, starts_on, ends_on, quantity, min_mean_rating)."""
    _refuse_unless(rules.may_publish_call(actor))
    communities = list(communities)
    if closes_on < opens_on:
        raise ValidationError({"closes_on": _("申报截止日期不能早于开始日期。")})
    _validate_call_input(
        categories=categories, communities=communities, criteria=criteria, targets=targets
    )
    if actor.role == Role.CIVIL_AFFAIRS:
        street = None
    _check_call_scope(actor=actor, street=street, communities=communities)
    call = ProjectCall(
        title=title,
        purpose=purpose,
        categories=sorted(set(categories)),
        street=street,
        budget_ceiling_fen=budget_ceiling_fen,
        opens_on=opens_on,
        closes_on=closes_on,
        published_by=actor,
    )
    call.full_clean()
    call.save()
    call.communities.set(communities)
    for position, (name, points) in enumerate(criteria):
        Criterion.objects.create(call=call, name=name, max_points=points, position=position)
    allowed = {c.pk for c in communities}
    for spec in targets:
        _add_target(owner={"call": call}, spec=spec, allowed_communities=allowed)
    audit_record(actor=actor, instance=call, action="create", after={"title": title})
    return call


@transaction.atomic
def call_add_reviewer(*, call: ProjectCall, reviewer, actor) -> None:
    refuse(rules.add_reviewer_refusal(actor, call))
    if reviewer.role not in PROJECT_REVIEWERS:
        raise ValidationError({"reviewer": _("评审人须是政府工作人员或社会组织工作人员。")})
    call.reviewers.add(reviewer)
    audit_record(actor=actor, instance=call, action="change", after={"reviewer": reviewer.pk})


# --- applications --------------------------------------------------------------------------


def _validate_budget(*, call: ProjectCall, budget_lines: list[tuple[str, int]]) -> int:
    if not budget_lines:
        raise ValidationError({"budget_lines": _("请至少填写一项预算。")})
    if any(amount <= 0 or not item.strip() for item, amount in budget_lines):
        raise ValidationError({"budget_lines": _("每项预算须有名称，金额须大于零。")})
    total = sum(amount for _item, amount in budget_lines)
    if total > call.budget_ceiling_fen:
        raise ValidationError(
            {
                "budget_lines": _("预算合计 %(total)s 元超过了项目上限 %(ceiling)s 元。")
                % {"total": yuan(total), "ceiling": yuan(call.budget_ceiling_fen)}
            }
        )
    return total


def _validate_team(*, organization: Organization, social_workers, volunteer_teams) -> None:
    if any(worker.organization_id != organization.pk for worker in social_workers):
        raise ValidationError({"social_workers": _("只能填报本组织的社工。")})
    if any(
        team.leader is None or team.leader.organization_id != organization.pk
        for team in volunteer_teams
    ):
        raise ValidationError({"volunteer_teams": _("只能填报本组织社工带领的志愿服务队。")})


@transaction.atomic
def application_submit(
    *,
    call: ProjectCall,
    organization: Organization,
    actor,
    plan: str,
    budget_lines: list[tuple[str, int]],
    social_workers: list[SocialWorker] = (),
    volunteer_teams: list[VolunteerTeam] = (),
) -> Application:
    call = ProjectCall.objects.select_for_update().get(pk=call.pk)
    refuse(rules.apply_refusal(actor, call, organization))
    total = _validate_budget(call=call, budget_lines=budget_lines)
    social_workers, volunteer_teams = list(social_workers), list(volunteer_teams)
    _validate_team(
        organization=organization, social_workers=social_workers, volunteer_teams=volunteer_teams
    )
    application = Application(
        call=call, organization=organization, plan=plan, requested_fen=total, submitted_by=actor
    )
    application.full_clean()
    application.save()
    BudgetLine.objects.bulk_create(
        BudgetLine(application=application, item=item.strip(), amount_fen=amount)
        for item, amount in budget_lines
    )
    application.social_workers.set(social_workers)
    application.volunteer_teams.set(volunteer_teams)
    audit_record(actor=actor, instance=application, action="create", after={"requested_fen": total})
    return application


# --- review --------------------------------------------------------------------------------


@transaction.atomic
def conflict_declare(
    *, call: ProjectCall, reviewer, organization: Organization, reason: str
) -> ConflictDeclaration:
    refuse(rules.declare_conflict_refusal(reviewer, call))
    if not reason.strip():
        raise ValidationError({"reason": _("请说明利益关系。")})
    if call.conflicts.filter(reviewer=reviewer, organization=organization).exists():
        raise ValidationError(_("已经声明过与该组织的利益冲突。"))
    declaration = ConflictDeclaration.objects.create(
        call=call, reviewer=reviewer, organization=organization, reason=reason.strip()
    )
    audit_record(
        actor=reviewer, instance=call, action="change", after={"conflict": organization.pk}
    )
    return declaration


def _validated_scores(*, call: ProjectCall, scores: dict[int, int]) -> list[tuple]:
    criteria = list(call.criteria.all())
    if {c.pk for c in criteria} != set(scores):
        raise ValidationError({"scores": _("请为每个评分项打分。")})
    for criterion in criteria:
        if not 0 <= scores[criterion.pk] <= criterion.max_points:
            raise ValidationError(
                {
                    "scores": _("“%(name)s”的得分须在 0 到 %(max)s 之间。")
                    % {"name": criterion.name, "max": criterion.max_points}
                }
            )
    return [(criterion, scores[criterion.pk]) for criterion in criteria]


@transaction.atomic
def review_submit(
    *, application: Application, reviewer, scores: dict[int, int], comment: str = ""
) -> Review:
    """Score an application; a reviewer never scores an organization they are tied to."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    refuse(rules.review_refusal(reviewer, application))
    lines = _validated_scores(call=application.call, scores=scores)
    review = Review.objects.create(
        application=application,
        reviewer=reviewer,
        total=sum(points for _c, points in lines),
        comment=comment.strip(),
    )
    Score.objects.bulk_create(
        Score(review=review, criterion=criterion, points=points) for criterion, points in lines
    )
    audit_record(
        actor=reviewer, instance=application, action="change", after={"total": review.total}
    )
    return review


def call_ranking(*, call: ProjectCall) -> list[Application]:
    """Applications by mean review total, best first (unreviewed last, then by submission)."""
    applications = call.applications.select_related("organization").annotate(
        mean=Avg("reviews__total")
    )
    return sorted(
        applications,
        key=lambda a: (a.mean is None, -(a.mean or 0), a.submitted_at, a.pk),
    )


@transaction.atomic
def call_decide(
    *, call: ProjectCall, actor, awarded_ids: set[int], reasons: dict[int, str]
) -> list[Application]:
    """Record the ranking and the award decision, each with its reason; scores become
    visible to the applicants. The awarded requests together stay within the ceiling."""
    call = ProjectCall.objects.select_for_update().get(pk=call.pk)
    refuse(rules.decide_refusal(actor, call))
    ranking = call_ranking(call=call)
    ids = {a.pk for a in ranking}
    if not awarded_ids <= ids:
        raise OutOfReach({"awarded": _("只能评定本项目的申报。")})
    # The call's applications and ceiling decide these, not the body's shape: a conflict
    # with the call as it stands (the API's 409), as a deadline passed is.
    if any(not reasons.get(a.pk, "").strip() for a in ranking):
        raise StateConflict({"reasons": _("请为每份申报填写评定理由。")})
    awarded_total = sum(a.requested_fen for a in ranking if a.pk in awarded_ids)
    if awarded_total > call.budget_ceiling_fen:
        raise StateConflict(
            _("立项金额合计 %(total)s 元超过了项目上限 %(ceiling)s 元。")
            % {"total": yuan(awarded_total), "ceiling": call.budget_ceiling_yuan}
        )
    for rank, application in enumerate(ranking, start=1):
        application.rank = rank
        application.mean_score = (
            None
            if application.mean is None
            else Decimal(application.mean).quantize(Decimal("0.01"))
        )
        application.status = (
            Application.Status.AWARDED
            if application.pk in awarded_ids
            else Application.Status.NOT_AWARDED
        )
        application.decision_reason = reasons[application.pk].strip()
        application.save(update_fields=["rank", "mean_score", "status", "decision_reason"])
    call.status = ProjectCall.Status.DECIDED
    call.decided_by, call.decided_at = actor, timezone.now()
    call.save(update_fields=["status", "decided_by", "decided_at"])
    audit_record(
        actor=actor, instance=call, action="status", after={"awarded": sorted(awarded_ids)}
    )
    return ranking


# --- contracts -----------------------------------------------------------------------------


@transaction.atomic
def contract_sign(
    *,
    application: Application,
    actor,
    starts_on: datetime.date,
    ends_on: datetime.date,
    budget_fen: int | None = None,
) -> Contract:
    """Turn an award into a contract: the call's communities and targets are copied."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    refuse(rules.sign_contract_refusal(actor, application))
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("结束日期不能早于开始日期。")})
    budget_fen = application.requested_fen if budget_fen is None else budget_fen
    if not 0 < budget_fen <= application.requested_fen:
        raise ValidationError({"budget_fen": _("合同金额须大于零且不超过申请金额。")})
    call = application.call
    contract = Contract(
        application=application,
        organization=application.organization,
        title=call.title,
        budget_fen=budget_fen,
        starts_on=starts_on,
        ends_on=ends_on,
        signed_by=actor,
    )
    contract.full_clean()
    contract.save()
    contract.communities.set(call.communities.all())
    allowed = {c.pk for c in call.communities.all()}
    for target in call.targets.prefetch_related("service_types", "communities"):
        spec = {
            "kind": target.kind,
            "service_types": list(target.service_types.all()),
            "communities": list(target.communities.all()),
            "starts_on": target.starts_on,
            "ends_on": target.ends_on,
            "quantity": target.quantity,
            "min_mean_rating": target.min_mean_rating,
        }
        _add_target(owner={"contract": contract}, spec=spec, allowed_communities=allowed)
    audit_record(actor=actor, instance=contract, action="create", after={"budget_fen": budget_fen})
    return contract


@transaction.atomic
def milestone_add(
    *,
    contract: Contract,
    actor,
    title: str,
    due_on: datetime.date,
    amount_fen: int,
    visits_required: int = 0,
) -> Milestone:
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    refuse(rules.change_active_contract_refusal(actor, contract))
    if not contract.starts_on <= due_on <= contract.ends_on:
        raise ValidationError({"due_on": _("节点日期须在合同期内。")})
    planned = contract.milestones.aggregate(total=Sum("amount_fen"))["total"] or 0
    if amount_fen <= 0 or planned + amount_fen > contract.budget_fen:
        raise ValidationError(
            {
                "amount_fen": _(
                    "节点金额合计不能超过合同金额 %(budget)s 元（已安排 %(planned)s 元）。"
                )
                % {"budget": contract.budget_yuan, "planned": yuan(planned)}
            }
        )
    milestone = Milestone(
        contract=contract,
        title=title,
        due_on=due_on,
        amount_fen=amount_fen,
        visits_required=visits_required,
    )
    milestone.full_clean()
    milestone.save()
    audit_record(actor=actor, instance=contract, action="change", after={"milestone": milestone.pk})
    return milestone


def _set_contract_status(*, contract: Contract, actor, status: str, reason: str) -> Contract:
    if not reason.strip():
        raise ValidationError({"reason": _("请说明原因。")})
    before = contract.status
    contract.status, contract.status_reason = status, reason.strip()
    contract.save(update_fields=["status", "status_reason"])
    audit_record(
        actor=actor,
        instance=contract,
        action="change",
        before={"status": before},
        after={"status": status},
        reason=reason.strip(),
    )
    return contract


@transaction.atomic
def contract_suspend(*, contract: Contract, actor, reason: str) -> Contract:
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    refuse(rules.change_active_contract_refusal(actor, contract))
    return _set_contract_status(
        contract=contract, actor=actor, status=Contract.Status.SUSPENDED, reason=reason
    )


@transaction.atomic
def contract_resume(*, contract: Contract, actor, reason: str) -> Contract:
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    refuse(rules.resume_contract_refusal(actor, contract))
    return _set_contract_status(
        contract=contract, actor=actor, status=Contract.Status.ACTIVE, reason=reason
    )


@transaction.atomic
def contract_complete(*, contract: Contract, actor, evaluation: str) -> Contract:
    """Close a contract with its final evaluation (结项评估); no payment follows."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    refuse(rules.change_active_contract_refusal(actor, contract))
    if PaymentRequest.objects.filter(
        milestone__contract=contract, status=PaymentRequest.Status.PENDING
    ).exists():
        raise ValidationError(_("请先处理待审核的付款申请。"))
    return _set_contract_status(
        contract=contract, actor=actor, status=Contract.Status.COMPLETED, reason=evaluation
    )


# --- milestone payments --------------------------------------------------------------------


def _milestone_committed(milestone: Milestone, *, pending: bool) -> int:
    statuses = [PaymentRequest.Status.APPROVED]
    if pending:
        statuses.append(PaymentRequest.Status.PENDING)
    requests = milestone.payment_requests.filter(status__in=statuses)
    return requests.aggregate(total=Sum("amount_fen"))["total"] or 0


def _check_output(*, milestone: Milestone, contract: Contract) -> int:
    verified = contract_verified_total(contract=contract)
    if verified < milestone.visits_required:
        raise ValidationError(
            _("核验的服务人次为 %(verified)s，未达到该节点要求的 %(required)s。")
            % {"verified": verified, "required": milestone.visits_required}
        )
    return verified


@transaction.atomic
def payment_request_submit(*, milestone: Milestone, actor, amount_fen: int) -> PaymentRequest:
    """The organization asks for a milestone's money; output is computed, never typed."""
    contract = Contract.objects.select_for_update().get(pk=milestone.contract_id)
    refuse(rules.request_payment_refusal(actor, contract))
    left = milestone.amount_fen - _milestone_committed(milestone, pending=True)
    if not 0 < amount_fen <= left:
        raise ValidationError(
            {
                "amount_fen": _("申请金额须大于零且不超过该节点未申请的 %(left)s 元。")
                % {"left": yuan(left)}
            }
        )
    verified = _check_output(milestone=milestone, contract=contract)
    payment_request = PaymentRequest(
        milestone=milestone, amount_fen=amount_fen, verified_visits=verified, requested_by=actor
    )
    payment_request.full_clean()
    payment_request.save()
    audit_record(
        actor=actor, instance=payment_request, action="create", after={"amount_fen": amount_fen}
    )
    return payment_request


@transaction.atomic
def payment_request_approve(*, payment_request: PaymentRequest, actor) -> Payment:
    """Pay a request: lock the contract, re-check everything, append a Payment, move paid_fen.

    Two staff approving at once queue on the contract row; the second sees the first's
    payment and is refused if the contract or milestone would be overpaid.
    """
    contract = Contract.objects.select_for_update().get(pk=payment_request.milestone.contract_id)
    payment_request = PaymentRequest.objects.select_related("milestone").get(pk=payment_request.pk)
    refuse(rules.decide_payment_refusal(actor, payment_request))
    milestone = payment_request.milestone
    amount = payment_request.amount_fen
    if _milestone_committed(milestone, pending=False) + amount > milestone.amount_fen:
        raise ValidationError(
            _("支付后将超过该节点金额 %(amount)s 元。") % {"amount": milestone.amount_yuan}
        )
    if contract.paid_fen + amount > contract.budget_fen:
        raise ValidationError(
            _("支付后合计将超过合同金额 %(budget)s 元（已支付 %(paid)s 元）。")
            % {"budget": contract.budget_yuan, "paid": contract.paid_yuan}
        )
    _check_output(milestone=milestone, contract=contract)
    payment = Payment.objects.create(
        contract=contract,
        milestone=milestone,
        request=payment_request,
        amount_fen=amount,
        approved_by=actor,
    )
    Contract.objects.filter(pk=contract.pk).update(paid_fen=F("paid_fen") + amount)
    payment_request.status = PaymentRequest.Status.APPROVED
    payment_request.decided_by, payment_request.decided_at = actor, timezone.now()
    payment_request.save(update_fields=["status", "decided_by", "decided_at"])
    audit_record(
        actor=actor,
        instance=contract,
        action="change",
        after={"payment": payment.pk, "amount_fen": amount},
    )
    return payment


@transaction.atomic
def payment_request_reject(
    *, payment_request: PaymentRequest, actor, reason: str
) -> PaymentRequest:
    # Lock the contract first, as approving does: a request is decided once.
    Contract.objects.select_for_update().get(pk=payment_request.milestone.contract_id)
    payment_request = PaymentRequest.objects.select_related("milestone").get(pk=payment_request.pk)
    refuse(rules.decide_payment_refusal(actor, payment_request))
    if not reason.strip():
        raise ValidationError({"reason": _("请说明驳回原因。")})
    payment_request.status = PaymentRequest.Status.REJECTED
    payment_request.decided_by, payment_request.decided_at = actor, timezone.now()
    payment_request.decision_reason = reason.strip()
    payment_request.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    audit_record(actor=actor, instance=payment_request, action="status", reason=reason.strip())
    return payment_request


# --- incubation ----------------------------------------------------------------------------


@transaction.atomic
def incubation_start(
    *, organization: Organization, mentor: Organization, started_on: datetime.date, actor
) -> Incubation:
    refuse(rules.manage_incubation_refusal(actor, organization))
    if mentor.pk == organization.pk:
        raise ValidationError({"mentor": _("导师组织不能是被孵化的组织本身。")})
    if mentor.status != Organization.Status.APPROVED:
        raise ValidationError({"mentor": _("导师组织须已通过审核。")})
    if started_on > timezone.localdate():
        raise ValidationError({"started_on": _("入孵日期不能晚于今天。")})
    if Incubation.objects.filter(organization=organization).exists():
        raise ValidationError({"organization": _("该组织已有孵化记录。")})
    incubation = Incubation(organization=organization, mentor=mentor, started_on=started_on)
    incubation.full_clean()
    incubation.save()
    audit_record(actor=actor, instance=incubation, action="create", after={"mentor": mentor.pk})
    return incubation


@transaction.atomic
def incubation_end(
    *, incubation: Incubation, actor, stage: str, ended_on: datetime.date, outcome: str
) -> Incubation:
    """Graduate (出壳) or withdraw an incubating organization, with the outcome recorded."""
    incubation = (
        Incubation.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=incubation.pk)
    )
    refuse(rules.update_incubation_refusal(actor, incubation))
    if stage not in (Incubation.Stage.GRADUATED, Incubation.Stage.WITHDRAWN):
        raise ValidationError({"stage": _("请选择出壳或退出。")})
    if ended_on < incubation.started_on:
        raise ValidationError({"ended_on": _("出壳/退出日期不能早于入孵日期。")})
    if ended_on > timezone.localdate():
        raise ValidationError({"ended_on": _("出壳/退出日期不能晚于今天。")})
    if not outcome.strip():
        raise ValidationError({"outcome": _("请填写孵化结果。")})
    incubation.stage, incubation.ended_on, incubation.outcome = stage, ended_on, outcome.strip()
    incubation.full_clean()
    incubation.save(update_fields=["stage", "ended_on", "outcome"])
    audit_record(
        actor=actor,
        instance=incubation,
        action="status",
        before={"stage": Incubation.Stage.INCUBATING},
        after={"stage": stage},
        reason=outcome.strip(),
    )
    return incubation


# --- category targets ----------------------------------------------------------------------


# The most a district could sensibly be asked to cultivate of one category.
CATEGORY_TARGET_MAX = 10_000


def _check_category_targets(targets: dict[str, int | None]) -> None:
    if not set(targets) <= set(Category.values):
        raise ValidationError({"category": _("未知的组织类别。")})
    if any(
        value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0)
        for value in targets.values()
    ):
        raise ValidationError({"target": _("目标数量须为不小于零的整数。")})
    if any(value is not None and value > CATEGORY_TARGET_MAX for value in targets.values()):
        raise ValidationError(
            {"target": _("目标数量不能超过 %(max)s。") % {"max": CATEGORY_TARGET_MAX}}
        )


@transaction.atomic
def category_targets_set(
    *, district: District, targets: dict[str, int | None], actor
) -> list[CategoryTarget]:
    """Set the bureau's targets for one district: {category: count, or None for no target}."""
    refuse(rules.set_category_targets_refusal(actor))
    _check_category_targets(targets)
    before = dict(
        CategoryTarget.objects.filter(district=district).values_list("category", "target")
    )
    for category, value in targets.items():
        if value is None:
            CategoryTarget.objects.filter(district=district, category=category).delete()
        else:
            CategoryTarget.objects.update_or_create(
                district=district,
                category=category,
                defaults={"target": value, "set_by": actor, "set_at": timezone.now()},
            )
    after = dict(CategoryTarget.objects.filter(district=district).values_list("category", "target"))
    audit_record(actor=actor, instance=district, action="change", before=before, after=after)
    return list(CategoryTarget.objects.filter(district=district))


@transaction.atomic
def category_target_create(
    *, district: District, category: str, target: int, actor
) -> CategoryTarget:
    """A target for a district and category that has none yet (the API's create); one that
    exists is refused as a duplicate, never overwritten: it is changed on its own."""
    refuse(rules.set_category_targets_refusal(actor))
    _check_category_targets({category: target})
    # One writer per district at a time, so two creates of the same target cannot both pass
    # the check below and the second silently overwrite the first.
    list(District.objects.select_for_update().filter(pk=district.pk).values_list("pk"))
    if CategoryTarget.objects.filter(district=district, category=category).exists():
        message = _("%(district)s已设定%(category)s的培育目标，请修改原有目标。") % {
            "district": district.name,
            "category": Category(category).label,
        }
        raise ValidationError(message, code="unique")
    category_targets_set(district=district, targets={category: target}, actor=actor)
    return CategoryTarget.objects.select_related("district").get(
        district=district, category=category
    )


@transaction.atomic
def category_target_change(
    *, category_target: CategoryTarget, target: int, actor
) -> CategoryTarget:
    """A new count for an existing target, through the same write as the page."""
    refuse(rules.set_category_targets_refusal(actor))
    _check_category_targets({category_target.category: target})
    category_targets_set(
        district=category_target.district, targets={category_target.category: target}, actor=actor
    )
    return CategoryTarget.objects.select_related("district").get(pk=category_target.pk)
