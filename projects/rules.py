"""Who may do what to which call, application, contract and payment, in which state.

The domain refuses through these predicates; views, templates and the API show
buttons and answer 403/404 from the same ones.
"""

from django.utils import timezone

from organizations.models import Organization, OrganizationMember
from projects.models import Application, Contract, Incubation, PaymentRequest, ProjectCall
from sanlian.roles import CITY_STAFF, ORGANIZATION_STAFF, SUPERVISORS, Role

# Panels mix government staff and experts from (hub) organizations.


def is_member(user, organization_id) -> bool:
    return OrganizationMember.objects.filter(user=user, organization_id=organization_id).exists()


def _runs_street(user, street_id) -> bool:
    return user.assignments.filter(street_id=street_id).exists()


def may_publish_call(user) -> bool:
    return user.is_authenticated and user.role in SUPERVISORS


def may_manage_call(user, call: ProjectCall) -> bool:
    """The bureau runs every call; a street office runs the calls it published."""
    if not user.is_authenticated or user.role not in SUPERVISORS:
        return False
    if user.role == Role.CIVIL_AFFAIRS:
        return True
    return call.street_id is not None and _runs_street(user, call.street_id)


def may_add_reviewer(user, call: ProjectCall) -> bool:
    return may_manage_call(user, call) and call.status == ProjectCall.Status.OPEN


def may_apply(user, call: ProjectCall, organization: Organization | None) -> bool:
    return (
        organization is not None
        and user.is_authenticated
        and user.role in ORGANIZATION_STAFF
        and is_member(user, organization.pk)
        and organization.status == Organization.Status.APPROVED
        and organization.category in call.categories
        and call.accepts_on(timezone.localdate())
        and not call.applications.filter(organization=organization).exists()
    )


def is_reviewer(user, call: ProjectCall) -> bool:
    return user.is_authenticated and call.reviewers.filter(pk=user.pk).exists()


def is_conflicted(user, application: Application) -> bool:
    """Declared a conflict with the applicant, or belongs to it."""
    declared = application.call.conflicts.filter(
        reviewer=user, organization_id=application.organization_id
    ).exists()
    return declared or is_member(user, application.organization_id)


def may_declare_conflict(user, call: ProjectCall) -> bool:
    return is_reviewer(user, call) and call.status == ProjectCall.Status.OPEN


def may_review(user, application: Application) -> bool:
    call = application.call
    return (
        is_reviewer(user, call)
        and call.status == ProjectCall.Status.OPEN
        and application.status == Application.Status.SUBMITTED
        and not is_conflicted(user, application)
        and not application.reviews.filter(reviewer=user).exists()
    )


def may_decide(user, call: ProjectCall) -> bool:
    """Award after the closing date, once."""
    return (
        may_manage_call(user, call)
        and call.status == ProjectCall.Status.OPEN
        and timezone.localdate() > call.closes_on
    )


def may_see_scores(user, application: Application) -> bool:
    """Managers always; the applicant only after the decision."""
    if may_manage_call(user, application.call):
        return True
    return (
        application.call.status == ProjectCall.Status.DECIDED
        and user.is_authenticated
        and is_member(user, application.organization_id)
    )


def may_sign_contract(user, application: Application) -> bool:
    return (
        may_manage_call(user, application.call)
        and application.status == Application.Status.AWARDED
        and not Contract.objects.filter(application=application).exists()
    )


def may_manage_contract(user, contract: Contract) -> bool:
    return may_manage_call(user, contract.application.call)


def may_add_milestone(user, contract: Contract) -> bool:
    return may_manage_contract(user, contract) and contract.status == Contract.Status.ACTIVE


def may_suspend_contract(user, contract: Contract) -> bool:
    return may_manage_contract(user, contract) and contract.status == Contract.Status.ACTIVE


def may_complete_contract(user, contract: Contract) -> bool:
    return may_manage_contract(user, contract) and contract.status == Contract.Status.ACTIVE


def may_resume_contract(user, contract: Contract) -> bool:
    return may_manage_contract(user, contract) and contract.status == Contract.Status.SUSPENDED


def may_request_payment(user, contract: Contract) -> bool:
    return (
        user.is_authenticated
        and user.role in ORGANIZATION_STAFF
        and contract.status == Contract.Status.ACTIVE
        and is_member(user, contract.organization_id)
    )


def may_decide_payment(user, payment_request: PaymentRequest) -> bool:
    contract = payment_request.milestone.contract
    return (
        may_manage_contract(user, contract)
        and payment_request.status == PaymentRequest.Status.PENDING
        and contract.status == Contract.Status.ACTIVE
    )


def may_manage_incubation(user, organization: Organization | None = None) -> bool:
    """The civil-affairs bureau runs the incubation base for the whole city; a street office
    records and updates the incubation of organizations based in its street (home street).
    Without an organization: whether the user may record incubations at all."""
    if not user.is_authenticated or user.role not in SUPERVISORS:
        return False
    if user.role in CITY_STAFF or organization is None:
        return True
    return organization.home_street_id is not None and _runs_street(
        user, organization.home_street_id
    )


def may_update_incubation(user, incubation: Incubation) -> bool:
    """Graduate or withdraw: an organization still incubating, in the user's remit."""
    return incubation.stage == Incubation.Stage.INCUBATING and may_manage_incubation(
        user, incubation.organization
    )


def may_set_category_targets(user) -> bool:
    """The bureau sets how many organizations of each category each district should have."""
    return user.is_authenticated and user.role in CITY_STAFF
