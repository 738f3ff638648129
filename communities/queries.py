"""Who sees which communities and residents: the one place these rules live."""

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from communities.models import SOCIAL_WORKER_TARGET, Community, Resident, Street
from sanlian.roles import FIELD_WORKERS, LOCAL_STAFF, RESIDENT_SIDE, Role


def _staff_community_filter(user) -> Q:
    """Communities assigned directly, or lying in an assigned street."""
    return Q(staff_assignments__user=user) | Q(street__staff_assignments__user=user)


def communities_visible_to(user) -> QuerySet[Community]:
    communities = Community.objects.select_related("street__district")
    if not user.is_authenticated:
        return communities.none()
    if user.role == Role.CIVIL_AFFAIRS:
        return communities
    if user.role in LOCAL_STAFF:
        scoped = Community.objects.filter(_staff_community_filter(user)).values("pk")
        return communities.filter(pk__in=scoped)
    if user.role == Role.ORGANIZATION:
        # Community facts are not personal: organizations browse them to ask to enter.
        return communities
    if user.role in FIELD_WORKERS:
        return communities.filter(
            Q(social_workers__user=user) | Q(volunteer_teams__members__user=user)
        ).distinct()
    if user.role in RESIDENT_SIDE:
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


def residents_of(user) -> QuerySet[Resident]:
    """ "My resident or my family": the resident's own account, or a registered family member.

    The one definition of whose requests, visits, accounts and feedback a resident-side
    user acts on; everyone else has none.
    """
    if not user.is_authenticated or user.role not in RESIDENT_SIDE:
        return Resident.objects.none()
    return Resident.objects.filter(Q(user=user) | Q(family_members__user=user))


def is_own_resident(user, resident: Resident) -> bool:
    return residents_of(user).filter(pk=resident.pk).exists()


def residents_visible_to(user) -> QuerySet[Resident]:
    residents = Resident.objects.select_related("community__street__district")
    if not user.is_authenticated:
        return residents.none()
    if user.role == Role.CIVIL_AFFAIRS:
        return residents
    if user.role in LOCAL_STAFF:
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
    if user.role in FIELD_WORKERS:
        return residents.filter(
            pk__in=Resident.objects.filter(
                Q(requests__visits__social_worker__user=user)
                | Q(requests__visits__volunteer__user=user)
                | Q(requests__visits__staff_member=user)
            ).values("pk")
        )
    if user.role in RESIDENT_SIDE:
        return residents.filter(pk__in=residents_of(user).values("pk"))
    return residents.none()


def community_indicator_annotations() -> dict:
    """Annotations for a Community queryset: active social workers, organizations entered.

    The one count of "social workers per community" (target >= 2), used by the community
    pages, the API, home pages and statistics. Subqueries, so a list costs one query. The
    rows are reached through the relations socialworkers and organizations declare on
    Community, so this lowest app counts them without importing those apps.
    """
    memberships = Community.social_workers.through.objects
    agreement = Community._meta.get_field("agreements").related_model
    workers = (
        memberships.filter(community_id=OuterRef("pk"), socialworker__active=True)
        .order_by()
        .values("community_id")
        .annotate(n=Count("socialworker", distinct=True))
        .values("n")
    )
    entered = (
        agreement.objects.filter(community_id=OuterRef("pk"), status=agreement.Status.ACTIVE)
        .order_by()
        .values("community_id")
        .annotate(n=Count("organization", distinct=True))
        .values("n")
    )
    return {
        "social_worker_count": Coalesce(Subquery(workers), 0),
        "organizations_entered": Coalesce(Subquery(entered), 0),
    }


def communities_with_indicators(user) -> QuerySet[Community]:
    """Visible communities with `social_worker_count` and `organizations_entered`."""
    return communities_visible_to(user).annotate(**community_indicator_annotations())


def communities_for_list(
    user,
    *,
    search: str = "",
    street_id: int | None = None,
    pilot_batch: str = "",
    below_target: bool = False,
) -> QuerySet[Community]:
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
