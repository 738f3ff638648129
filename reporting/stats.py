"""Aggregate figures for dashboards: the one implementation, shared by the API and pages.

Every function takes a `StatsFilter` and returns plain dicts (JSON-ready). Each
figure is computed by a handful of grouped queries, whatever the number of
communities. Counts about residents (requests, visits, people served, ratings)
that fall between 1 and SUPPRESSION_THRESHOLD - 1 are suppressed: the value is
None and "suppressed" is True, so no one can be singled out from a small cell.
Zero is shown, as it points at no one.
"""

import datetime
import hashlib
import statistics
import time
from contextvars import ContextVar
from dataclasses import asdict, dataclass, replace
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.cache import cache
from django.db.models import Avg, Count, F, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, TruncWeek
from django.utils import timezone

from casework.models import Assessment
from communities.models import (
    FACILITY_M2_PER_100_HOUSEHOLDS_TARGET,
    SOCIAL_WORKER_TARGET,
    Community,
    Resident,
)
from communities.queries import communities_visible_to
from organizations.models import Agreement
from projects.models import Contract, Incubation
from projects.progress import contract_verified_total
from sanlian.roles import CITY_WIDE
from sanlian.routers import statistics_reads
from sanlian.suppression import suppressed_cells
from services.allowances.models import month_start, yuan
from services.models import (
    CareAccount,
    Feedback,
    LedgerEntry,
    ServiceRequest,
    SettlementLine,
    SettlementStatement,
    UnservedRequest,
    Visit,
)
from socialworkers.models import SocialWorker

SUPPRESSION_THRESHOLD = 5
CACHE_SECONDS = 60
# The city-wide figures are recomputed by beat every WARM_INTERVAL_SECONDS (stats_warm) and
# kept WARM_SECONDS, so a dashboard never waits for the cold computation.
WARM_INTERVAL_SECONDS = 60
WARM_SECONDS = 5 * 60
# A cold figure is computed by one process at a time; the others wait up to this long for
# it (a city-wide overview takes ~5 s cold at a million visits, docs/benchmarks.md).
COMPUTING_SECONDS = 30
_refreshing: ContextVar[bool] = ContextVar("stats_refreshing", default=False)
DEFAULT_WEEKS = 12
# Whole-city readers; other staff are held to the communities they work for.

# Group keys, relative to Community, and the labels each level reports.
LEVELS = {
    "city": (None, {}),
    "district": (
        "street__district",
        {"code": "street__district__code", "name": "street__district__name"},
    ),
    "street": (
        "street",
        {
            "code": "street__code",
            "name": "street__name",
            "district": "street__district",
            "district_name": "street__district__name",
        },
    ),
    "community": (
        "id",
        {
            "code": "code",
            "name": "name",
            "pilot_batch": "pilot_batch",
            "street": "street",
            "street_name": "street__name",
            "district": "street__district",
            "district_name": "street__district__name",
        },
    ),
}

# Paths from each counted model to Community.
_SOCIAL_WORKER_LINK = "community"
_AGREEMENT = "community"
_REQUEST = "resident__community"
_VISIT = "request__resident__community"
_FEEDBACK = "visit__request__resident__community"


@dataclass(frozen=True)
class StatsFilter:
    """What to count. `community_ids` is the caller's scope (None = the whole city)."""

    district: int | None = None
    street: int | None = None
    pilot_batch: str | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    community_ids: frozenset[int] | None = None

    def cache_key(self, name: str) -> str:
        data = asdict(self)
        if self.community_ids is not None:
            data["community_ids"] = sorted(self.community_ids)
        digest = hashlib.sha256(repr(sorted(data.items())).encode()).hexdigest()[:24]
        return f"stats:v1:{name}:{digest}"

    def public(self) -> dict:
        """The filters as echoed in a response (never the caller's scope)."""
        return {
            "district": self.district,
            "street": self.street,
            "pilot_batch": self.pilot_batch,
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
        }


def figure(count: int | None) -> dict:
    """A count of people, suppressed when it is small enough to point at someone."""
    count = count or 0
    if 0 < count < SUPPRESSION_THRESHOLD:
        return {"value": None, "suppressed": True}
    return {"value": count, "suppressed": False}


def _guarded(value, basis: int | None) -> dict:
    """A value derived from `basis` people (an average, a median), suppressed with it."""
    if not basis or basis < SUPPRESSION_THRESHOLD:
        return {"value": None, "suppressed": bool(basis)}
    return {"value": value, "suppressed": False}


def _bounds(stats_filter: StatsFilter) -> tuple[datetime.datetime | None, ...]:
    def start_of(day: datetime.date) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))

    start = start_of(stats_filter.date_from) if stats_filter.date_from else None
    end = (
        start_of(stats_filter.date_to + datetime.timedelta(days=1))
        if stats_filter.date_to
        else None
    )
    return start, end


def _in_period(field: str, stats_filter: StatsFilter) -> Q:
    start, end = _bounds(stats_filter)
    condition = Q()
    if start:
        condition &= Q(**{f"{field}__gte": start})
    if end:
        condition &= Q(**{f"{field}__lt": end})
    return condition


