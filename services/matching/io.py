"""Reading matching input from the database and writing a run's proposals back."""

import datetime
import time
from collections import Counter, defaultdict

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from communities.models import Community, Resident, Street
from organizations.models import Agreement, Organization
from organizations.queries import agreements_in_force
from sanlian.audit import audit_record
from sanlian.refusals import refuse
from services.matching import core as matching
from services.matching.domain import matches_withdraw_proposed
from services.matching.locks import matching_scope_lock
from services.matching.rules import run_matching_refusal
from services.matching.weeks import week_check_not_past
from services.models import (
    Match,
    MatchingRun,
    OfferingWeek,
    OfferingWindow,
    ServiceOffering,
    ServiceRequest,
    UnservedRequest,
)


def _minutes(value: datetime.time) -> int:
    return value.hour * 60 + value.minute


def _float(value) -> float | None:
    return None if value is None else float(value)


def scope_community_ids(*, street: Street | None, community: Community | None) -> list[int]:
    if (street is None) == (community is None):
        raise ValueError("Pass exactly one of street or community.")
    if community is not None:
        return [community.pk]
    return list(Community.objects.filter(street=street).values_list("pk", flat=True))


def _open_requests(community_ids: list[int]):
    return (
        ServiceRequest.objects.filter(
            status=ServiceRequest.Status.OPEN, resident__community_id__in=community_ids
        )
        .exclude(matches__status__in=Match.HOLDING)
        .order_by("pk")
    )


def _request_inputs(community_ids: list[int], week_start: datetime.date):
    rows = list(_open_requests(community_ids).values(
        "pk", "service_type_id", "resident_id", "preferred_days", "preferred_start",
        "preferred_end", "urgent", "created_at", "resident__community_id",
        "resident__living_situation", "resident__care_level", "resident__birth_date",
        "resident__community__latitude", "resident__community__longitude",
    ))  # fmt: skip
    served_by = _organizations_that_served({row["resident_id"] for row in rows})
    return [_request_input(row, week_start, served_by) for row in rows]


def _organizations_that_served(resident_ids: set[int]) -> dict[int, frozenset[int]]:
    """Resident id → organizations that accepted one of the resident's requests before."""
    rows = (
        Match.objects.filter(request__resident_id__in=resident_ids, status=Match.Status.ACCEPTED)
        .values_list("request__resident_id", "offering__organization_id")
        .distinct()
    )
    by_resident: dict[int, set[int]] = defaultdict(set)
    for resident_id, organization_id in rows:
        by_resident[resident_id].add(organization_id)
    return {resident_id: frozenset(orgs) for resident_id, orgs in by_resident.items()}


def _request_input(row: dict, week_start: datetime.date, served_by) -> matching.RequestInput:
    born = row["resident__birth_date"]
    age = (
        week_start.year - born.year - ((week_start.month, week_start.day) < (born.month, born.day))
    )
    filed = timezone.localtime(row["created_at"]).date()
    return matching.RequestInput(
        id=row["pk"],
        service_type_id=row["service_type_id"],
        community_id=row["resident__community_id"],
        days_mask=row["preferred_days"],
        start=_minutes(row["preferred_start"]),
        end=_minutes(row["preferred_end"]),
        urgent=row["urgent"],
        living_alone=row["resident__living_situation"] == Resident.LivingSituation.ALONE,
        care_level=row["resident__care_level"],
        age=age,
        days_waited=max((timezone.localdate() - filed).days, 0),
        lat=_float(row["resident__community__latitude"]),
        lon=_float(row["resident__community__longitude"]),
        served_by_organization_ids=served_by.get(row["resident_id"], frozenset()),
    )


def _agreement_communities(week_start: datetime.date) -> dict[int, set[int]]:
    """Organization id → communities it may serve under an agreement in force that week."""
    rows = agreements_in_force(week_start=week_start).values_list("organization_id", "community_id")
    by_org: dict[int, set[int]] = defaultdict(set)
    for organization_id, community_id in rows:
        by_org[organization_id].add(community_id)
    return by_org


def _offering_rows(community_ids, service_type_ids, agreements):
    agreed_orgs = [org for org, comms in agreements.items() if comms & set(community_ids)]
    return (
        ServiceOffering.objects.filter(
            Q(communities__in=community_ids) | Q(organization_id__in=agreed_orgs),
            status=ServiceOffering.Status.ACTIVE,
            organization__status=Organization.Status.APPROVED,
            service_type_id__in=service_type_ids,
        )
        .distinct()
        .order_by("pk")
        .values(
            "pk", "organization_id", "service_type_id", "weekly_capacity",
            "service_type__default_duration_minutes", "venue__community_id",
            "venue__community__latitude", "venue__community__longitude",
        )
    )  # fmt: skip


def _offering_details(offering_ids: list[int], week_start: datetime.date):
    windows: dict[int, list] = defaultdict(list)
    for window in OfferingWindow.objects.filter(offering_id__in=offering_ids):
        windows[window.offering_id].append(
            matching.Window(window.weekday, _minutes(window.start_time), _minutes(window.end_time))
        )
    listed: dict[int, set[int]] = defaultdict(set)
    through = ServiceOffering.communities.through.objects.filter(
        serviceoffering_id__in=offering_ids
    )
    for offering_id, community_id in through.values_list("serviceoffering_id", "community_id"):
        listed[offering_id].add(community_id)
    weeks = {
        week.offering_id: week.capacity - week.reserved
        for week in OfferingWeek.objects.filter(offering_id__in=offering_ids, week_start=week_start)
    }
    return windows, listed, weeks


