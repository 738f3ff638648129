import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from communities.queries import staff_community_ids
from organizations.models import Organization
from organizations.queries import agreements_in_force
from sanlian.roles import LOCAL_STAFF, Role
from services.models import CareMode, ServiceOffering, ServiceType
from services.offerings.models import week_start_of


def offerings_visible_to(user) -> QuerySet[ServiceOffering]:
    offerings = ServiceOffering.objects.select_related("organization", "service_type", "venue")
    if not user.is_authenticated or user.role == Role.DASHBOARD:
        return offerings.none()
    if user.role == Role.CIVIL_AFFAIRS:
        return offerings
    if user.role in LOCAL_STAFF:
        communities = staff_community_ids(user)
        serving = ServiceOffering.objects.filter(
            Q(communities__in=communities)
            | Q(
                organization__agreements__community_id__in=communities,
                organization__agreements__status="active",
            )
        )
        return offerings.filter(pk__in=serving.values("pk"))
    if user.role == Role.ORGANIZATION:
        return offerings.filter(organization__members__user=user)
    # Residents and workers browse what approved organizations offer.
    return offerings.filter(
        status=ServiceOffering.Status.ACTIVE,
        organization__status=Organization.Status.APPROVED,
    )


# What a resident or family member may ask for themselves: visits at home and day care.
# Monetary care is an allowance (applied for at the community), and virtual care is
# dispatched by the hotline staff, who may file any service type (issue 21, item 8).
RESIDENT_CARE_MODES = (CareMode.HOME, CareMode.DAY_CARE)


def service_types_for_residents() -> QuerySet[ServiceType]:
    return ServiceType.objects.filter(care_mode__in=RESIDENT_CARE_MODES)


def organizations_serving(
    community_ids,
    *,
    service_type: ServiceType | None = None,
    week_start: datetime.date | None = None,
) -> QuerySet[Organization]:
    """Approved organizations with an active offering (of `service_type`, if given) that serves
    one of `community_ids`: the offering lists the community, or the organization has an
    agreement with it in force that week (this week by default), as matching reads it."""
    week_start = week_start or week_start_of(timezone.localdate())
    agreed = agreements_in_force(week_start=week_start).filter(community_id__in=community_ids)
    offerings = ServiceOffering.objects.filter(
        Q(communities__in=community_ids) | Q(organization_id__in=agreed.values("organization_id")),
        status=ServiceOffering.Status.ACTIVE,
    )
    if service_type is not None:
        offerings = offerings.filter(service_type=service_type)
    return Organization.objects.filter(
        status=Organization.Status.APPROVED, pk__in=offerings.values("organization_id")
    ).order_by("name", "pk")
