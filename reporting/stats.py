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
import itertools
import time
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass, replace
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.cache import cache
from django.db import connections, router
from django.db.models import (
    Avg,
    Count,
    F,
    Min,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Coalesce, TruncWeek
from django.utils import timezone

from activities.queries import FIGURES as ACTIVITY_FIGURES
from activities.queries import community_activity_figures
from casework.instruments import instrument_current
from casework.queries import reassessment_cutoff, with_assessment_state
from communities.models import (
    FACILITY_M2_PER_100_HOUSEHOLDS_TARGET,
    SOCIAL_WORKER_TARGET,
    Community,
    Resident,
)
from communities.queries import communities_visible_to
from organizations.models import Agreement
from projects import figures as project_figures
from reporting import rollups, suppression
from reporting.models import DailyFigures
from reporting.overview_read import allowance_read, overview_read
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

SUPPRESSION_THRESHOLD = suppression.THRESHOLD
CACHE_SECONDS = 60
# The city-wide figures are recomputed by beat every WARM_INTERVAL_SECONDS (stats_warm) and
# kept WARM_SECONDS, so a dashboard never waits for the cold computation.
WARM_INTERVAL_SECONDS = 60
WARM_SECONDS = 5 * 60
# A cold figure is computed by one process at a time; the others wait up to this long for
# it (a city-wide overview takes ~5 s cold at a million visits, docs/benchmarks.md).
COMPUTING_SECONDS = 30
_refreshing: ContextVar[bool] = ContextVar("stats_refreshing", default=False)
_raw_tables: ContextVar[bool] = ContextVar("stats_raw_tables", default=False)
# While one rollup figure is counted: what its parts share (sums, ids, cells), read once.
_figure_memo: ContextVar[dict | None] = ContextVar("stats_figure_memo", default=None)
# Notes a dashboard read folds into the rollups before answering: all that wait, up to a
# batch (beat does the rest). Fewer would let two reads a second apart disagree (a street's
# row and its ?street= overview) while a refresh is half done.
READ_REFRESH_BATCH = rollups.BATCH
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
    return _memoized(("area", stats_filter, level), lambda: _area_rows_read(stats_filter, level))


def _area_rows_read(stats_filter: StatsFilter, level: str) -> list[dict]:
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


def counted_from_raw_tables():
    """Within this, figures are counted from the raw tables instead of the rollups and never
    cached: the reference the rollups are checked against (tests/reporting, bench/stats.py)."""
    return _raw_tables_context()


@contextmanager
def _raw_tables_context():
    token = _raw_tables.set(True)
    try:
        yield
    finally:
        _raw_tables.reset(token)


def _memoized(key: tuple, read):
    """`read()` once per figure (what its parts share), or what _read_at_once read."""
    memo = _figure_memo.get()
    if memo is not None and key in memo:
        return memo[key]
    value = read()
    if memo is not None:
        memo[key] = value
    return value


def _community_figures(stats_filter: StatsFilter, level: str) -> dict:
    """Figures about the communities' staff and organizations: current, never by date."""
    return _memoized(
        ("community figures", stats_filter, level),
        lambda: _community_figures_read(communities_in(stats_filter).values("pk"), level),
    )


def _community_figures_read(scope: QuerySet, level: str) -> dict:
    workers = SocialWorker.communities.through.objects.filter(
        community_id__in=scope, socialworker__active=True
    )
    agreements = Agreement.objects.filter(community_id__in=scope, status=Agreement.Status.ACTIVE)
    return {
        "social_workers": _grouped(
            workers, _SOCIAL_WORKER_LINK, level, n=Count("socialworker", distinct=True)
        ),
        "organizations": _grouped(
            agreements, _AGREEMENT, level, n=Count("organization", distinct=True)
        ),
    }


_REQUEST_COLUMNS = tuple(rollups.request_column(s) for s in ServiceRequest.Status.values)


def _figures_by_group(stats_filter: StatsFilter, level: str) -> dict[str, dict]:
    """The counted figures per group; four queries whatever the number of groups and days."""
    if _raw_tables.get():
        return _figures_by_group_raw(stats_filter, level)
    key, _labels = LEVELS[level]
    period = (stats_filter.date_from, stats_filter.date_to)
    daily = _daily_sums(stats_filter, key)
    served = _memoized(
        ("served", stats_filter, key),
        lambda: rollups.served_grouped(_community_ids(stats_filter), *period, key),
    )
    requests, visits, ratings = {}, {}, {}
    for group in {*daily, *served}:
        sums = {name: value or 0 for name, value in (daily.get(group) or {}).items()}
        requests[group] = {"n": sum(sums.get(column, 0) for column in _REQUEST_COLUMNS)}
        visits[group] = {"n": sums.get("visits_completed", 0), "people": served.get(group, 0)}
        n = sums.get("ratings", 0)
        ratings[group] = {"n": n, "average": sums["rating_sum"] / n if n else None}
    return {
        **_community_figures(stats_filter, level),
        "requests": requests,
        "visits": visits,
        "ratings": ratings,
    }


def _daily_sums(stats_filter: StatsFilter, key: str | None) -> dict:
    """{group: {column: sum}} of every DailyFigures column; one query per figure, shared by
    its parts (the overview's city row and its statuses)."""
    memo = _figure_memo.get()
    if memo is not None and ("daily", stats_filter, key) in memo:
        return memo[("daily", stats_filter, key)]
    scope = _community_ids(stats_filter)
    sums = rollups.figures_grouped(scope, stats_filter.date_from, stats_filter.date_to, key)
    if memo is not None:
        memo[("daily", stats_filter, key)] = sums
    return sums


def _community_ids(stats_filter: StatsFilter) -> list[int] | None:
    """The ids of the communities counted (None: every one), read once per figure: the
    rollup sums then filter on a list of ids, as a bare query of the table would."""
    dates = StatsFilter(date_from=stats_filter.date_from, date_to=stats_filter.date_to)
    if stats_filter == dates:
        return None
    if stats_filter == replace(dates, community_ids=stats_filter.community_ids):
        return sorted(stats_filter.community_ids)  # a staff scope: its ids, no query
    memo = _figure_memo.get()
    if memo is not None and ("ids", stats_filter) in memo:
        return memo[("ids", stats_filter)]
    ids = list(communities_in(stats_filter).order_by().values_list("pk", flat=True))
    if memo is not None:
        memo[("ids", stats_filter)] = ids
    return ids


def _figures_by_group_raw(stats_filter: StatsFilter, level: str) -> dict[str, dict]:
    """The counted figures per group from the raw tables: the reference for the rollups."""
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
    hidden = _hidden_cells(stats_filter, level if level != "city" else None)
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
_WEEKLY_METRICS = {"requests": "requests", "visits_completed": "visits", "ratings": "ratings"}


def _filter_node(stats_filter: StatsFilter) -> tuple:
    if stats_filter.street:
        return ("street", stats_filter.street)
    if stats_filter.district:
        return ("district", stats_filter.district)
    return ("city", None)


_status_metric = suppression.status_metric
_add = suppression.add
_tree = suppression.tree


def _parents(stats_filter: StatsFilter) -> dict[int, tuple[int, int]]:
    """{community id: (street id, district id)} for the communities counted; one query."""
    return {
        pk: (street, district)
        for pk, street, district in communities_in(stats_filter)
        .order_by()
        .values_list("pk", "street_id", "street__district_id")
    }


def _local_date(value) -> datetime.date:
    return timezone.localtime(value).date() if isinstance(value, datetime.datetime) else value


def _counts_by_week(stats_filter: StatsFilter) -> dict[datetime.date, dict]:
    """{Monday: {metric: {community id: count}}} for every week with something to count.

    Two queries over the rollups whatever the number of weeks and communities.
    """
    if _raw_tables.get():
        return _counts_by_week_raw(stats_filter)
    scope = communities_in(stats_filter).values("pk")
    sums = rollups.weekly_by_community(scope, stats_filter.date_from, stats_filter.date_to)
    return suppression.weekly_metrics(sums)


def _counts_by_week_raw(stats_filter: StatsFilter) -> dict[datetime.date, dict]:
    """_counts_by_week from the raw tables: four grouped queries."""
    scope = communities_in(stats_filter).values("pk")
    weeks: dict = {}
    for family, model, path, field in (
        ("requests", ServiceRequest, _REQUEST, "created_at"),
        ("visits", Visit, _VISIT, "scheduled_start"),
    ):
        rows = (
            model.objects.filter(_in_period(field, stats_filter), **{f"{path}_id__in": scope})
            .annotate(week=TruncWeek(field))
            .order_by()
            .values_list("week", f"{path}_id", "status")
            .annotate(n=Count("id"))
        )
        for week, community, status, n in rows:
            week = _local_date(week)
            _add(weeks, week, _status_metric(family, status), community, n)
            if family == "requests":
                _add(weeks, week, "requests", community, n)
    people = (
        Visit.objects.filter(
            _in_period("scheduled_start", stats_filter),
            request__resident__community_id__in=scope,
            status=Visit.Status.COMPLETED,
        )
        .annotate(week=TruncWeek("scheduled_start"))
        .order_by()
        .values_list("week", f"{_VISIT}_id")
        .annotate(n=Count("request__resident", distinct=True))
    )
    for week, community, n in people:
        _add(weeks, _local_date(week), "people", community, n)
    ratings = (
        Feedback.objects.filter(
            _in_period("visit__scheduled_start", stats_filter),
            visit__request__resident__community_id__in=scope,
        )
        .annotate(week=TruncWeek("visit__scheduled_start"))
        .order_by()
        .values_list("week", f"{_FEEDBACK}_id")
        .annotate(n=Count("id"))
    )
    for week, community, n in ratings:
        _add(weeks, _local_date(week), "ratings", community, n)
    return weeks


def _weekly_trees(stats_filter: StatsFilter) -> dict:
    """Every week's decision taken now: from the raw tables' counts (the reference), or from
    the rollups for a scope never read while a refresh holds the lock; otherwise decisions
    are stored by the refresh and read (rollups.suppressed_by_week)."""
    parents = _parents(stats_filter)
    weeks = _counts_by_week(stats_filter)
    return {week.isoformat(): _tree(counts, parents) for week, counts in weeks.items()}


def _canonical(stats_filter: StatsFilter) -> StatsFilter:
    """What a suppression decision depends on: the caller's scope and the period."""
    return StatsFilter(
        date_from=stats_filter.date_from,
        date_to=stats_filter.date_to,
        community_ids=stats_filter.community_ids,
    )


def _period_hidden(trees: dict, periods, stats_filter: StatsFilter):
    """A predicate (metric, node) -> hidden over the union of `periods`' trees.

    Every figure of a longer period is a sum of the periods' own cells, so it is hidden
    wherever any of them is; shown figures are then sums of shown cells only, and no
    difference of two of them (two date ranges, an area and its parts) is a hidden cell.
    """
    which = "hidden" if stats_filter.pilot_batch is None else "below"
    cells = set()
    for period in periods:
        tree = trees.get(period)
        if tree:
            cells |= tree[which]
    # A pilot subset is a new total for every area: it is shown only when nothing under the
    # area is hidden, else the unfiltered total minus it would give the rest back.
    return lambda metric, node: (metric, *node) in cells


def _hidden_cells(stats_filter: StatsFilter, level: str | None):
    """A predicate (metric, node) -> hidden, for figures computed under `stats_filter`, asked
    about nodes of `level` (None: the filter's own node). From the rollups: the decisions the
    refresh stored, read in one query; never decided here."""
    level = level or _filter_node(stats_filter)[0]
    if _raw_tables.get() or _scope_id(stats_filter) is None:
        # The reference; or a scope never read before while a refresh holds the lock.
        trees = _week_trees(stats_filter)
        return _period_hidden(trees, trees, stats_filter)
    hidden_only = stats_filter.pilot_batch is None
    memo = _figure_memo.get()
    key = ("cells", _canonical(stats_filter), level, hidden_only)
    if memo is not None and key in memo:
        cells = memo[key]
    else:
        scope = _scope_id(stats_filter)
        first, last = stats_filter.date_from, stats_filter.date_to
        cells = rollups.suppressed_in(scope, first, last, level=level, hidden_only=hidden_only)
        if memo is not None:
            memo[key] = cells
    return lambda metric, node: (metric, *node) in cells


def _scope_id(stats_filter: StatsFilter) -> int | None:
    """The stored suppression scope of the caller (registered on its first read; None while
    a refresh holds the lock and it was never read)."""
    memo = _figure_memo.get()
    if memo is not None and ("scope", stats_filter.community_ids) in memo:
        return memo[("scope", stats_filter.community_ids)]
    scope = rollups.suppression_scope(stats_filter.community_ids)
    if memo is not None:
        memo[("scope", stats_filter.community_ids)] = scope
    return scope


def _week_trees(stats_filter: StatsFilter) -> dict:
    """{Monday (ISO): tree} of the period, shared by every endpoint and area filter."""
    canonical = _canonical(stats_filter)
    scope = None if _raw_tables.get() else _scope_id(canonical)
    if scope is None:
        return _weekly_trees(canonical)  # decided now: the reference, or a lock held
    first = canonical.date_from or datetime.date.min
    last = canonical.date_to or datetime.date.max
    return rollups.suppressed_by_week(scope, first, last)


def whole_weeks(stats_filter: StatsFilter) -> StatsFilter:
    """The filter with its dates widened to whole weeks (Monday to Sunday).

    Counts of requests, visits and ratings are published for whole weeks only, the unit
    the suppression works in; a range ending a day earlier would otherwise differ from
    this one by a single day's count (docs/statistics-privacy.md).
    """
    date_from, date_to = stats_filter.date_from, stats_filter.date_to
    if date_from:
        date_from -= datetime.timedelta(days=date_from.weekday())
    if date_to:
        date_to += datetime.timedelta(days=6 - date_to.weekday())
    return replace(stats_filter, date_from=date_from, date_to=date_to)


def _by_status(queryset: QuerySet, choices) -> dict:
    counts = dict(queryset.order_by().values_list("status").annotate(n=Count("id")))
    return {status: figure(counts.get(status, 0)) for status in choices.values}


def _statuses(stats_filter: StatsFilter) -> dict[str, dict]:
    """Requests and visits of the period by status, unsuppressed; one query (two raw)."""
    if _raw_tables.get():
        scope = communities_in(stats_filter).values("pk")
        requests = ServiceRequest.objects.filter(
            _in_period("created_at", stats_filter), resident__community_id__in=scope
        )
        visits = Visit.objects.filter(
            _in_period("scheduled_start", stats_filter), request__resident__community_id__in=scope
        )
        return {
            "requests": _by_status(requests, ServiceRequest.Status),
            "visits": _by_status(visits, Visit.Status),
        }
    sums = _daily_sums(stats_filter, None)[None]
    return {
        "requests": {
            status: figure(sums[rollups.request_column(status)])
            for status in ServiceRequest.Status.values
        },
        "visits": {
            status: figure(sums[rollups.visit_column(status)]) for status in Visit.Status.values
        },
    }


def _hidden_by_status(counts: dict, family: str, stats_filter: StatsFilter) -> dict:
    hidden, node = _hidden_cells(stats_filter, None), _filter_node(stats_filter)
    return {
        status: _HIDDEN if hidden(_status_metric(family, status), node) else cell
        for status, cell in counts.items()
    }


def _median_days_to_first_visit(stats_filter: StatsFilter) -> dict:
    """Days from a request to its first visit that took place (checked in or completed),
    each wait in tenths of a day (rollups.wait_tenths), the median to one decimal."""
    histogram = wait_histogram(stats_filter)
    return _guarded(rollups.median_of(histogram), sum(histogram.values()))


def wait_histogram(stats_filter: StatsFilter) -> dict[int, int]:
    """{tenths of a day: requests} the median is read from (unsuppressed)."""
    if _raw_tables.get():
        return _wait_histogram_raw(stats_filter)
    first, last = stats_filter.date_from, stats_filter.date_to
    return _memoized(
        ("waits", stats_filter),
        lambda: rollups.wait_histogram(_community_ids(stats_filter), first, last),
    )


def _wait_histogram_raw(stats_filter: StatsFilter) -> dict[int, int]:
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
    histogram: dict[int, int] = {}
    for created, first in pairs:
        tenths = rollups.wait_tenths(created, first)
        histogram[tenths] = histogram.get(tenths, 0) + 1
    return histogram


def _from_rollups(
    name: str, stats_filter: StatsFilter, compute, *, parts_as_of=(), read_at_once=False
) -> dict:
    """A figure counted from the rollups now, stamped with the true age of its data.

    Pending changes are first folded in (a bounded batch; beat folds in the rest every
    minute), then `computed_at` is the time up to which every committed change is counted:
    the oldest change still waiting, else now, or an older part's (`parts_as_of`) time.
    `read_at_once`: what `compute` reads is read first in one statement (the overview's,
    _read_at_once); otherwise `compute` queries inside one REPEATABLE READ snapshot.
    """
    if _raw_tables.get():
        return _cached(name, stats_filter, compute)
    token = _figure_memo.set({})
    try:
        as_of = _read_at_once(stats_filter) if read_at_once else None
        if as_of is not None:
            figures = compute()
        else:
            if rollups.rollups_pending():
                rollups.rollups_refresh(batch=READ_REFRESH_BATCH)
            _scope_id(stats_filter)  # a scope read for the first time is decided before reading
            with statistics_reads(), rollups.one_snapshot():
                as_of, waiting = rollups.rollups_waiting()
                _figure_memo.get()["allowances waiting"] = waiting
                figures = compute()
    finally:
        _figure_memo.reset(token)
    as_of = min([as_of, *(part() for part in parts_as_of)])
    computed_at = timezone.localtime(as_of).isoformat()
    return _aged(
        {
            "computed_at": computed_at,
            "generated_at": computed_at,  # the older name, kept for existing clients
            "max_age_seconds": CACHE_SECONDS,
            "filters": stats_filter.public(),
            **figures,
        }
    )


def _read_at_once(stats_filter: StatsFilter) -> datetime.datetime | None:
    """Read everything the overview's city row, statuses and median need in one statement
    (reporting/overview_read.py) into the figure's memo, and return its `as_of`: waiting
    notes are folded in and a scope read for the first time is registered, then it reads
    again. None on SQLite, and for a scope not stored after the attempt to register it:
    the caller then queries part by part in one snapshot."""
    with statistics_reads():
        using = router.db_for_read(DailyFigures) or "default"  # the replica, if any
    if connections[using].vendor != "postgresql":
        return None
    memo = _figure_memo.get()
    ids = _community_ids(stats_filter)
    node = _filter_node(stats_filter)
    hidden_only = stats_filter.pilot_batch is None
    # The allowance block, when its cached copy has expired, is read in the same statement
    # (the cache is asked once: _cached takes the answer from the memo).
    area = replace(stats_filter, date_from=None, date_to=None)
    block = area.cache_key(_ALLOWANCE_BLOCK)
    memo[("cached", block)] = cache.get(block)
    period = None if memo[("cached", block)] is not None else _allowance_period(area)
    refreshed = registered = False
    while True:
        read = overview_read(
            using=using,
            ids=ids,  # the area's communities too: communities_in ignores the dates
            scope=stats_filter.community_ids,
            first=stats_filter.date_from,
            last=stats_filter.date_to,
            level=node[0],
            hidden_only=hidden_only,
            allowances=period,
        )
        if read["pending"] and not refreshed:
            refreshed = True
            rollups.rollups_refresh(batch=READ_REFRESH_BATCH)
            continue
        scope = rollups.scope_found(stats_filter.community_ids, read["geography"], read["scopes"])
        if scope is None and not registered:
            registered = True
            if rollups.suppression_scope(stats_filter.community_ids) is not None:
                continue  # registered now: read its cells with the sums
        if scope is None:
            # A refresh holds the lock (the read decides in memory, which must see the
            # snapshot the sums came from) or a lagging replica: part by part, one snapshot.
            return None
        break
    memo[("scope", stats_filter.community_ids)] = scope
    cells = read["cells"].get(scope, set())
    memo[("cells", _canonical(stats_filter), node[0], hidden_only)] = cells
    memo[("daily", stats_filter, None)] = {None: read["daily"]}
    memo[("served", stats_filter, None)] = {None: read["served"]}
    memo[("community figures", stats_filter, "city")] = {
        "social_workers": {None: {"n": read["workers"]}},
        "organizations": {None: {"n": read["organizations"]}},
    }
    memo[("area", stats_filter, "city")] = [{"key": None, **read["area"]}]
    memo[("waits", stats_filter)] = read["waits"]
    # Not read with the allowance block: it reads it again with it (_allowance_hidden).
    memo["allowances waiting"] = None
    if read["allowances"] is not None and not read["allowances waiting"]:
        _allowances_memoized(area, scope, read["allowances"][scope])
    return read["as_of"]


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
    if _raw_tables.get():
        return _aged(build())  # the reference: counted now, never from or into the cache
    if _refreshing.get():
        # stats_warm: compute anew and keep it until well after the next warm-up.
        value = build()
        cache.set(key, value, WARM_SECONDS)
    elif (value := _cache_get(key)) is None:
        value = _computed_once(key, build)
    return _aged(value)


def _cache_get(key: str):
    """The cached value, or the answer _read_at_once had for it in this figure."""
    memo = _figure_memo.get()
    if memo is not None and ("cached", key) in memo:
        return memo.pop(("cached", key))
    return cache.get(key)


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
    """City (or scope) totals: pilots, organizations entered, workers, people served, statuses.

    Counted from the rollups (reporting/rollups.py): a handful of queries over at most
    days × communities rows, whatever the scope and the dates.
    """
    stats_filter = whole_weeks(stats_filter)
    allowances: dict = {}

    def allowance_block_as_of() -> datetime.datetime:
        return datetime.datetime.fromisoformat(allowances["computed_at"])

    def compute() -> dict:
        city = _rows(stats_filter, "city")[0]
        statuses = _statuses(stats_filter)
        allowances.update(_allowances_this_month(stats_filter))
        return {
            "communities": city["communities"],
            "pilot_communities": city["pilot_communities"],
            "organizations_entered": city["organizations_entered"],
            "social_workers": city["social_workers"],
            "residents_60_plus_served": city["residents_served"],
            "requests_by_status": _hidden_by_status(statuses["requests"], "requests", stats_filter),
            "visits_by_status": _hidden_by_status(statuses["visits"], "visits", stats_filter),
            "median_days_to_first_visit": _median_days_to_first_visit(stats_filter),
            "average_satisfaction": city["average_rating"],
            "ratings": city["ratings"],
            "allowances": {
                name: value for name, value in allowances.items() if name in _OVERVIEW_ALLOWANCES
            },
        }

    return _from_rollups(
        "overview",
        stats_filter,
        compute,
        parts_as_of=(allowance_block_as_of,),
        read_at_once=True,
    )


def stats_by_area(stats_filter: StatsFilter, *, level: str) -> dict:
    """Indicators per community, street or district (or one row for the city), vs the targets."""
    if level not in ("community", "street", "district", "city"):
        raise ValueError(level)
    stats_filter = whole_weeks(stats_filter)
    return _from_rollups(level, stats_filter, lambda: {"results": _rows(stats_filter, level)})


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
    return _memoized(
        ("allowance raw", stats_filter, level), lambda: _allowance_raw_read(stats_filter, level)
    )


def _allowance_raw_read(stats_filter: StatsFilter, level: str) -> dict:
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


_OVERVIEW_ALLOWANCES = (
    "care_accounts",
    "credited_this_month",
    "paid_from_allowances_this_month",
)


_ALLOWANCE_BLOCK = "overview:allowances"


def _allowances_this_month(stats_filter: StatsFilter) -> dict:
    """The overview's block: accounts and this month's credits and visit payments.

    Not from the rollups: counted from the ledger (one month of it) and kept CACHE_SECONDS;
    the overview's age is the older of the block's and the rollups'.
    """
    area = replace(stats_filter, date_from=None, date_to=None)

    def compute() -> dict:
        memo = _figure_memo.get()
        if memo is None or memo.get("allowances waiting", False) is not None:
            return counted()
        # After the rollups' one statement (_read_at_once): the stored month decisions are
        # trusted only if this block's own snapshot holds no change waiting for them.
        if _allowances_read_at_once(area):
            return counted()
        with rollups.one_snapshot():
            memo["allowances waiting"] = rollups.rollups_waiting()[1]
            return counted()

    def counted() -> dict:
        first, _last = _months(area)
        hidden = _allowance_hidden(area, first, first)
        figures = _allowance_figures(_allowance_raw(area, "city").get(None) or {})
        _mask_allowances(figures, hidden, _filter_node(area))
        return {
            "care_accounts": figures["care_accounts"],
            "credited_this_month": figures["credited"],
            "paid_from_allowances_this_month": figures["paid_from_allowances"],
        }

    return _cached(_ALLOWANCE_BLOCK, area, compute)


def _allowances_read_at_once(area: StatsFilter) -> bool:
    """Read the overview's allowance block (ledger, accounts, stored month decisions) in one
    statement into the memo; False when a change to them waits for the refresh (or the
    scope is not stored): the caller then decides in a snapshot, part by part."""
    scope = _scope_id(area)
    if scope is None:
        return False
    ids = _community_ids(area)
    with statistics_reads():
        using = router.db_for_read(DailyFigures) or "default"
    read = allowance_read(using=using, ids=ids, scope=scope, period=_allowance_period(area))
    if read["waiting"]:
        return False
    _allowances_memoized(area, scope, read)
    return True


def _allowance_period(area: StatsFilter) -> dict:
    """The overview allowance block's months and booking times (overview_read)."""
    first, last = _months(area)
    start, _end = _bounds(StatsFilter(date_from=first))
    _start, end = _bounds(StatsFilter(date_to=_after(last) - datetime.timedelta(days=1)))
    return {"months_from": first, "months_to": last, "booked_from": start, "booked_before": end}


def _allowances_memoized(area: StatsFilter, scope: int, read: dict) -> None:
    """What the block's parts read, read with no change to them waiting (trusted)."""
    memo = _figure_memo.get()
    memo["allowances waiting"] = False
    memo[("month cells", scope, _months(area)[1])] = read["months"]
    memo[("allowance raw", area, "city")] = {None: read["raw"]}


# --- Allowance suppression: the same complementary suppression, by calendar month ---------
# Allowance figures are published for whole months, so the month is their unit: a cell is
# (basis, level, id) where the basis is the count of residents an amount or count comes
# from; amounts and counts are hidden with their basis. Care accounts are a stock (opened
# before the period ends), so every month up to the last one counts for them.

_ALLOWANCE_BASES = {
    "care_accounts": "accounts",
    "residents_credited": "credited",
    "credited": "credited",
    "residents_paid_for_visits": "paid",
    "visits_paid_from_allowances": "paid",
    "paid_from_allowances": "paid",
    "co_payments": "copay",
    "corrections": "corrected",
}


def _counts_by_month(stats_filter: StatsFilter, last: datetime.date) -> dict:
    """{first of month (ISO): {basis: {community id: residents}}} up to `last`; 3 queries."""
    scope = communities_in(stats_filter).values("pk")
    months = rollups.monthly_by_community(scope, None, last)
    return {month.isoformat(): counts for month, counts in months.items()}


def _monthly_trees(stats_filter: StatsFilter, last: datetime.date) -> dict:
    parents = _parents(stats_filter)
    return {
        month: _tree(counts, parents, status_families=())
        for month, counts in _counts_by_month(stats_filter, last).items()
    }


def _allowance_hidden(stats_filter: StatsFilter, first: datetime.date, last: datetime.date):
    """A predicate (basis, node) -> hidden for allowance figures of months first..last.

    Read from the decisions the rollup refresh stored when the read's snapshot holds no
    change to the allowance figures the refresh has yet to decide (_from_rollups); else
    decided now, from the same counts (and cached a minute).
    """
    canonical = replace(_canonical(stats_filter), date_from=None, date_to=last)
    memo = _figure_memo.get()
    scope = None if memo is None or memo.get("allowances waiting", True) else _scope_id(canonical)
    if scope is not None:
        trees = _memoized(
            ("month cells", scope, last), lambda: rollups.suppressed_by_month(scope, last)
        )
    else:
        trees = _cached(
            "suppression:months", canonical, lambda: {"months": _monthly_trees(canonical, last)}
        )["months"]
    in_period = [m for m in trees if first.isoformat() <= m]
    stock = _period_hidden(trees, list(trees), stats_filter)
    flows = _period_hidden(trees, in_period, stats_filter)
    return lambda basis, node: (stock if basis == "accounts" else flows)(basis, node)


def _mask_allowances(figures: dict, hidden, node: tuple) -> dict:
    for field, basis in _ALLOWANCE_BASES.items():
        if field in figures and hidden(basis, node):
            value = figures[field]
            figures[field] = dict.fromkeys(value, _HIDDEN) if field == "corrections" else _HIDDEN
    return figures


_STATEMENT_AMOUNTS = ("visits", "allowance", "co_payments")

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
        hidden = _allowance_hidden(stats_filter, first, last)
        raw = _allowance_raw(stats_filter, breakdown)
        rows = []
        for area in _area_rows(stats_filter, breakdown):
            row = _allowance_figures(raw.get(area["key"]) or {})
            _mask_allowances(row, hidden, (breakdown, area["key"]))
            rows.append({"id": area["key"], **area["labels"], **row})
        node = _filter_node(stats_filter)
        totals = _mask_allowances(_allowance_figures(_summed(raw.values())), hidden, node)
        statements = _statements_by_status(stats_filter)
        for status, cells in statements.items():
            if hidden(f"statement:{status}", node):
                statements[status] = {**cells, **dict.fromkeys(_STATEMENT_AMOUNTS, _HIDDEN)}
        return {
            "months": {"first": f"{first:%Y-%m}", "last": f"{last:%Y-%m}"},
            **totals,
            "statements_by_status": statements,
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
    """Requests filed, visits completed and ratings given per week (Monday to Sunday).

    A week's figure is hidden as that week's suppression decides (_week_trees), the same
    decision every other endpoint sums over, so the weeks never add up to a hidden total.
    """
    first, last = _weeks(stats_filter)
    last += datetime.timedelta(days=6 - last.weekday())
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
        trees, node = _week_trees(period), _filter_node(period)
        series = []
        week = first
        while week <= last:
            hidden = _period_hidden(trees, [week.isoformat()], period)
            rated = ratings.get(week, {})
            average = rated.get("average")
            row = {
                "week_start": week.isoformat(),
                "requests": figure(requests.get(week, {}).get("n")),
                "visits_completed": figure(visits.get(week, {}).get("n")),
                "ratings": figure(rated.get("n")),
                "average_rating": _guarded(
                    round(float(average), 2) if average else None, rated.get("n")
                ),
            }
            for field, metric in _WEEKLY_METRICS.items():
                if hidden(metric, node):
                    row[field] = _HIDDEN
            if row["ratings"]["suppressed"]:
                row["average_rating"] = _HIDDEN
            series.append(row)
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
    """Fold waiting changes into the rollups, then recompute the figures still counted from
    raw tables into the cache (a beat task, every WARM_INTERVAL_SECONDS).

    The overview and area tables read the rollups (computed per request, never cached);
    the weekly series, allowances and the overview's allowance block are kept warm here,
    at most WARM_INTERVAL_SECONDS old plus the computation while beat runs, and never older
    than WARM_SECONDS.
    """
    city = StatsFilter()
    rollups.rollups_refresh()  # the overview and area tables read these, not the cache
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


# --- Social work (casework/): assessed levels, due assessments, callback coverage ----------


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _casework_residents(stats_filter: StatsFilter, today: datetime.date) -> dict[int, dict]:
    """Per community: residents by latest signed level, due and overdue (as the due list)."""
    residents = with_assessment_state(
        Resident.objects.filter(
            community__in=communities_in(stats_filter), anonymised_at__isnull=True
        )
    ).order_by()
    expired = today - relativedelta(months=settings.ASSESSMENT_VALID_MONTHS)
    changed_expired = today - datetime.timedelta(days=settings.ASSESSMENT_CHANGE_DAYS)
    never = Q(last_assessed__isnull=True)
    due = (
        never | Q(last_assessed__date__lt=reassessment_cutoff(today)) | Q(changed_at__isnull=False)
    )
    overdue = never | Q(last_assessed__date__lt=expired) | Q(changed_at__date__lt=changed_expired)
    rows: dict[int, dict] = {}
    for row in residents.values("community_id", "last_rank").annotate(n=Count("pk")):
        rows.setdefault(row["community_id"], {"ranks": {}})["ranks"][row["last_rank"]] = row["n"]
    counts = residents.values("community_id").annotate(
        due=Count("pk", filter=due), overdue=Count("pk", filter=overdue)
    )
    for row in counts:
        rows[row["community_id"]].update(due=row["due"], overdue=row["overdue"])
    return rows


def _casework_row(raw: dict, ranks: list[int]) -> dict:
    return {
        "levels": [figure(raw["ranks"].get(rank, 0)) for rank in ranks],
        "never_assessed": figure(raw["ranks"].get(None, 0)),
        "due": figure(raw.get("due", 0)),
        "overdue": figure(raw.get("overdue", 0)),
    }


def _callback_rows(stats_filter: StatsFilter) -> list[dict]:
    """Per organization: completed visits in the period, callbacks made, visits confirmed."""
    visits = Visit.objects.filter(
        status=Visit.Status.COMPLETED,
        request__resident__community__in=communities_in(stats_filter),
    ).filter(_in_period("scheduled_start", stats_filter))
    rows = (
        visits.order_by("offering__organization__name", "offering__organization_id")
        .values("offering__organization_id", "offering__organization__name")
        .annotate(
            completed=Count("pk"),
            called=Count("callback", filter=Q(callback__status="done")),
            confirmed=Count("callback", filter=Q(callback__happened_as_logged=True)),
        )
    )
    return [
        {
            "id": row["offering__organization_id"],
            "name": row["offering__organization__name"],
            "completed": figure(row["completed"]),
            "called": figure(row["called"]),
            "confirmed": figure(row["confirmed"]),
            "coverage_percent": _guarded(
                _percent(row["called"], row["completed"]), row["completed"]
            ),
            "confirmed_percent": _guarded(_percent(row["confirmed"], row["called"]), row["called"]),
        }
        for row in rows
    ]


def stats_casework(stats_filter: StatsFilter, *, today: datetime.date | None = None) -> dict:
    """Social work's figures: per community the residents by assessed ability level (latest
    signed assessment), never assessed, due and overdue for (re)assessment, counted as the
    due list counts them; per organization callback coverage and the confirmed-visit rate.
    Small counts suppressed like every figure of people."""
    today = today or timezone.localdate()

    def compute() -> dict:
        instrument = instrument_current()
        levels = list(instrument.levels.values("rank", "name")) if instrument else []
        ranks = [level["rank"] for level in levels]
        raw = _casework_residents(stats_filter, today)
        names = dict(communities_in(stats_filter).values_list("pk", "name"))
        total = {"ranks": {}, "due": 0, "overdue": 0}
        for row in raw.values():
            for rank, n in row["ranks"].items():
                total["ranks"][rank] = total["ranks"].get(rank, 0) + n
            total["due"] += row.get("due", 0)
            total["overdue"] += row.get("overdue", 0)
        communities = [
            {"id": pk, "name": names[pk], **_casework_row(raw[pk], ranks)}
            for pk in sorted(raw, key=lambda pk: (names[pk], pk))
        ]
        return {
            "today": today.isoformat(),
            "levels": levels,
            "totals": _casework_row(total, ranks),
            "communities": communities,
            "organizations": _callback_rows(stats_filter),
        }

    return _cached(f"casework:{today.isoformat()}", stats_filter, compute)


# --- Government purchase of services (projects) -------------------------------------------


def stats_projects(stats_filter: StatsFilter) -> dict:
    """Funds committed and paid to purchased-service contracts, per district and category,
    the cost per verified visit of each contract, incubation, and the five categories of
    organizations against the bureau's targets (organizations, never people)."""

    def compute() -> dict:
        communities = communities_in(stats_filter)
        contracts = project_figures.contracts_serving(communities).order_by("pk")
        totals = contracts.aggregate(committed=Sum("budget_fen"), paid=Sum("paid_fen"))
        return {
            "contracts": contracts.count(),
            "committed": yuan(totals["committed"] or 0),
            "paid": yuan(totals["paid"] or 0),
            "by_district_and_category": project_figures.funds_by_district_and_category(contracts),
            "results": [project_figures.contract_row(contract) for contract in contracts],
            "incubation_by_district_and_category": project_figures.incubation_by_district(
                communities
            ),
            "cultivation_by_district_and_category": project_figures.cultivation_by_district(
                communities
            ),
        }

    return _cached("projects", stats_filter, compute)


# --- Activities, volunteering and mutual help (activities/) --------------------------------

# Counts of people, each suppressed (with its complements over the area tree) when small;
# the hours are shown only when the count of people who served them is.
_ACTIVITY_PEOPLE = {
    "attendances": "attendances",
    "volunteers": "volunteers",
    "helpers": "helpers",
}
_ACTIVITY_HOURS = {"volunteer_hours": "volunteers", "mutual_help_hours": "helpers"}


def _hours(minutes: int) -> float:
    return round(minutes / 60, 1)


def _activity_suppression(figures: dict, stats_filter: StatsFilter) -> set:
    """Hidden (metric, level, id) cells over the caller's whole tree (community → street →
    district → city), as for the visit figures: a street's total minus its communities'
    shown rows never gives a hidden one back, whichever place the dashboard shows."""
    scope = StatsFilter(community_ids=stats_filter.community_ids)
    parents = {
        pk: (street, district)
        for pk, street, district in communities_in(scope).values_list(
            "pk", "street_id", "street__district_id"
        )
    }
    values: dict = {}
    groups: dict = {}
    for metric in _ACTIVITY_PEOPLE.values():
        for pk, (street, district) in parents.items():
            value = (figures.get(pk) or {}).get(metric, 0)
            chain = [
                ("community", pk),
                ("street", street),
                ("district", district),
                ("city", None),
            ]
            for node in chain:
                values[(metric, *node)] = values.get((metric, *node), 0) + value
            for child, parent in itertools.pairwise(chain):
                parts = groups.setdefault((metric, *parent), [])
                if (metric, *child) not in parts:
                    parts.append((metric, *child))
    return suppressed_cells(values, groups.items(), threshold=SUPPRESSION_THRESHOLD)


def _activity_row(values: dict, hidden) -> dict:
    row = {
        "activities_held": values["activities_held"],
        "venue_hours": _hours(values["venue_minutes"]),
        "venues_used": values["venues_used"],
        "suggestions": {
            status: values[f"suggestions_{status}"] for status in ("open", "answered", "done")
        },
    }
    for field, metric in _ACTIVITY_PEOPLE.items():
        row[field] = _HIDDEN if hidden(metric) else figure(values[metric])
    for field, basis in _ACTIVITY_HOURS.items():
        minutes = values[field.replace("hours", "minutes")]
        row[field] = (
            _HIDDEN
            if hidden(basis) or row[basis]["suppressed"]
            else {"value": _hours(minutes), "suppressed": False}
        )
    return row


def _summed_activity_figures(rows: list[dict]) -> dict:
    total = dict.fromkeys(ACTIVITY_FIGURES, 0)
    for values in rows:
        for name in total:
            total[name] += values[name]
    return total


def stats_activities(stats_filter: StatsFilter) -> dict:
    """Activities held, attendances, volunteer and mutual-help hours, venue use and
    suggestions, for the filtered place in total and per community (organizations and
    notices are not people; attendances, volunteers and helpers are, and are suppressed)."""

    def compute() -> dict:
        since, until = _bounds(stats_filter)
        canonical = communities_in(StatsFilter(community_ids=stats_filter.community_ids))
        figures = community_activity_figures(communities=canonical, since=since, until=until)
        hidden_cells = _activity_suppression(figures, stats_filter)
        shown = (
            communities_in(stats_filter)
            .order_by("code")
            .values("pk", "code", "name", "street_id", "street__name")
        )
        empty = dict.fromkeys(ACTIVITY_FIGURES, 0)
        results = []
        for community in shown:
            values = figures.get(community["pk"], empty)
            node = ("community", community["pk"])
            row = _activity_row(values, lambda m, n=node: (m, *n) in hidden_cells)
            results.append(
                {
                    "id": community["pk"],
                    "code": community["code"],
                    "name": community["name"],
                    "street": community["street_id"],
                    "street_name": community["street__name"],
                    **row,
                }
            )
        node = _filter_node(stats_filter)
        total = _summed_activity_figures([figures.get(row["id"], empty) for row in results])
        below = {metric for metric, level, _pk in hidden_cells if level == "community"}

        def total_hidden(metric: str) -> bool:
            # A pilot-batch subset is a new total: shown only when nothing under it is hidden.
            subset = stats_filter.pilot_batch is not None and metric in below
            return subset or (metric, *node) in hidden_cells

        overall = _activity_row(total, total_hidden)
        return {"total": overall, "results": results}

    return _cached("activities", stats_filter, compute)