def stats_scope(user) -> frozenset[int] | None:
    """The communities `user` may count: None (the whole city) for city-wide readers.

    The API and the dashboard pages both call this, so their figures agree.
    """
    if user.role in CITY_WIDE:
        return None
    return frozenset(communities_visible_to(user).values_list("pk", flat=True))


def communities_in(stats_filter: StatsFilter) -> QuerySet[Community]:
    communities = Community.objects.all()
    if stats_filter.community_ids is not None:
        communities = communities.filter(pk__in=stats_filter.community_ids)
    if stats_filter.district:
        communities = communities.filter(street__district_id=stats_filter.district)
    if stats_filter.street:
        communities = communities.filter(street_id=stats_filter.street)
    if stats_filter.pilot_batch is not None:
        communities = communities.filter(pilot_batch=stats_filter.pilot_batch)
    return communities


def _grouped(queryset: QuerySet, path: str, level: str, **aggregates) -> dict:
    """{group id: {aggregate: value}}; one query. `path` leads from the model to Community."""
    key, _labels = LEVELS[level]
    if key is None:
        return {None: queryset.aggregate(**aggregates)}
    field = f"{path}__{key}" if path else key
    rows = queryset.order_by().values(field).annotate(**aggregates)
    return {row.pop(field): row for row in rows}


def _ratio(area: Decimal | None, households: int | None) -> float | None:
    if not households:
        return None
    return float((Decimal(area or 0) * 100 / households).quantize(Decimal("0.1")))


def _area_rows(stats_filter: StatsFilter, level: str) -> list[dict]:
    """Facts of the communities themselves, grouped; one query."""
    key, labels = LEVELS[level]
    communities = communities_in(stats_filter).order_by()
    aggregates = {
        "communities": Count("id"),
        "pilot_communities": Count("id", filter=~Q(pilot_batch="")),
        "households_sum": Sum("households"),
        "residents_60_plus_sum": Sum("residents_60_plus"),
        "facility_area_sum": Sum("facility_area_m2"),
    }
    if key is None:
        return [{"key": None, **communities.aggregate(**aggregates)}]
    rows = communities.values(key, *labels.values()).annotate(**aggregates).order_by(key)
    return [
        {"key": row[key], "labels": {name: row[path] for name, path in labels.items()}, **row}
        for row in rows
    ]


def _figures_by_group(stats_filter: StatsFilter, level: str) -> dict[str, dict]:
    """The counted figures per group; five queries whatever the number of groups."""
    scope = communities_in(stats_filter).values("pk")
    workers = SocialWorker.communities.through.objects.filter(
        community_id__in=scope, socialworker__active=True
    )
    agreements = Agreement.objects.filter(community_id__in=scope, status=Agreement.Status.ACTIVE)
    requests = ServiceRequest.objects.filter(
        _in_period("created_at", stats_filter), resident__community_id__in=scope
    )
    visits = Visit.objects.filter(
        _in_period("scheduled_start", stats_filter), request__resident__community_id__in=scope
    )
    feedback = Feedback.objects.filter(
        _in_period("visit__scheduled_start", stats_filter),
        visit__request__resident__community_id__in=scope,
    )
    completed = Q(status=Visit.Status.COMPLETED)
    return {
        "social_workers": _grouped(
            workers, _SOCIAL_WORKER_LINK, level, n=Count("socialworker", distinct=True)
        ),
        "organizations": _grouped(
            agreements, _AGREEMENT, level, n=Count("organization", distinct=True)
        ),
        "requests": _grouped(requests, _REQUEST, level, n=Count("id")),
        "visits": _grouped(
            visits,
            _VISIT,
            level,
            n=Count("id", filter=completed),
            people=Count("request__resident", distinct=True, filter=completed),
        ),
        "ratings": _grouped(feedback, _FEEDBACK, level, n=Count("id"), average=Avg("rating")),
    }


def _row(area: dict, figures: dict[str, dict]) -> dict:
    key = area["key"]

    def get(name: str, field: str = "n"):
        return (figures[name].get(key) or {}).get(field) or 0

    communities = area["communities"] or 0
    workers = get("social_workers")
    per_community = round(workers / communities, 1) if communities else None
    ratio = _ratio(area["facility_area_sum"], area["households_sum"])
    ratings = get("ratings")
    average = get("ratings", "average")
    return {
        **({"id": key, **area["labels"]} if key is not None else {}),
        "communities": communities,
        "pilot_communities": area["pilot_communities"] or 0,
        "households": area["households_sum"] or 0,
        "residents_60_plus": area["residents_60_plus_sum"] or 0,
        "facility_area_m2": float(area["facility_area_sum"] or 0),
        "facility_m2_per_100_households": ratio,
        "facility_target": FACILITY_M2_PER_100_HOUSEHOLDS_TARGET,
        "meets_facility_target": ratio is not None
        and ratio >= FACILITY_M2_PER_100_HOUSEHOLDS_TARGET,
        "social_workers": workers,
        "social_workers_per_community": per_community,
        "social_worker_target": SOCIAL_WORKER_TARGET,
        "meets_social_worker_target": per_community is not None
        and per_community >= SOCIAL_WORKER_TARGET,
        "organizations_entered": get("organizations"),
        "requests": figure(get("requests")),
        "visits_completed": figure(get("visits")),
        "residents_served": figure(get("visits", "people")),
        "ratings": figure(ratings),
        "average_rating": _guarded(round(float(average), 2) if average else None, ratings),
    }


