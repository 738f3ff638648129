from django.db.models import Q, QuerySet

from communities.models import Street
from communities.queries import communities_visible_to, residents_visible_to, staff_community_ids
from sanlian.roles import CITY_STAFF, LOCAL_STAFF, RESIDENT_SIDE, Role
from services.models import Match, MatchingRun

# Statuses a match reaches only after staff confirmed it; "withdrawn" is reached from
# both sides, so for it the confirmation time decides.
ORGANIZATION_SEES = (
    Match.Status.CONFIRMED,
    Match.Status.ACCEPTED,
    Match.Status.DECLINED,
    Match.Status.EXPIRED,
)


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
        # Proposals stay with staff until they confirm them; a proposal withdrawn or
        # replaced before anyone confirmed it never reaches the organization either.
        return matches.filter(offering__organization__members__user=user).filter(
            Q(status__in=ORGANIZATION_SEES) | Q(confirmed_at__isnull=False)
        )
    if user.role in RESIDENT_SIDE:
        return matches.filter(
            request__resident__in=residents_visible_to(user).values("pk"),
            status=Match.Status.ACCEPTED,
        )
    return matches.none()


def streets_runnable_by(user) -> QuerySet[Street]:
    """Whole streets only for those who cover them: civil affairs and that street's staff."""
    if not user.is_authenticated:
        return Street.objects.none()
    if user.role == Role.CIVIL_AFFAIRS:
        return Street.objects.all()
    if user.role == Role.STREET_STAFF:
        return Street.objects.filter(staff_assignments__user=user)
    return Street.objects.none()


def runs_visible_to(user) -> QuerySet[MatchingRun]:
    """Runs of the user's communities and streets; city-wide runs for city staff only."""
    scope = Q(community__in=communities_visible_to(user)) | Q(street__in=streets_runnable_by(user))
    if user.is_authenticated and user.role in CITY_STAFF:
        scope |= Q(street__isnull=True, community__isnull=True)
    return MatchingRun.objects.select_related("street", "community").filter(scope)
