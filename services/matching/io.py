"""Reading matching input from the database and writing a run's proposals back."""

import datetime
import time
from collections import Counter, defaultdict

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from communities.models import Community, Resident, Street
from organizations.models import Agreement, Organization
from organizations.queries import agreements_in_force
from sanlian import stored_text
from sanlian.audit import audit_record
from sanlian.bulk_rows import rows_insert
from sanlian.refusals import refuse
from services.matching import core as matching
from services.matching.domain import matches_withdraw_proposed
from services.matching.locks import matching_scope_held
from services.matching.rules import CITY, run_matching_refusal
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


def scope_community_ids(
    *, street: Street | None, community: Community | None, city: bool = False
) -> list[int]:
    """The communities of a scope: one community, a street's, or every one (city-wide)."""
    if [street is not None, community is not None, city].count(True) != 1:
        raise ValueError("Pass exactly one of street, community or city=True.")
    if city:
        return list(Community.objects.values_list("pk", flat=True))
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
        "preferred_organization_id", "excluded_organization_id",
    ))  # fmt: skip
    served_by = _organizations_that_served(community_ids)
    # Today and the zone once per run, not per request (40k look-ups were ~0.6 s at 20k).
    today, zone = timezone.localdate(), timezone.get_current_timezone()
    return [_request_input(row, week_start, served_by, today, zone) for row in rows]


def _organizations_that_served(community_ids: list[int]) -> dict[int, frozenset[int]]:
    """Resident id → organizations that accepted one of the resident's requests before,
    for the residents of the scope (by community: a list of every resident id made the
    query text alone cost seconds city-wide)."""
    rows = (
        Match.objects.filter(
            request__resident__community_id__in=community_ids, status=Match.Status.ACCEPTED
        )
        .values_list("request__resident_id", "offering__organization_id")
        .distinct()
    )
    by_resident: dict[int, set[int]] = defaultdict(set)
    for resident_id, organization_id in rows:
        by_resident[resident_id].add(organization_id)
    return {resident_id: frozenset(orgs) for resident_id, orgs in by_resident.items()}


def _request_input(
    row: dict, week_start: datetime.date, served_by, today: datetime.date, zone
) -> matching.RequestInput:
    born = row["resident__birth_date"]
    age = (
        week_start.year - born.year - ((week_start.month, week_start.day) < (born.month, born.day))
    )
    filed = row["created_at"].astimezone(zone).date()
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
        days_waited=max((today - filed).days, 0),
        lat=_float(row["resident__community__latitude"]),
        lon=_float(row["resident__community__longitude"]),
        served_by_organization_ids=served_by.get(row["resident_id"], frozenset()),
        preferred_organization_id=row["preferred_organization_id"],
        excluded_organization_id=row["excluded_organization_id"],
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
    # EXISTS, not a join on the listed communities + DISTINCT: city-wide the join made
    # ~260k rows for 10k offerings to de-duplicate (14 s of a run, measured 2026-12-03).
    listed = ServiceOffering.communities.through.objects.filter(
        serviceoffering_id=OuterRef("pk"), community_id__in=community_ids
    )
    return (
        ServiceOffering.objects.filter(
            Q(Exists(listed)) | Q(organization_id__in=agreed_orgs),
            status=ServiceOffering.Status.ACTIVE,
            organization__status=Organization.Status.APPROVED,
            service_type_id__in=service_type_ids,
        )
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
    *,
    street: Street | None = None,
    community: Community | None = None,
    city: bool = False,
    week_start: datetime.date,
) -> tuple[list[matching.RequestInput], list[matching.OfferingInput]]:
    """Open requests in scope and the offerings able to serve them that week (8 queries).

    Offerings with no place left that week come too (remaining 0): the core takes no
    proposal for them, but can tell a request that the offering is full.
    """
    community_ids = scope_community_ids(street=street, community=community, city=city)
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


def matching_run(
    *,
    user,
    street: Street | None = None,
    community: Community | None = None,
    city: bool = False,
    week_start: datetime.date,
    progress=None,
) -> MatchingRun:
    """Solve one scope (a community, a street or the whole city) for one week.

    Three steps, and no transaction open while solving: read a snapshot of the open
    requests and offerings (one short read transaction), solve it in memory, then write
    the proposals and the unserved verdicts in one short transaction that re-checks what
    the solve could not see (`_write`). The scope's advisory locks (locks.py) are held
    across all three, so a run over an overlapping scope and week at the same moment is
    refused. Earlier proposals for the same requests and week are withdrawn in the write,
    so a request never carries two open proposals. `progress(percent)` is told after the
    read and after the solve (the job page shows it).
    """
    refuse(
        run_matching_refusal(user, matching_scope(street=street, community=community, city=city))
    )
    week_check_not_past(week_start)
    began = time.perf_counter()
    community_ids = scope_community_ids(street=street, community=community, city=city)
    with matching_scope_held(community_ids=community_ids, week_start=week_start):
        with transaction.atomic():
            requests, offerings = matching_candidates(
                street=street, community=community, city=city, week_start=week_start
            )
            lapsed = _lapsed_keys(community_ids, requests, week_start)
        if progress:
            progress(30)
        result = matching.plan(requests, offerings, lapsed=lapsed)
        if progress:
            progress(70)
        with transaction.atomic():
            run = MatchingRun.objects.create(
                street=street, community=community, week_start=week_start, started_by=user
            )
            written, skipped = _write(run, user, requests, offerings, result, community_ids)
            run.stats = _stats(requests, offerings, written, time.perf_counter() - began)
            run.stats["skipped"] = skipped
            run.finished_at = timezone.now()
            run.save(update_fields=["stats", "finished_at"])
            audit_record(actor=user, instance=run, action="create", after=run.stats)
    return run