def _rows(stats_filter: StatsFilter, level: str) -> list[dict]:
    figures = _figures_by_group(stats_filter, level)
    rows = [_row(area, figures) for area in _area_rows(stats_filter, level)]
    hidden = _hidden_cells(stats_filter)
    for row in rows:
        node = (level, row["id"]) if level != "city" else _filter_node(stats_filter)
        for field, metric in _ROW_METRICS.items():
            if hidden(metric, node):
                row[field] = _HIDDEN
        if row["ratings"]["suppressed"]:
            row["average_rating"] = _HIDDEN
    return rows


# --- Complementary suppression (sanlian/suppression.py) ------------------------------------
# Which cells to hide is decided once per scope and period over the whole tree of
# communities, streets, districts and the city, for every published people count and
# status count, and the same decision applies to every endpoint and area filter: a
# street's row, its figures under ?street= and its communities' rows never disagree.

_HIDDEN = {"value": None, "suppressed": True}
_ROW_METRICS = {
    "requests": "requests",
    "visits_completed": "visits",
    "residents_served": "people",
    "ratings": "ratings",
}
_TREE = ("community", "street", "district", "city")


def _filter_node(stats_filter: StatsFilter) -> tuple:
    if stats_filter.street:
        return ("street", stats_filter.street)
    if stats_filter.district:
        return ("district", stats_filter.district)
    return ("city", None)


def _status_metric(family: str, status: str) -> str:
    # A completed visit is the "visits completed" figure itself: one cell, not two.
    return (
        "visits" if (family, status) == ("visits", Visit.Status.COMPLETED) else f"{family}:{status}"
    )


def _community_counts(stats_filter: StatsFilter) -> tuple[dict, dict]:
    """{metric: {community id: count}} and {community id: (street id, district id)}."""
    areas = _area_rows(stats_filter, "community")
    figures = _figures_by_group(stats_filter, "community")
    counts = {
        metric: {key: (row.get(field) or 0) for key, row in figures[name].items()}
        for metric, (name, field) in {
            "requests": ("requests", "n"),
            "visits": ("visits", "n"),
            "people": ("visits", "people"),
            "ratings": ("ratings", "n"),
        }.items()
    }
    scope = communities_in(stats_filter).values("pk")
    for family, model, path, field in (
        ("requests", ServiceRequest, _REQUEST, "created_at"),
        ("visits", Visit, _VISIT, "scheduled_start"),
    ):
        rows = (
            model.objects.filter(_in_period(field, stats_filter), **{f"{path}_id__in": scope})
            .order_by()
            .values_list(f"{path}_id", "status")
            .annotate(n=Count("id"))
        )
        for community, status, n in rows:
            counts.setdefault(_status_metric(family, status), {})[community] = n
    parents = {a["key"]: (a["labels"]["street"], a["labels"]["district"]) for a in areas}
    return counts, parents


def _suppression_tree(stats_filter: StatsFilter) -> dict:
    counts, parents = _community_counts(stats_filter)
    values, groups = {}, []
    for metric, by_community in counts.items():
        children: dict[tuple, list[tuple]] = {}
        for community, (street, district) in parents.items():
            leaf = ("community", community)
            values[(metric, *leaf)] = by_community.get(community, 0)
            for child, parent in (
                (leaf, ("street", street)),
                (("street", street), ("district", district)),
                (("district", district), ("city", None)),
            ):
                siblings = children.setdefault(parent, [])
                if child not in siblings:
                    siblings.append(child)
        for level in _TREE[1:]:
            for parent, kids in children.items():
                if parent[0] == level:
                    values[(metric, *parent)] = sum(values[(metric, *kid)] for kid in kids)
        groups += [
            ((metric, *parent), [(metric, *kid) for kid in kids])
            for parent, kids in children.items()
        ]
    statuses = [m for m in counts if m.startswith("requests:")]
    nodes = {cell[1:] for cell in values}
    groups += [(("requests", *node), [(m, *node) for m in statuses]) for node in nodes]
    hidden = suppressed_cells(values, groups, threshold=SUPPRESSION_THRESHOLD)
    below = set(hidden)  # a node "has something hidden" when it or a descendant is hidden
    for metric, *leaf in list(hidden):
        if leaf[0] == "community":
            street, district = parents[leaf[1]]
            below |= {
                (metric, "street", street),
                (metric, "district", district),
                (metric, "city", None),
            }
    return {"hidden": hidden, "below": below}


