"""Who sees which organizations and agreements."""

import datetime

from django.db.models import Q, QuerySet

from communities.models import Community, Venue
from communities.queries import staff_community_ids
from organizations.models import Agreement, Organization, OrganizationMember
from sanlian.roles import LOCAL_STAFF, Role


def organizations_visible_to(user) -> QuerySet[Organization]:
    organizations = Organization.objects.select_related("home_street")
    if not user.is_authenticated:
        return organizations.none()
    if user.role == Role.CIVIL_AFFAIRS:
        return organizations
    if user.role in LOCAL_STAFF:
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
    if user.role in LOCAL_STAFF:
        return agreements.filter(community_id__in=staff_community_ids(user))
    if user.role == Role.ORGANIZATION:
        return agreements.filter(organization__members__user=user)
    return agreements.none()


def agreements_in_force(*, week_start: datetime.date) -> QuerySet[Agreement]:
    """Active agreements that cover at least one day of the service week starting `week_start`.

    The one meaning of "this organization serves this community that week": the matcher
    and manual assignment both read it, so they cannot disagree about an agreement that
    starts after, or ends before, the week.
    """
    return Agreement.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=week_start),
        status=Agreement.Status.ACTIVE,
        start_date__lte=week_start + datetime.timedelta(days=6),
    )


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


def communities_open_to(organization: Organization) -> QuerySet[Community]:
    """Communities an organization may publish offerings for: agreed or asked to serve."""
    agreed = Agreement.objects.filter(
        organization=organization, status=Agreement.Status.ACTIVE
    ).values("community_id")
    wanted = Organization.wants_to_serve.through.objects.filter(
        organization_id=organization.pk
    ).values("community_id")
    return Community.objects.select_related("street").filter(Q(pk__in=agreed) | Q(pk__in=wanted))


def agreed_venues_of(organization: Organization) -> QuerySet[Venue]:
    """Venues in communities where the organization holds an active agreement."""
    agreed = Agreement.objects.filter(
        organization=organization, status=Agreement.Status.ACTIVE
    ).values("community_id")
    return Venue.objects.select_related("community").filter(community_id__in=agreed)


def organizations_for_review(
    user,
    *,
    status: str = "",
    category: str = "",
    street_id: int | None = None,
    submitted_before=None,
    search: str = "",
) -> QuerySet[Organization]:
    """The review queue: the reviewer's organizations, filtered; oldest submission first."""
    organizations = organizations_visible_to(user)
    if status:
        organizations = organizations.filter(status=status)
    if category:
        organizations = organizations.filter(category=category)
    if street_id:
        in_street = Organization.objects.filter(
            Q(home_street_id=street_id) | Q(wants_to_serve__street_id=street_id)
        ).values("pk")
        organizations = organizations.filter(pk__in=in_street)
    if submitted_before is not None:
        organizations = organizations.filter(submitted_at__lt=submitted_before)
    if search:
        organizations = organizations.filter(
            Q(name__icontains=search) | Q(credit_code__icontains=search)
        )
    return organizations.order_by("submitted_at", "pk")


def agreements_for_list(user, *, status: str = "", search: str = "") -> QuerySet[Agreement]:
    agreements = agreements_visible_to(user)
    if status:
        agreements = agreements.filter(status=status)
    if search:
        agreements = agreements.filter(
            Q(organization__name__icontains=search) | Q(community__name__icontains=search)
        )
    return agreements.order_by("-requested_at", "-pk")
