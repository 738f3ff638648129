from django.db.models import QuerySet

from communities.queries import residents_visible_to, staff_community_ids
from sanlian.roles import LOCAL_STAFF, RESIDENT_SIDE, Role
from services.models import Match


def matches_visible_to(user) -> QuerySet[Match]:
    matches = Match.objects.select_related(
        "request__resident__community", "request__service_type", "offering__organization"
    )
    if not user.is_authenticated:
        return matches.none()
    if user.role == Role.CIVIL_AFFAIRS:
        return matches
    if user.role in LOCAL_STAFF:
        return matches.filter(request__resident__community_id__in=staff_community_ids(user))
    if user.role == Role.ORGANIZATION:
        # Proposals stay with staff until they confirm them.
        return matches.filter(offering__organization__members__user=user).exclude(
            status=Match.Status.PROPOSED
        )
    if user.role in RESIDENT_SIDE:
        return matches.filter(
            request__resident__in=residents_visible_to(user).values("pk"),
            status=Match.Status.ACCEPTED,
        )
    return matches.none()
