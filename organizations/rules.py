"""Who may do what to organizations and agreements: one predicate per action.

`may_<action>(user)` answers "may this user ever do it" (the page, the menu);
`may_<action>(user, obj)` adds the scope and the object's state (the button, the domain).
Domain functions refuse through these; where they raise PermissionDenied for "who" and
ValidationError for "not in this state", they ask the smaller pieces below first.
"""

from organizations.models import Agreement, Organization, OrganizationMember
from organizations.queries import agreements_visible_to, organizations_visible_to
from sanlian.roles import LOCAL_STAFF, ORGANIZATION_STAFF, ORGANIZERS, STAFF, SUPERVISORS, has_role

Status = Organization.Status

# The status each review action leads out of; a rejected organization resubmits itself.
REVIEW_FROM = {
    "approve": (Status.SUBMITTED,),
    "reject": (Status.SUBMITTED,),
    "suspend": (Status.APPROVED,),
    "reinstate": (Status.SUSPENDED,),
}
# A rejected organization corrects its registration before resubmitting it.
PROFILE_EDITABLE = (Status.APPROVED, Status.REJECTED)


# --- pieces ---------------------------------------------------------------------------------


def is_member(user, organization: Organization, *, admin: bool = False) -> bool:
    if not user.is_authenticated:
        return False
    members = OrganizationMember.objects.filter(organization=organization, user=user)
    if admin:
        members = members.filter(is_admin=True)
    return members.exists()


def is_approved(organization: Organization) -> bool:
    return organization.status == Status.APPROVED


def organization_in_scope(user, organization: Organization) -> bool:
    return organizations_visible_to(user).filter(pk=organization.pk).exists()


def agreement_in_scope(user, agreement: Agreement) -> bool:
    return agreements_visible_to(user).filter(pk=agreement.pk).exists()


# --- review ---------------------------------------------------------------------------------


def may_view_organization(user, organization: Organization | None = None) -> bool:
    """The staff page of one organization (the review page)."""
    if not has_role(user, STAFF):
        return False
    return organization is None or organization_in_scope(user, organization)


def may_view_review_list(user) -> bool:
    return has_role(user, SUPERVISORS)


def may_review_organization(
    user, organization: Organization | None = None, action: str | None = None
) -> bool:
    """Approve, reject, suspend or reinstate; with `action`, the status must allow it."""
    if not has_role(user, SUPERVISORS):
        return False
    if organization is None:
        return True
    if not organization_in_scope(user, organization):
        return False
    return action is None or organization.status in REVIEW_FROM[action]


def review_actions(user, organization: Organization) -> list[str]:
    """The review actions open to the user on this organization now, in menu order."""
    if not may_review_organization(user, organization):
        return []
    return [action for action, statuses in REVIEW_FROM.items() if organization.status in statuses]


# --- workspace ------------------------------------------------------------------------------


def may_use_workspace(user) -> bool:
    return has_role(user, ORGANIZATION_STAFF)


def may_resubmit(user, organization: Organization) -> bool:
    return organization.status == Status.REJECTED and is_member(user, organization, admin=True)


def may_edit_profile(user, organization: Organization) -> bool:
    return organization.status in PROFILE_EDITABLE and is_member(user, organization)


def may_invite_member(user, organization: Organization) -> bool:
    return is_approved(organization) and is_member(user, organization, admin=True)


def may_manage_offerings(user, organization: Organization | None = None) -> bool:
    """Publish, edit, pause and resume offerings: a member of an approved organization."""
    if organization is None:
        return has_role(user, ORGANIZATION_STAFF)
    return is_approved(organization) and is_member(user, organization)


# --- agreements -----------------------------------------------------------------------------


def may_view_agreements(user, agreement: Agreement | None = None) -> bool:
    if not has_role(user, ORGANIZERS):
        return False
    return agreement is None or agreement_in_scope(user, agreement)


def may_request_agreement(user, organization: Organization | None = None) -> bool:
    if organization is None:
        return has_role(user, ORGANIZATION_STAFF)
    return is_approved(organization) and is_member(user, organization)


def may_decide_agreement(user, agreement: Agreement | None = None) -> bool:
    """Accept or decline: community or street staff, in scope, on a pending request."""
    if not has_role(user, LOCAL_STAFF):
        return False
    if agreement is None:
        return True
    return agreement.status == Agreement.Status.PENDING and agreement_in_scope(user, agreement)


def may_end_agreement(user, agreement: Agreement | None = None) -> bool:
    """A member of the organization ends one of its active agreements."""
    if agreement is None:
        return has_role(user, ORGANIZATION_STAFF)
    return agreement.status == Agreement.Status.ACTIVE and is_member(user, agreement.organization)
