"""Who sees which offerings, requests, matches and visits."""

from django.db.models import Q, QuerySet

from communities.queries import residents_visible_to, staff_community_ids
from organizations.models import Organization
from sanlian.models import Role
from services.models import Feedback, Match, ServiceOffering, ServiceRequest, Visit


def offerings_visible_to(user) -> QuerySet[ServiceOffering]:
    offerings = ServiceOffering.objects.select_related("organization", "service_type", "venue")
    if not user.is_authenticated or user.role == Role.DASHBOARD:
        return offerings.none()
    if user.role == Role.CIVIL_AFFAIRS:
        return offerings
    if user.role in (Role.STREET_STAFF, Role.COMMUNITY_STAFF):
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


def requests_visible_to(user) -> QuerySet[ServiceRequest]:
    requests = ServiceRequest.objects.select_related(
        "resident__community__street", "service_type", "filed_by"
    )
    if not user.is_authenticated:
        return requests.none()
    if user.role == Role.CIVIL_AFFAIRS:
        return requests
    if user.role in (Role.STREET_STAFF, Role.COMMUNITY_STAFF):
        return requests.filter(resident__community_id__in=staff_community_ids(user))
    if user.role == Role.ORGANIZATION:
        mine = ServiceRequest.objects.filter(
            Q(
                matches__offering__organization__members__user=user,
                matches__status__in=("confirmed", "accepted", "declined", "expired"),
            )
            | Q(visits__offering__organization__members__user=user)
        )
        return requests.filter(pk__in=mine.values("pk"))
    if user.role in (Role.SOCIAL_WORKER, Role.VOLUNTEER):
        return requests.filter(pk__in=visits_visible_to(user).values("request_id"))
    if user.role in (Role.RESIDENT, Role.FAMILY):
        return requests.filter(resident__in=residents_visible_to(user).values("pk"))
    return requests.none()


def matches_visible_to(user) -> QuerySet[Match]:
    matches = Match.objects.select_related(
        "request__resident__community", "request__service_type", "offering__organization"
    )
    if not user.is_authenticated:
        return matches.none()
    if user.role == Role.CIVIL_AFFAIRS:
        return matches
    if user.role in (Role.STREET_STAFF, Role.COMMUNITY_STAFF):
        return matches.filter(request__resident__community_id__in=staff_community_ids(user))
    if user.role == Role.ORGANIZATION:
        # Proposals stay with staff until they confirm them.
        return matches.filter(offering__organization__members__user=user).exclude(
            status=Match.Status.PROPOSED
        )
    if user.role in (Role.RESIDENT, Role.FAMILY):
        return matches.filter(
            request__resident__in=residents_visible_to(user).values("pk"),
            status=Match.Status.ACCEPTED,
        )
    return matches.none()


def visits_visible_to(user) -> QuerySet[Visit]:
    visits = Visit.objects.select_related(
        "request__resident__community",
        "request__service_type",
        "offering__organization",
        "social_worker",
        "volunteer",
        "venue",
    )
    if not user.is_authenticated:
        return visits.none()
    if user.role == Role.CIVIL_AFFAIRS:
        return visits
    if user.role in (Role.STREET_STAFF, Role.COMMUNITY_STAFF):
        return visits.filter(request__resident__community_id__in=staff_community_ids(user))
    if user.role == Role.ORGANIZATION:
        return visits.filter(offering__organization__members__user=user)
    if user.role == Role.SOCIAL_WORKER:
        return visits.filter(
            Q(social_worker__user=user)
            | Q(staff_member=user)
            | Q(volunteer__team__leader__user=user)
        )
    if user.role == Role.VOLUNTEER:
        return visits.filter(Q(volunteer__user=user) | Q(staff_member=user))
    if user.role in (Role.RESIDENT, Role.FAMILY):
        return visits.filter(request__resident__in=residents_visible_to(user).values("pk"))
    return visits.none()


def visits_assigned_to(user) -> QuerySet[Visit]:
    """The visits a worker carries out in person (not those of the teams they lead)."""
    assigned = Q(social_worker__user=user) | Q(volunteer__user=user) | Q(staff_member=user)
    return visits_visible_to(user).filter(assigned)


def feedback_visible_to(user) -> QuerySet[Feedback]:
    return Feedback.objects.select_related("visit").filter(
        visit__in=visits_visible_to(user).values("pk")
    )


# --- Monetary elderly care: care accounts, ledger entries and settlement statements ---------


def care_accounts_visible_to(user) -> QuerySet:
    """Staff see the accounts of residents in their area; residents and family their own."""
    from services.models import CareAccount

    accounts = CareAccount.objects.select_related("resident__community__street")
    if not user.is_authenticated:
        return accounts.none()
    if user.role == Role.CIVIL_AFFAIRS:
        return accounts
    if user.role in (Role.STREET_STAFF, Role.COMMUNITY_STAFF):
        return accounts.filter(resident__community_id__in=staff_community_ids(user))
    if user.role in (Role.RESIDENT, Role.FAMILY):
        return accounts.filter(resident__in=residents_visible_to(user).values("pk"))
    return accounts.none()


def ledger_entries_visible_to(user) -> QuerySet:
    from services.models import LedgerEntry

    return LedgerEntry.objects.select_related("account__resident", "rule", "actor").filter(
        account__in=care_accounts_visible_to(user).values("pk")
    )


def settlements_visible_to(user) -> QuerySet:
    """Organizations see their own statements; street and community staff those serving
    residents of their area; civil affairs all of them."""
    from services.models import SettlementLine, SettlementStatement

    statements = SettlementStatement.objects.select_related("organization", "approved_by")
    if not user.is_authenticated:
        return statements.none()
    if user.role == Role.CIVIL_AFFAIRS:
        return statements
    if user.role == Role.ORGANIZATION:
        return statements.filter(organization__members__user=user)
    if user.role in (Role.STREET_STAFF, Role.COMMUNITY_STAFF):
        serving = SettlementLine.objects.filter(community_id__in=staff_community_ids(user)).values(
            "statement_id"
        )
        return statements.filter(pk__in=serving)
    return statements.none()


def settlement_lines_visible_to(user, *, statement=None) -> QuerySet:
    """Lines of visible statements (of one `statement` if given); staff see only the lines
    of their area's residents."""
    from services.models import SettlementLine

    lines = SettlementLine.objects.select_related("resident", "community", "street", "visit")
    lines = lines.filter(statement__in=settlements_visible_to(user).values("pk"))
    if statement is not None:
        lines = lines.filter(statement=statement)
    if user.role in (Role.STREET_STAFF, Role.COMMUNITY_STAFF):
        return lines.filter(community_id__in=staff_community_ids(user))
    return lines


def settlement_totals_by_area(*, month, approved_only: bool = False) -> dict:
    """City totals of a month's statements per street and per district (civil affairs)."""
    from django.db.models import Count, Sum

    from services.models import SettlementLine

    lines = SettlementLine.objects.filter(statement__month=month)
    if approved_only:
        lines = lines.filter(statement__status="approved")
    measures = {
        "visits": Count("pk"),
        "allowance_fen": Sum("allowance_fen"),
        "copay_fen": Sum("copay_fen"),
    }
    streets = (
        lines.values("street_id", "street__name", "street__district__name")
        .annotate(**measures)
        .order_by("street__district__name", "street__name")
    )
    districts = (
        lines.values("street__district_id", "street__district__name")
        .annotate(**measures)
        .order_by("street__district__name")
    )
    return {
        "streets": list(streets),
        "districts": list(districts),
        "city": lines.aggregate(**measures),
    }