def _hidden_cells(stats_filter: StatsFilter):
    """A predicate (metric, node) -> hidden, for figures computed under `stats_filter`."""
    canonical = StatsFilter(
        date_from=stats_filter.date_from,
        date_to=stats_filter.date_to,
        community_ids=stats_filter.community_ids,
    )
    tree = _cached("suppression", canonical, lambda: _suppression_tree(canonical))
    if stats_filter.pilot_batch is None:
        return lambda metric, node: (metric, *node) in tree["hidden"]
    # A pilot subset is a new total for every area: it is shown only when nothing under the
    # area is hidden, else the unfiltered total minus it would give the rest back.
    return lambda metric, node: (metric, *node) in tree["below"]


def _by_status(queryset: QuerySet, choices) -> dict:
    counts = dict(queryset.order_by().values_list("status").annotate(n=Count("id")))
    return {status: figure(counts.get(status, 0)) for status in choices.values}


def _hidden_by_status(counts: dict, family: str, stats_filter: StatsFilter) -> dict:
    hidden, node = _hidden_cells(stats_filter), _filter_node(stats_filter)
    return {
        status: _HIDDEN if hidden(_status_metric(family, status), node) else cell
        for status, cell in counts.items()
    }


def _median_days_to_first_visit(stats_filter: StatsFilter) -> dict:
    """Days from a request to its first visit that took place (checked in or completed)."""
    took_place = Q(visits__status__in=(Visit.Status.IN_PROGRESS, Visit.Status.COMPLETED))
    pairs = (
        ServiceRequest.objects.filter(
            _in_period("created_at", stats_filter),
            resident__community_id__in=communities_in(stats_filter).values("pk"),
        )
        .annotate(
            first_visit=Min(
                Coalesce("visits__checked_in_at", "visits__scheduled_start"), filter=took_place
            )
        )
        .filter(first_visit__isnull=False)
        .values_list("created_at", "first_visit")
    )
    days = [max((first - created).total_seconds(), 0) / 86400 for created, first in pairs]
    median = round(statistics.median(days), 1) if days else None
    return _guarded(median, len(days))


def _cached(name: str, stats_filter: StatsFilter, compute) -> dict:
    """The figure from the cache (or computed now), stamped with its true age.

    `computed_at` is when the computation started reading, so nothing in the figure is
    older than it (a replica may add its lag); `age_seconds` is measured when it is
    served, however long it sat in the cache. No cached figure is older than
    `max_age_seconds`: cold ones are kept CACHE_SECONDS, warmed ones WARM_SECONDS.
    """

    def build() -> dict:
        computed_at = timezone.localtime().isoformat()
        # Aggregates read from the replica when DATABASE_REPLICA_URL names one.
        with statistics_reads():
            figures = compute()
        return {
            "computed_at": computed_at,
            "generated_at": computed_at,  # the older name, kept for existing clients
            "max_age_seconds": WARM_SECONDS,
            "filters": stats_filter.public(),
            **figures,
        }

    key = stats_filter.cache_key(name)
    if _refreshing.get():
        # stats_warm: compute anew and keep it until well after the next warm-up.
        value = build()
        cache.set(key, value, WARM_SECONDS)
    elif (value := cache.get(key)) is None:
        value = _computed_once(key, build)
    return _aged(value)


def _aged(value: dict) -> dict:
    computed_at = datetime.datetime.fromisoformat(value["computed_at"])
    age = (timezone.now() - computed_at).total_seconds()
    return {**value, "age_seconds": max(0, int(age))}


def _computed_once(key: str, build) -> dict:
    """Compute a cold figure in one process; the others wait for it instead of repeating it.

    After a cache flush every open dashboard asks at once; without this each request
    would run the same GROUP BYs over a million rows side by side on the database.
    """
    computing = f"{key}:computing"
    if cache.add(computing, 1, COMPUTING_SECONDS):
        try:
            value = build()
            cache.set(key, value, CACHE_SECONDS)
            return value
        finally:
            cache.delete(computing)
    deadline = time.monotonic() + COMPUTING_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.05)  # a bounded wait for another process's result
        if (value := cache.get(key)) is not None:
            return value
        if cache.get(computing) is None:
            break  # that process failed: compute here
    value = build()
    cache.set(key, value, CACHE_SECONDS)
    return value


def stats_overview(stats_filter: StatsFilter) -> dict:
    """City (or scope) totals: pilots, organizations entered, workers, people served, statuses."""

    def compute() -> dict:
        city = _rows(stats_filter, "city")[0]
        scope = communities_in(stats_filter).values("pk")
        requests = ServiceRequest.objects.filter(
            _in_period("created_at", stats_filter), resident__community_id__in=scope
        )
        visits = Visit.objects.filter(
            _in_period("scheduled_start", stats_filter), request__resident__community_id__in=scope
        )
        return {
            "communities": city["communities"],
            "pilot_communities": city["pilot_communities"],
            "organizations_entered": city["organizations_entered"],
            "social_workers": city["social_workers"],
            "residents_60_plus_served": city["residents_served"],
            "requests_by_status": _hidden_by_status(
                _by_status(requests, ServiceRequest.Status), "requests", stats_filter
            ),
            "visits_by_status": _hidden_by_status(
                _by_status(visits, Visit.Status), "visits", stats_filter
            ),
            "median_days_to_first_visit": _median_days_to_first_visit(stats_filter),
            "average_satisfaction": city["average_rating"],
            "ratings": city["ratings"],
            "allowances": _allowances_this_month(stats_filter),
        }

    return _cached("overview", stats_filter, compute)