def matching_scope(*, street=None, community=None, city: bool = False):
    """What `run_matching_refusal` checks: CITY, a street or a community."""
    return CITY if city else (street or community)


def _write(run: MatchingRun, user, requests, offerings, result: matching.Plan, community_ids):
    """Store the plan, re-checking in this transaction what changed while it was solved.

    A request cancelled, or matched by hand, since the snapshot gets neither a proposal
    nor a verdict; an offering that since lost places (confirmed elsewhere, paused, its
    organization suspended) keeps only the proposals it still has room for, highest
    priority first, and the rest are told "changed" (code `changed`). Returns the plan
    as written and the skipped counts by reason.
    """
    ids = [r.id for r in requests]
    # Locked by scope, not by a list of every id (city-wide 100k ids in the query text
    # cost seconds to build); a request that left the scope meanwhile gets nothing.
    still_open = set(
        ServiceRequest.objects.select_for_update(of=("self",))
        .filter(status=ServiceRequest.Status.OPEN, resident__community_id__in=community_ids)
        .exclude(matches__status__in=Match.HOLDING)
        .order_by("pk")
        .values_list("pk", flat=True)
    ).intersection(ids)
    room = _places_now([o.id for o in offerings], run.week_start)
    proposals, changed = [], []
    for proposal in sorted(result.proposals, key=lambda p: (-p.priority, p.request_id)):
        if proposal.request_id not in still_open:
            continue
        if room.get(proposal.offering_id, 0) <= 0:
            changed.append(matching.Unserved(proposal.request_id, UnservedRequest.Code.CHANGED))
            continue
        room[proposal.offering_id] -= 1
        proposals.append(proposal)
    unserved = [u for u in result.unserved if u.request_id in still_open] + changed
    stale = [i for i in ids if i not in still_open]
    # Every open request of the scope: those of the snapshot, and any filed since (none of
    # which has a proposal this week, as no other run of the scope could have written).
    matches_withdraw_proposed(
        matches=Match.objects.filter(
            week_start=run.week_start,
            request__status=ServiceRequest.Status.OPEN,
            request__resident__community_id__in=community_ids,
        ),
        actor=user,
        reason=stored_text.text(gettext_noop("重新匹配")),
    )
    _proposals_store(run, proposals)
    _unserved_store(run, [i for i in ids if i in still_open], unserved)
    skipped = {"request_changed": len(stale), "offering_changed": len(changed)}
    return matching.Plan(proposals, unserved), skipped


def _places_now(offering_ids: list[int], week_start: datetime.date) -> dict[int, int]:
    """Places each offering has left that week, read now; 0 once it stopped taking requests."""
    offerings = ServiceOffering.objects.filter(
        pk__in=offering_ids,
        status=ServiceOffering.Status.ACTIVE,
        organization__status=Organization.Status.APPROVED,
    ).values_list("pk", "weekly_capacity")
    weeks = dict(
        OfferingWeek.objects.filter(offering_id__in=offering_ids, week_start=week_start)
        .annotate(left=F("capacity") - F("reserved"))
        .values_list("offering_id", "left")
    )
    return {pk: weeks.get(pk, capacity) for pk, capacity in offerings}


def _unserved_store(run: MatchingRun, request_ids, unserved: list[matching.Unserved]) -> None:
    """This run's verdicts become the current ones for every request it covered."""
    UnservedRequest.objects.filter(request_id__in=request_ids, current=True).update(current=False)
    rows_insert(
        model=UnservedRequest,
        columns=("run_id", "request_id", "week_start", "code", "blocking", "current"),
        rows=((run.pk, u.request_id, run.week_start, u.code, u.blocking, True) for u in unserved),
    )


def _proposals_store(run: MatchingRun, proposals: list[matching.Proposal]) -> None:
    """One proposed match per proposal, as plain rows (COPY on PostgreSQL)."""
    now = timezone.now()
    rows_insert(
        model=Match,
        columns=(
            "request_id", "offering_id", "run_id", "week_start", "score", "distance_km",
            "reason", "reason_facts", "status", "proposed_at", "response_note",
        ),
        rows=(
            (
                p.request_id, p.offering_id, run.pk, run.week_start, p.priority, p.distance_km,
                p.reason[:300], list(p.reason_facts) or None, Match.Status.PROPOSED, now, "",
            )
            for p in proposals
        ),
    )  # fmt: skip


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
