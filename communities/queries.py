"""Who sees which communities and residents: the one place these rules live."""

from django.db.models import Q, QuerySet

from communities.models import Community, Resident, Street
from sanlian.models import Role


def _staff_community_filter(user) -> Q:
    """Communities assigned directly, or lying in an assigned street."""
    return Q(staff_assignments__user=user) | Q(street__staff_assignments__user=user)


def communities_visible_to(user) -> QuerySet[Community]:
    communities = Community.objects.select_related("street__district")
    if not user.is_authenticated:
        return communities.none()
    if user.role == Role.CIVIL_AFFAIRS:
        return communities
    if user.role in (Role.STREET_STAFF, Role.COMMUNITY_STAFF):
        scoped = Community.objects.filter(_staff_community_filter(user)).values("pk")
        return communities.filter(pk__in=scoped)
    if user.role == Role.ORGANIZATION:
        # Community facts are not personal: organizations browse them to ask to enter.
        return communities
    if user.role in (Role.SOCIAL_WORKER, Role.VOLUNTEER):
        return communities.filter(
            Q(social_workers__user=user) | Q(volunteer_teams__members__user=user)
        ).distinct()
    if user.role in (Role.RESIDENT, Role.FAMILY):
        return communities.filter(
            Q(residents__user=user) | Q(residents__family_members__user=user)
        ).distinct()
    return communities.none()


def streets_visible_to(user) -> QuerySet[Street]:
    streets = Street.objects.select_related("district")
    if user.is_authenticated and user.role == Role.CIVIL_AFFAIRS:
        return streets
    return streets.filter(pk__in=communities_visible_to(user).values("street_id"))


def staff_community_ids(user) -> QuerySet:
    """Ids of the communities a street or community staff member works for."""
    return Community.objects.filter(_staff_community_filter(user)).values("pk")


def residents_visible_to(user) -> QuerySet[Resident]:
    residents = Resident.objects.select_related("community__street__district")
    if not user.is_authenticated:
        return residents.none()
    if user.role == Role.CIVIL_AFFAIRS:
        return residents
    if user.role in (Role.STREET_STAFF, Role.COMMUNITY_STAFF):
        return residents.filter(community_id__in=staff_community_ids(user))
    if user.role == Role.ORGANIZATION:
        # Only people the organization has been asked to serve.
        return residents.filter(
            pk__in=Resident.objects.filter(
                Q(
                    requests__matches__offering__organization__members__user=user,
                    requests__matches__status__in=("confirmed", "accepted"),
                )
                | Q(requests__visits__offering__organization__members__user=user)
            ).values("pk")
        )
    if user.role in (Role.SOCIAL_WORKER, Role.VOLUNTEER):
        return residents.filter(
            pk__in=Resident.objects.filter(
                Q(requests__visits__social_worker__user=user)
                | Q(requests__visits__volunteer__user=user)
                | Q(requests__visits__staff_member=user)
            ).values("pk")
        )
    if user.role in (Role.RESIDENT, Role.FAMILY):
        return residents.filter(Q(user=user) | Q(family_members__user=user)).distinct()
    return residents.none()


def communities_with_indicators(user) -> QuerySet[Community]:
    """Visible communities with `social_worker_count` (active workers serving them)."""
    from django.db.models import Count

    return communities_visible_to(user).annotate(
        social_worker_count=Count(
            "social_workers", filter=Q(social_workers__active=True), distinct=True
        )
    )


def communities_for_list(
    user,
    *,
    search: str = "",
    street_id: int | None = None,
    pilot_batch: str = "",
    below_target: bool = False,
) -> QuerySet[Community]:
    from communities.models import SOCIAL_WORKER_TARGET

    communities = communities_with_indicators(user)
    if search:
        communities = communities.filter(Q(name__icontains=search) | Q(code__icontains=search))
    if street_id:
        communities = communities.filter(street_id=street_id)
    if pilot_batch:
        communities = communities.filter(pilot_batch=pilot_batch)
    if below_target:
        communities = communities.filter(social_worker_count__lt=SOCIAL_WORKER_TARGET)
    return communities.order_by("street__name", "name")