def stats_by_area(stats_filter: StatsFilter, *, level: str) -> dict:
    """Indicators per community, street or district (or one row for the city), vs the targets."""
    if level not in ("community", "street", "district", "city"):
        raise ValueError(level)
    return _cached(level, stats_filter, lambda: {"results": _rows(stats_filter, level)})


# --- Monetary elderly care (货币养老) ----------------------------------------------------------

_ACCOUNT = "resident__community"
_LEDGER = "account__resident__community"


def _months(stats_filter: StatsFilter) -> tuple[datetime.date, datetime.date]:
    """First and last month (first days) of the period; the current month by default."""
    this_month = month_start(timezone.localdate())
    first = month_start(stats_filter.date_from or stats_filter.date_to or this_month)
    last = month_start(stats_filter.date_to) if stats_filter.date_to else max(first, this_month)
    return first, last


def _after(month: datetime.date) -> datetime.date:
    return month_start(month + datetime.timedelta(days=31))


def _suppressed(basis: int | None) -> bool:
    return 0 < (basis or 0) < SUPPRESSION_THRESHOLD


def _money(fen: int | None, basis: int | None) -> dict:
    """An amount in yuan ("1234.50") that `basis` residents account for; see stats_allowances."""
    if _suppressed(basis):
        return {"value": None, "suppressed": True}
    return {"value": yuan(fen or 0), "suppressed": False}


def _count_of(count: int | None, basis: int | None) -> dict:
    """A count of things (visits, entries) about `basis` residents, suppressed with them."""
    if _suppressed(basis):
        return {"value": None, "suppressed": True}
    return figure(count)


def _allowance_raw(stats_filter: StatsFilter, level: str) -> dict:
    """{group id: raw sums in fen and distinct residents}; two queries whatever the groups.

    Credits count by the month they are for; debits, co-payments and corrections by the
    day they were booked. Care accounts: those opened before the period ends.
    """
    first, last = _months(stats_filter)
    start, _end = _bounds(StatsFilter(date_from=first))
    _start, end = _bounds(StatsFilter(date_to=_after(last) - datetime.timedelta(days=1)))
    scope = communities_in(stats_filter).values("pk")
    kind = LedgerEntry.Kind
    credit = Q(kind=kind.CREDIT)
    debit = Q(kind=kind.VISIT_DEBIT)
    copay = Q(kind=kind.CO_PAYMENT)
    correction = Q(kind=kind.CORRECTION)
    entries = LedgerEntry.objects.filter(
        (credit & Q(month__gte=first, month__lte=last))
        | (~credit & Q(created_at__gte=start, created_at__lt=end)),
        account__resident__community_id__in=scope,
    )
    ledger = _grouped(
        entries,
        _LEDGER,
        level,
        credited_residents=Count("account", distinct=True, filter=credit),
        credited_total=Sum("amount_fen", filter=credit),
        paid_residents=Count("account", distinct=True, filter=debit),
        paid_visits=Count("visit", distinct=True, filter=debit),
        debit_total=Sum("amount_fen", filter=debit),
        copay_residents=Count("account", distinct=True, filter=copay),
        copay_total=Sum("copay_fen", filter=copay),
        corrected_residents=Count("account", distinct=True, filter=correction),
        corrections=Count("id", filter=correction),
        correction_amount_total=Sum("amount_fen", filter=correction),
        correction_copay_total=Sum("copay_fen", filter=correction),
    )
    accounts = _grouped(
        CareAccount.objects.filter(resident__community_id__in=scope, opened_at__lt=end),
        _ACCOUNT,
        level,
        accounts=Count("id"),
    )
    return {
        key: {**(accounts.get(key) or {}), **(ledger.get(key) or {})}
        for key in {*accounts, *ledger}
    }


def _allowance_figures(raw: dict) -> dict:
    def get(name: str) -> int:
        return raw.get(name) or 0

    return {
        "care_accounts": figure(get("accounts")),
        "residents_credited": figure(get("credited_residents")),
        "credited": _money(get("credited_total"), get("credited_residents")),
        "residents_paid_for_visits": figure(get("paid_residents")),
        "visits_paid_from_allowances": _count_of(get("paid_visits"), get("paid_residents")),
        "paid_from_allowances": _money(-get("debit_total"), get("paid_residents")),
        "co_payments": _money(get("copay_total"), get("copay_residents")),
        "corrections": {
            "entries": _count_of(get("corrections"), get("corrected_residents")),
            "allowance_change": _money(get("correction_amount_total"), get("corrected_residents")),
            "co_payment_change": _money(get("correction_copay_total"), get("corrected_residents")),
        },
    }


def _summed(rows) -> dict:
    """Raw figures of several groups added up (a resident is in one group only)."""
    total: dict = {}
    for row in rows:
        for name, value in row.items():
            total[name] = total.get(name, 0) + (value or 0)
    return total