def matching_candidates(
    *, street: Street | None = None, community: Community | None = None, week_start: datetime.date
) -> tuple[list[matching.RequestInput], list[matching.OfferingInput]]:
    """Open requests in scope and the offerings able to serve them that week (8 queries).

    Offerings with no place left that week come too (remaining 0): the core takes no
    proposal for them, but can tell a request that the offering is full.
    """
    community_ids = scope_community_ids(street=street, community=community)
    requests = _request_inputs(community_ids, week_start)
    agreements = _agreement_communities(week_start)
    rows = list(_offering_rows(community_ids, {r.service_type_id for r in requests}, agreements))
    windows, listed, weeks = _offering_details([row["pk"] for row in rows], week_start)
    offerings = []
    for row in rows:
        remaining = weeks.get(row["pk"], row["weekly_capacity"])
        agreed = frozenset(agreements.get(row["organization_id"], ()))
        offerings.append(_offering_input(row, windows, listed, agreed, max(remaining, 0)))
    return requests, offerings


def _lapsed_keys(community_ids, requests, week_start: datetime.date) -> frozenset:
    """(service type, community) an offering would serve were its agreement in force."""
    in_force = agreements_in_force(week_start=week_start).values("pk")
    lapsed = (
        Agreement.objects.filter(community_id__in=community_ids)
        .exclude(pk__in=in_force)
        .values_list("organization_id", "community_id")
    )
    by_organization: dict[int, set[int]] = defaultdict(set)
    for organization_id, community_id in lapsed:
        by_organization[organization_id].add(community_id)
    if not by_organization:
        return frozenset()
    offered = ServiceOffering.objects.filter(
        organization_id__in=by_organization,
        status=ServiceOffering.Status.ACTIVE,
        organization__status=Organization.Status.APPROVED,
        service_type_id__in={r.service_type_id for r in requests},
    ).values_list("organization_id", "service_type_id")
    return frozenset(
        (service_type_id, community_id)
        for organization_id, service_type_id in offered
        for community_id in by_organization[organization_id]
    )


def _offering_input(row, windows, listed, agreed, remaining) -> matching.OfferingInput:
    return matching.OfferingInput(
        id=row["pk"],
        organization_id=row["organization_id"],
        service_type_id=row["service_type_id"],
        served_community_ids=frozenset(listed.get(row["pk"], ())) | agreed,
        windows=tuple(windows.get(row["pk"], ())),
        remaining=remaining,
        duration=row["service_type__default_duration_minutes"],
        home_community_id=row["venue__community_id"],
        agreement_community_ids=agreed,
        lat=_float(row["venue__community__latitude"]),
        lon=_float(row["venue__community__longitude"]),
    )


@transaction.atomic
def matching_run(
    *,
    user,
    street: Street | None = None,
    community: Community | None = None,
    week_start: datetime.date,
) -> MatchingRun:
    """Solve one scope for one week and store the proposals and the unserved requests.

    Earlier proposals for the same requests and week are withdrawn first, so a
    request never carries two open proposals; a run over an overlapping scope and
    week running at the same moment is refused (services/matching/locks.py).
    """
    refuse(run_matching_refusal(user, street or community))
    week_check_not_past(week_start)
    began = time.perf_counter()
    community_ids = scope_community_ids(street=street, community=community)
    matching_scope_lock(community_ids=community_ids, week_start=week_start)
    # Written before reading: on SQLite this takes the write lock (see locks.py).
    run = MatchingRun.objects.create(
        street=street, community=community, week_start=week_start, started_by=user
    )
    requests, offerings = matching_candidates(
        street=street, community=community, week_start=week_start
    )
    result = matching.plan(
        requests, offerings, lapsed=_lapsed_keys(community_ids, requests, week_start)
    )
    matches_withdraw_proposed(
        matches=Match.objects.filter(
            request_id__in=[r.id for r in requests], week_start=week_start
        ),
        actor=user,
        reason=_("重新匹配"),
    )
    Match.objects.bulk_create(_match_rows(run, result.proposals))
    _unserved_store(run, requests, result.unserved)
    run.stats = _stats(requests, offerings, result, time.perf_counter() - began)
    run.finished_at = timezone.now()
    run.save(update_fields=["stats", "finished_at"])
    audit_record(actor=user, instance=run, action="create", after=run.stats)
    return run


def _unserved_store(run: MatchingRun, requests, unserved: list[matching.Unserved]) -> None:
    """This run's verdicts become the current ones for every request it covered."""
    UnservedRequest.objects.filter(request_id__in=[r.id for r in requests], current=True).update(
        current=False
    )
    UnservedRequest.objects.bulk_create(
        UnservedRequest(
            run=run,
            request_id=u.request_id,
            week_start=run.week_start,
            code=u.code,
            blocking=u.blocking,
        )
        for u in unserved
    )


def _match_rows(run: MatchingRun, proposals: list[matching.Proposal]) -> list[Match]:
    return [
        Match(
            request_id=p.request_id,
            offering_id=p.offering_id,
            run=run,
            week_start=run.week_start,
            score=p.priority,
            distance_km=p.distance_km,
            reason=p.reason[:300],
            reason_facts=list(p.reason_facts) or None,
        )
        for p in proposals
    ]


def _stats(requests, offerings, result: matching.Plan, seconds: float) -> dict:
    urgent = {r.id for r in requests if r.urgent}
    return {
        "requests": len(requests),
        "urgent": len(urgent),
        "offerings": sum(1 for o in offerings if o.remaining > 0),
        "places": sum(o.remaining for o in offerings),
        "served": len(result.proposals),
        "urgent_served": sum(1 for p in result.proposals if p.request_id in urgent),
        "unserved": dict(Counter(u.code for u in result.unserved)),
        "seconds": round(seconds, 3),
    }
