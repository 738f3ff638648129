"""Who sees which calls, applications and contracts: the one place these rules live."""

from django.db.models import Q, QuerySet

from communities.queries import staff_community_ids
from organizations.queries import organizations_visible_to
from projects import rules
from projects.models import Application, CategoryTarget, Contract, Incubation, ProjectCall
from sanlian.roles import ORGANIZATION_STAFF, STAFF, Role


def calls_visible_to(user) -> QuerySet[ProjectCall]:
    """Calls are public notices to staff and organizations; others see none."""
    calls = ProjectCall.objects.select_related("street")
    if not user.is_authenticated or user.role not in STAFF | ORGANIZATION_STAFF:
        return calls.none()
    return calls


def _managed_call_filter(user, prefix: str = "") -> Q:
    """Calls the user runs: all for the bureau, their street's for street staff."""
    if user.role == Role.CIVIL_AFFAIRS:
        return Q()
    if user.role == Role.STREET_STAFF:
        return Q(**{f"{prefix}street__staff_assignments__user": user})
    return Q(pk__in=[])


def calls_managed_by(user) -> QuerySet[ProjectCall]:
    """Calls the user runs (decides, adds reviewers to): all for the bureau, a street's own
    for its street staff, none for anyone else."""
    calls = ProjectCall.objects.select_related("street")
    if not user.is_authenticated or user.role not in (Role.CIVIL_AFFAIRS, Role.STREET_STAFF):
        return calls.none()
    return calls.filter(pk__in=ProjectCall.objects.filter(_managed_call_filter(user)).values("pk"))


def applications_visible_to(user) -> QuerySet[Application]:
    """Applicants see their own; reviewers the calls they review; managers their calls'."""
    applications = Application.objects.select_related("call", "organization")
    if not user.is_authenticated:
        return applications.none()
    if user.role == Role.CIVIL_AFFAIRS:
        return applications
    scope = Q(call__reviewers=user)
    if user.role == Role.STREET_STAFF:
        scope |= _managed_call_filter(user, "call__")
    if user.role in ORGANIZATION_STAFF:
        scope |= Q(organization__members__user=user)
    if user.role not in STAFF | ORGANIZATION_STAFF:
        return applications.none()
    return applications.filter(pk__in=Application.objects.filter(scope).values("pk"))


def contracts_visible_to(user) -> QuerySet[Contract]:
    contracts = Contract.objects.select_related("organization", "application__call")
    if not user.is_authenticated:
        return contracts.none()
    if user.role == Role.CIVIL_AFFAIRS:
        return contracts
    if user.role == Role.STREET_STAFF:
        scope = Q(application__call__street__staff_assignments__user=user) | Q(
            communities__in=staff_community_ids(user)
        )
        return contracts.filter(pk__in=Contract.objects.filter(scope).values("pk"))
    if user.role == Role.COMMUNITY_STAFF:
        scoped = Contract.objects.filter(communities__in=staff_community_ids(user))
        return contracts.filter(pk__in=scoped.values("pk"))
    if user.role in ORGANIZATION_STAFF:
        return contracts.filter(organization__members__user=user)
    return contracts.none()


def incubations_visible_to(user) -> QuerySet[Incubation]:
    incubations = Incubation.objects.select_related("organization", "mentor")
    if not user.is_authenticated:
        return incubations.none()
    visible = organizations_visible_to(user).values("pk")
    if user.role in STAFF:
        return incubations.filter(organization__in=visible)
    if user.role in ORGANIZATION_STAFF:
        return incubations.filter(Q(organization__in=visible) | Q(mentor__in=visible))
    return incubations.none()


def category_targets_visible_to(user) -> QuerySet[CategoryTarget]:
    """The bureau's targets, to whoever may set them (the page's rule); others see them
    only as figures on the dashboards."""
    targets = CategoryTarget.objects.select_related("district")
    if not rules.may_set_category_targets(user):
        return targets.none()
    return targets
