"""Who may do what to which call, application, contract and payment, in which state.

Each `<action>_refusal(user, obj)` says why not: PermissionDenied for the wrong person
(role, membership, remit), ValidationError with a sentence for the wrong state (a closed
call, a suspended contract). `may_<action>` is "no refusal". The domain raises the refusal,
pages show buttons from `may_*` and the reason from the refusal, the API answers 403 or 400
from the same ones: each rule has one home.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from organizations.models import Organization, OrganizationMember
from projects.models import Application, Contract, Incubation, PaymentRequest, ProjectCall
from sanlian.refusals import Refusal
from sanlian.roles import CITY_STAFF, ORGANIZATION_STAFF, SUPERVISORS, Role

# Panels mix government staff and experts from (hub) organizations.


def refusal_text(refusal: Refusal) -> str:
    """The sentence a page shows for a refusal of state (a person's refusal is a 403)."""
    if isinstance(refusal, ValidationError):
        return "；".join(refusal.messages)
    return str(refusal)


def is_member(user, organization_id) -> bool:
    return OrganizationMember.objects.filter(user=user, organization_id=organization_id).exists()


def _runs_street(user, street_id) -> bool:
    return user.assignments.filter(street_id=street_id).exists()


def _first(*refusals: Refusal | None) -> Refusal | None:
    return next((refusal for refusal in refusals if refusal is not None), None)


# --- calls ---------------------------------------------------------------------------------


def may_publish_call(user) -> bool:
    return user.is_authenticated and user.role in SUPERVISORS


def manage_call_refusal(user, call: ProjectCall) -> Refusal | None:
    """The bureau runs every call; a street office runs the calls it published."""
    if not user.is_authenticated or user.role not in SUPERVISORS:
        return PermissionDenied()
    if user.role == Role.CIVIL_AFFAIRS:
        return None
    if call.street_id is not None and _runs_street(user, call.street_id):
        return None
    return PermissionDenied()


def may_manage_call(user, call: ProjectCall) -> bool:
    return manage_call_refusal(user, call) is None


def _still_open(call: ProjectCall) -> ValidationError | None:
    if call.status != ProjectCall.Status.OPEN:
        return ValidationError(_("该项目已经评定。"))
    return None


def add_reviewer_refusal(user, call: ProjectCall) -> Refusal | None:
    return _first(manage_call_refusal(user, call), _still_open(call))


def may_add_reviewer(user, call: ProjectCall) -> bool:
    return add_reviewer_refusal(user, call) is None


def apply_refusal(user, call: ProjectCall, organization: Organization | None) -> Refusal | None:
    """A member of an approved organization of an allowed category, within the dates, once."""
    if (
        organization is None
        or not user.is_authenticated
        or user.role not in ORGANIZATION_STAFF
        or not is_member(user, organization.pk)
    ):
        return PermissionDenied()
    if organization.status != Organization.Status.APPROVED:
        return ValidationError(_("只有审核通过的社会组织可以申报。"))
    if organization.category not in call.categories:
        return ValidationError(_("本项目不接受该类别的社会组织申报。"))
    if not call.accepts_on(timezone.localdate()):
        return ValidationError(_("本项目不在申报期内。"))
    if call.applications.filter(organization=organization).exists():
        return ValidationError(_("本组织已经申报过该项目。"))
    return None


def may_apply(user, call: ProjectCall, organization: Organization | None) -> bool:
    return apply_refusal(user, call, organization) is None


# --- review --------------------------------------------------------------------------------


def is_reviewer(user, call: ProjectCall) -> bool:
    return user.is_authenticated and call.reviewers.filter(pk=user.pk).exists()


def _reviewer_refusal(user, call: ProjectCall) -> PermissionDenied | None:
    return None if is_reviewer(user, call) else PermissionDenied()


def is_conflicted(user, application: Application) -> bool:
    """Declared a conflict with the applicant, or belongs to it."""
    declared = application.call.conflicts.filter(
        reviewer=user, organization_id=application.organization_id
    ).exists()
    return declared or is_member(user, application.organization_id)


def declare_conflict_refusal(user, call: ProjectCall) -> Refusal | None:
    return _first(_reviewer_refusal(user, call), _still_open(call))


def may_declare_conflict(user, call: ProjectCall) -> bool:
    return declare_conflict_refusal(user, call) is None


def review_refusal(user, application: Application) -> Refusal | None:
    """A reviewer of the call scores each application once, never one they are tied to."""
    call = application.call
    refusal = _reviewer_refusal(user, call)
    if refusal is not None:
        return refusal
    if is_conflicted(user, application):
        return ValidationError(
            _("您与申报组织存在利益关系（已声明或为该组织成员），不能为该申报评分。")
        )
    if (
        call.status != ProjectCall.Status.OPEN
        or application.status != Application.Status.SUBMITTED
        or application.reviews.filter(reviewer=user).exists()
    ):
        return ValidationError(_("该申报已评分或评审已结束。"))
    return None


def may_review(user, application: Application) -> bool:
    return review_refusal(user, application) is None


def decide_refusal(user, call: ProjectCall) -> Refusal | None:
    """Award after the closing date, once."""
    refusal = _first(manage_call_refusal(user, call), _still_open(call))
    if refusal is None and timezone.localdate() <= call.closes_on:
        return ValidationError(_("申报截止后才能评定。"))
    return refusal


def may_decide(user, call: ProjectCall) -> bool:
    return decide_refusal(user, call) is None


def may_see_scores(user, application: Application) -> bool:
    """Managers always; the applicant only after the decision."""
    if may_manage_call(user, application.call):
        return True
    return (
        application.call.status == ProjectCall.Status.DECIDED
        and user.is_authenticated
        and is_member(user, application.organization_id)
    )


# --- contracts -----------------------------------------------------------------------------


def sign_contract_refusal(user, application: Application) -> Refusal | None:
    refusal = manage_call_refusal(user, application.call)
    if refusal is not None:
        return refusal
    if application.status != Application.Status.AWARDED:
        return ValidationError(_("只有立项的申报可以签订合同。"))
    if Contract.objects.filter(application=application).exists():
        return ValidationError(_("该申报已经签订合同。"))
    return None


def may_sign_contract(user, application: Application) -> bool:
    return sign_contract_refusal(user, application) is None


def manage_contract_refusal(user, contract: Contract) -> Refusal | None:
    return manage_call_refusal(user, contract.application.call)


def may_manage_contract(user, contract: Contract) -> bool:
    return manage_contract_refusal(user, contract) is None


def _active(contract: Contract) -> ValidationError | None:
    if contract.status != Contract.Status.ACTIVE:
        return ValidationError(
            _("合同当前为“%(status)s”，不在执行中。") % {"status": contract.get_status_display()}
        )
    return None


def change_active_contract_refusal(user, contract: Contract) -> Refusal | None:
    """Add a milestone, suspend, or close with the evaluation: a contract in force."""
    return _first(manage_contract_refusal(user, contract), _active(contract))


def may_add_milestone(user, contract: Contract) -> bool:
    return change_active_contract_refusal(user, contract) is None


may_suspend_contract = may_complete_contract = may_add_milestone


def resume_contract_refusal(user, contract: Contract) -> Refusal | None:
    refusal = manage_contract_refusal(user, contract)
    if refusal is None and contract.status != Contract.Status.SUSPENDED:
        return ValidationError(_("只有暂停中的合同可以恢复执行。"))
    return refusal


def may_resume_contract(user, contract: Contract) -> bool:
    return resume_contract_refusal(user, contract) is None


# --- milestone payments --------------------------------------------------------------------


def request_payment_refusal(user, contract: Contract) -> Refusal | None:
    """The contracted organization's staff ask for a milestone's money while it is in force."""
    if (
        not user.is_authenticated
        or user.role not in ORGANIZATION_STAFF
        or not is_member(user, contract.organization_id)
    ):
        return PermissionDenied()
    return _active(contract)


def may_request_payment(user, contract: Contract) -> bool:
    return request_payment_refusal(user, contract) is None


def decide_payment_refusal(user, payment_request: PaymentRequest) -> Refusal | None:
    contract = payment_request.milestone.contract
    refusal = manage_contract_refusal(user, contract)
    if refusal is not None:
        return refusal
    if payment_request.status != PaymentRequest.Status.PENDING:
        return ValidationError(_("该付款申请已处理。"))
    return _active(contract)


def may_decide_payment(user, payment_request: PaymentRequest) -> bool:
    return decide_payment_refusal(user, payment_request) is None


# --- incubation ----------------------------------------------------------------------------


def manage_incubation_refusal(user, organization: Organization | None = None) -> Refusal | None:
    """The civil-affairs bureau runs the incubation base for the whole city; a street office
    records and updates the incubation of organizations based in its street (home street).
    Without an organization: whether the user may record incubations at all."""
    if not user.is_authenticated or user.role not in SUPERVISORS:
        return PermissionDenied()
    if user.role in CITY_STAFF or organization is None:
        return None
    if organization.home_street_id is not None and _runs_street(user, organization.home_street_id):
        return None
    return PermissionDenied()


def may_manage_incubation(user, organization: Organization | None = None) -> bool:
    return manage_incubation_refusal(user, organization) is None


def update_incubation_refusal(user, incubation: Incubation) -> Refusal | None:
    """Graduate or withdraw: an organization still incubating, in the user's remit."""
    refusal = manage_incubation_refusal(user, incubation.organization)
    if refusal is None and incubation.stage != Incubation.Stage.INCUBATING:
        return ValidationError(_("该组织已不在孵化中。"))
    return refusal


def may_update_incubation(user, incubation: Incubation) -> bool:
    return update_incubation_refusal(user, incubation) is None


# --- category targets ----------------------------------------------------------------------


def set_category_targets_refusal(user) -> Refusal | None:
    """The bureau sets how many organizations of each category each district should have:
    on the targets page and through the API alike (reading them included)."""
    if not user.is_authenticated or user.role not in CITY_STAFF:
        return PermissionDenied()
    return None


def may_set_category_targets(user) -> bool:
    return set_category_targets_refusal(user) is None
