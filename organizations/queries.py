"""Who sees which organizations and agreements."""

from django.db.models import Q, QuerySet

from communities.queries import staff_community_ids
from organizations.models import Agreement, Organization, OrganizationMember
from sanlian.models import Role


def organizations_visible_to(user) -> QuerySet[Organization]:
    organizations = Organization.objects.select_related("home_street")
    if not user.is_authenticated:
        return organizations.none()
    if user.role == Role.CIVIL_AFFAIRS:
        return organizations
    if user.role in (Role.STREET_STAFF, Role.COMMUNITY_STAFF):
        communities = staff_community_ids(user)
        related = Organization.objects.filter(
            Q(agreements__community_id__in=communities)
            | Q(wants_to_serve__in=communities)
            | Q(offerings__communities__in=communities)
            | Q(home_street__staff_assignments__user=user)
        )
        return organizations.filter(pk__in=related.values("pk"))
    if user.role == Role.ORGANIZATION:
        return organizations.filter(members__user=user)
    if user.role == Role.DASHBOARD:
        return organizations.none()
    # Residents and workers may look up approved providers.
    return organizations.filter(status=Organization.Status.APPROVED)


def agreements_visible_to(user) -> QuerySet[Agreement]:
    agreements = Agreement.objects.select_related("organization", "community__street", "venue")
    if not user.is_authenticated:
        return agreements.none()
    if user.role == Role.CIVIL_AFFAIRS:
        return agreements
    if user.role in (Role.STREET_STAFF, Role.COMMUNITY_STAFF):
        return agreements.filter(community_id__in=staff_community_ids(user))
    if user.role == Role.ORGANIZATION:
        return agreements.filter(organization__members__user=user)
    return agreements.none()


def membership_of(user) -> OrganizationMember | None:
    """The organization membership that a workspace page acts for, if any."""
    if not user.is_authenticated:
        return None
    return (
        OrganizationMember.objects.select_related("organization")
        .filter(user=user)
        .order_by("joined_at")
        .first()
    )