def _statements_by_status(stats_filter: StatsFilter) -> dict:
    """Settlement statements of the period by status, from their lines in the area; one query."""
    first, last = _months(stats_filter)
    rows = (
        SettlementLine.objects.filter(
            community_id__in=communities_in(stats_filter).values("pk"),
            statement__month__gte=first,
            statement__month__lte=last,
        )
        .order_by()
        .values("statement__status")
        .annotate(
            statements=Count("statement", distinct=True),
            visits=Count("id"),
            residents=Count("resident", distinct=True),
            allowance_total=Sum("allowance_fen"),
            copay_total=Sum("copay_fen"),
        )
    )
    found = {row["statement__status"]: row for row in rows}
    result = {}
    for status in SettlementStatement.Status.values:
        row = found.get(status) or {}
        residents = row.get("residents") or 0
        result[status] = {
            "statements": row.get("statements") or 0,
            "visits": _count_of(row.get("visits"), residents),
            "allowance": _money(row.get("allowance_total"), residents),
            "co_payments": _money(row.get("copay_total"), residents),
        }
    return result


def _allowances_this_month(stats_filter: StatsFilter) -> dict:
    """The overview's block: accounts and this month's credits and visit payments; 2 queries."""
    area = replace(stats_filter, date_from=None, date_to=None)
    figures = _allowance_figures(_allowance_raw(area, "city").get(None) or {})
    return {
        "care_accounts": figures["care_accounts"],
        "credited_this_month": figures["credited"],
        "paid_from_allowances_this_month": figures["paid_from_allowances"],
    }


# The rows stats_allowances may break its totals into, and the key they are listed under.
ALLOWANCE_BREAKDOWNS = {"district": "districts", "street": "streets", "community": "communities"}


def stats_allowances(stats_filter: StatsFilter, *, breakdown: str = "district") -> dict:
    """Care allowances of the area for whole months, with a row per district; four queries.

    `breakdown` "street" or "community" lists a row per street or community instead, under
    "streets" or "communities" (ALLOWANCE_BREAKDOWNS); the totals are the same.

    The period is every month from `date_from`'s to `date_to`'s (the current month when
    neither is given). Credits count by the month they are for; visit debits, co-payments
    and corrections by the day they were booked; statements by their month, from their
    lines in the area (so a statement of several streets is counted in each).

    Counts of residents (accounts, residents credited or paid for) of 1–4 are suppressed
    like every other count of people. Amounts of money are not counts of people and are
    shown in yuan with two decimals ("1234.50"), unless the residents they come from number
    1–4: then the amount is suppressed together with that count, as it would single them
    out. The same holds for counts of visits, statement lines and correction entries.
    Corrections are reported on their own (signed); the other sums are gross.
    """

    rows_key = ALLOWANCE_BREAKDOWNS[breakdown]

    def compute() -> dict:
        first, last = _months(stats_filter)
        raw = _allowance_raw(stats_filter, breakdown)
        rows = []
        for area in _area_rows(stats_filter, breakdown):
            row = raw.get(area["key"]) or {}
            rows.append({"id": area["key"], **area["labels"], **_allowance_figures(row)})
        return {
            "months": {"first": f"{first:%Y-%m}", "last": f"{last:%Y-%m}"},
            **_allowance_figures(_summed(raw.values())),
            "statements_by_status": _statements_by_status(stats_filter),
            rows_key: rows,
        }

    name = "allowances" if breakdown == "district" else f"allowances:{breakdown}"
    return _cached(name, stats_filter, compute)


def _weeks(stats_filter: StatsFilter) -> tuple[datetime.date, datetime.date]:
    last = stats_filter.date_to or timezone.localdate()
    first = stats_filter.date_from or last - datetime.timedelta(weeks=DEFAULT_WEEKS - 1)
    return first - datetime.timedelta(days=first.weekday()), last


def _weekly(queryset: QuerySet, field: str, **aggregates) -> dict:
    rows = queryset.annotate(week=TruncWeek(field)).order_by().values("week").annotate(**aggregates)
    return {timezone.localtime(row.pop("week")).date(): row for row in rows}


def stats_weekly(stats_filter: StatsFilter) -> dict:
    """Requests filed, visits completed and ratings given per week (Monday to Sunday)."""
    first, last = _weeks(stats_filter)
    period = StatsFilter(**{**asdict(stats_filter), "date_from": first, "date_to": last})

    def compute() -> dict:
        scope = communities_in(period).values("pk")
        requests = _weekly(
            ServiceRequest.objects.filter(
                _in_period("created_at", period), resident__community_id__in=scope
            ),
            "created_at",
            n=Count("id"),
        )
        visits = _weekly(
            Visit.objects.filter(
                _in_period("scheduled_start", period),
                request__resident__community_id__in=scope,
                status=Visit.Status.COMPLETED,
            ),
            "scheduled_start",
            n=Count("id"),
        )
        ratings = _weekly(
            Feedback.objects.filter(
                _in_period("visit__scheduled_start", period),
                visit__request__resident__community_id__in=scope,
            ),
            "visit__scheduled_start",
            n=Count("id"),
            average=Avg(F("rating")),
        )
        series = []
        week = first
        while week <= last:
            rated = ratings.get(week, {})
            average = rated.get("average")
            series.append(
                {
                    "week_start": week.isoformat(),
                    "requests": figure(requests.get(week, {}).get("n")),
                    "visits_completed": figure(visits.get(week, {}).get("n")),
                    "ratings": figure(rated.get("n")),
                    "average_rating": _guarded(
                        round(float(average), 2) if average else None, rated.get("n")
                    ),
                }
            )
            week += datetime.timedelta(weeks=1)
        return {"results": series}

    return _cached("weekly", period, compute)


# --- Unmet demand (matching's unserved requests) ---------------------------------------------


def unmet_demand_requests(stats_filter: StatsFilter) -> QuerySet[UnservedRequest]:
    """The current verdict of every request still open that matching could not serve.

    A standing backlog: the date filters do not apply, the scope and area filters do.
    """
    return UnservedRequest.objects.filter(
        current=True,
        request__status=ServiceRequest.Status.OPEN,
        request__resident__community_id__in=communities_in(stats_filter).values("pk"),
    )


def stats_unmet_demand(stats_filter: StatsFilter) -> dict:
    """Unmet demand per service type and community, by reason: what to cultivate or buy."""

    def compute() -> dict:
        rows = (
            unmet_demand_requests(stats_filter)
            .order_by()
            .values(
                "request__service_type", "request__service_type__name",
                "request__resident__community", "request__resident__community__name", "code",
            )
            .annotate(n=Count("request", distinct=True))
        )  # fmt: skip
        groups: dict[tuple[int, int], dict] = {}
        by_type: dict[int, dict] = {}
        by_reason: dict[str, int] = dict.fromkeys(UnservedRequest.Code.values, 0)
        for row in rows:
            key = (row["request__service_type"], row["request__resident__community"])
            group = groups.setdefault(key, _unmet_group(row))
            group["reasons"][row["code"]] += row["n"]
            kind = by_type.setdefault(row["request__service_type"], _unmet_type(row))
            kind["reasons"][row["code"]] += row["n"]
            by_reason[row["code"]] += row["n"]
        results = sorted(groups.values(), key=lambda g: -sum(g["reasons"].values()))
        types = sorted(by_type.values(), key=lambda g: -sum(g["reasons"].values()))
        return {
            "total": figure(sum(by_reason.values())),
            "by_reason": {code: figure(n) for code, n in by_reason.items()},
            "results": [_unmet_figures(group) for group in results],
            # Summed over communities before suppression: the chart's bars per service.
            "by_service_type": [_unmet_figures(group) for group in types],
        }

    return _cached("unmet_demand", stats_filter, compute)


def _unmet_group(row: dict) -> dict:
    return {
        "service_type": row["request__service_type"],
        "service_type_name": row["request__service_type__name"],
        "community": row["request__resident__community"],
        "community_name": row["request__resident__community__name"],
        "reasons": dict.fromkeys(UnservedRequest.Code.values, 0),
    }


def _unmet_type(row: dict) -> dict:
    return {
        "service_type": row["request__service_type"],
        "service_type_name": row["request__service_type__name"],
        "reasons": dict.fromkeys(UnservedRequest.Code.values, 0),
    }


def _unmet_figures(group: dict) -> dict:
    reasons = group.pop("reasons")
    return {
        **group,
        "total": figure(sum(reasons.values())),
        "reasons": {code: figure(n) for code, n in reasons.items()},
    }


def stats_warm() -> list[str]:
    """Recompute the city-wide overview and area tables into the cache (a beat task).

    City-wide readers (civil affairs, dashboard tokens) then always hit a warm cache; the
    figures are at most WARM_INTERVAL_SECONDS old plus the computation (`age_seconds`) while
    beat runs, and never older than WARM_SECONDS.
    """
    city = StatsFilter()
    token = _refreshing.set(True)
    try:
        stats_overview(city)
        for level in ("district", "street", "community"):
            stats_by_area(city, level=level)
        stats_weekly(city)
        stats_allowances(city)
    finally:
        _refreshing.reset(token)
    return ["overview", "district", "street", "community", "weekly", "allowances"]


# --- Social work (casework/): assessed levels, overdue assessments, callback coverage -------


def _latest_signed(field: str) -> Subquery:
    latest = Assessment.objects.filter(
        resident=OuterRef("pk"), status=Assessment.Status.SIGNED
    ).order_by("-effective_at")
    return Subquery(latest.values(field)[:1])


def stats_casework(stats_filter: StatsFilter, *, today: datetime.date) -> dict:
    """Per community: residents by assessed level (0–4, None never assessed) and overdue
    reassessments; per organization: completed visits, callbacks made, confirmed (3 queries).
    """
    residents = Resident.objects.filter(
        community__in=communities_in(stats_filter), anonymised_at__isnull=True
    ).annotate(rank=_latest_signed("level_rank"), assessed_at=_latest_signed("effective_at"))
    levels: dict[int, dict] = {}
    for row in residents.order_by().values("community_id", "rank").annotate(n=Count("pk")):
        levels.setdefault(row["community_id"], {})[row["rank"]] = figure(row["n"])
    expired = today - relativedelta(months=settings.ASSESSMENT_VALID_MONTHS)
    overdue = dict(
        residents.filter(assessed_at__date__lt=expired)
        .order_by()
        .values_list("community_id")
        .annotate(n=Count("pk"))
    )
    visits = Visit.objects.filter(
        status=Visit.Status.COMPLETED,
        request__resident__community__in=communities_in(stats_filter),
    ).filter(_in_period("scheduled_start", stats_filter))
    callbacks = (
        visits.order_by()
        .values("offering__organization_id")
        .annotate(
            completed=Count("pk"),
            called=Count("callback", filter=Q(callback__status="done")),
            confirmed=Count("callback", filter=Q(callback__happened_as_logged=True)),
        )
    )
    return {
        "levels": levels,
        "overdue": {pk: figure(n) for pk, n in overdue.items()},
        "callbacks": {row.pop("offering__organization_id"): row for row in callbacks},
    }


# --- Government purchase of services (projects) -------------------------------------------


def _project_contracts(stats_filter: StatsFilter) -> QuerySet[Contract]:
    """Contracts serving at least one community in the filter (suspended ones included)."""
    scope = communities_in(stats_filter).values("pk")
    serving = Contract.objects.filter(communities__in=scope).values("pk")
    return Contract.objects.filter(pk__in=serving).select_related("organization")


def _project_contract_row(contract: Contract) -> dict:
    verified = contract_verified_total(contract=contract)
    return {
        "id": contract.pk,
        "title": contract.title,
        "organization": contract.organization.name,
        "category": contract.organization.category,
        "status": contract.status,
        "committed": yuan(contract.budget_fen),
        "paid": yuan(contract.paid_fen),
        "verified_visits": verified,
        # Paid so far per verified visit: what each delivered visit has cost the purchaser.
        "paid_per_verified_visit": yuan(contract.paid_fen // verified) if verified else None,
    }


def _project_funds_by_district(contracts: QuerySet[Contract]) -> list[dict]:
    """Committed and paid per district and organization category.

    A contract serving communities in several districts counts in each of them, so rows
    may add up to more than the totals, which count every contract once.
    """
    rows: dict[tuple, dict] = {}
    for contract in contracts.prefetch_related("communities__street__district"):
        districts = {c.street.district for c in contract.communities.all()}
        for district in districts:
            key = (district.name, district.pk, contract.organization.category)
            row = rows.setdefault(key, {"contracts": 0, "committed": 0, "paid": 0})
            row["contracts"] += 1
            row["committed"] += contract.budget_fen
            row["paid"] += contract.paid_fen
    return [
        {
            "district": pk,
            "district_name": name,
            "category": category,
            "contracts": row["contracts"],
            "committed": yuan(row["committed"]),
            "paid": yuan(row["paid"]),
        }
        for (name, pk, category), row in sorted(rows.items())
    ]


def _incubation_by_district(stats_filter: StatsFilter) -> list[dict]:
    """Organizations in, graduated from and withdrawn from incubation, per district (of the
    organization's home street) and category."""
    streets = communities_in(stats_filter).values("street_id")
    rows = (
        Incubation.objects.filter(organization__home_street__in=streets)
        .values(
            "organization__home_street__district_id",
            "organization__home_street__district__name",
            "organization__category",
        )
        .annotate(
            incubating=Count("pk", filter=Q(stage=Incubation.Stage.INCUBATING)),
            graduated=Count("pk", filter=Q(stage=Incubation.Stage.GRADUATED)),
            withdrawn=Count("pk", filter=Q(stage=Incubation.Stage.WITHDRAWN)),
        )
        .order_by("organization__home_street__district__name", "organization__category")
    )
    return [
        {
            "district": row["organization__home_street__district_id"],
            "district_name": row["organization__home_street__district__name"],
            "category": row["organization__category"],
            "incubating": row["incubating"],
            "graduated": row["graduated"],
            "withdrawn": row["withdrawn"],
        }
        for row in rows
    ]


def stats_projects(stats_filter: StatsFilter) -> dict:
    """Funds committed and paid to purchased-service contracts, per district and category,
    and the cost per verified visit of each contract (organizations, never people)."""

    def compute() -> dict:
        contracts = _project_contracts(stats_filter).order_by("pk")
        return {
            "contracts": contracts.count(),
            "committed": yuan(contracts.aggregate(total=Sum("budget_fen"))["total"] or 0),
            "paid": yuan(contracts.aggregate(total=Sum("paid_fen"))["total"] or 0),
            "by_district_and_category": _project_funds_by_district(contracts),
            "results": [_project_contract_row(contract) for contract in contracts],
            "incubation_by_district_and_category": _incubation_by_district(stats_filter),
        }

    return _cached("projects", stats_filter, compute)
