"""Statistics rollups: per-day, per-community sums kept current from the raw tables.

Writers never call this module. Database triggers (migration 0004) append to RollupDirty,
in the writer's own transaction, the quarter hours whose days a change touches and the
residents whose served days it may move. `rollups_refresh` reads a batch of those notes,
recomputes the named days (and residents) from the raw tables, deletes exactly the notes it
read and commits, all under one advisory lock. A change committed before the notes were read
is in the recomputation; one committed later left a note that the next refresh reads. So
nothing is lost under concurrent writes, and the figures are exact as of the oldest note
still waiting (`rollups_as_of`), which is what every response reports as its age.

On SQLite (a fresh checkout, no triggers) every refresh rebuilds the rollups whole.
"""

import collections
import datetime
import hashlib
from contextlib import contextmanager

from django.db import connection, connections, router, transaction
from django.db.models import Case, Count, DateField, F, Min, Q, QuerySet, Sum, When
from django.db.models.functions import Coalesce, TruncDate, TruncMonth, TruncWeek
from django.utils import timezone

from communities.models import Community
from reporting import suppression
from reporting.models import (
    DailyFigures,
    RollupDirty,
    RollupState,
    ServedCount,
    ServedDay,
    SuppressedCell,
    SuppressedMonthCell,
    SuppressionScope,
    WaitCityCount,
    WaitCount,
    WaitStreetCount,
)
from services.allowances.models import month_start
from services.models import (
    CareAccount,
    Feedback,
    LedgerEntry,
    ServiceRequest,
    SettlementLine,
    Visit,
)

# Derived tables, rebuilt from the records at any time: no admin edits them (an edited
# figure would be out of step with the records until the next rebuild), none is exported.
ROLLUP_MODELS = (
    DailyFigures,
    ServedDay,
    ServedCount,
    WaitCount,
    WaitCityCount,
    WaitStreetCount,
    RollupDirty,
    RollupState,
    SuppressionScope,
    SuppressedCell,
    SuppressedMonthCell,
)

# One refresh reads at most this many notes; more waiting than REBUILD_OVER (a bulk load)
# rebuilds everything instead, which is cheaper than recomputing day by day.
BATCH = 2000
REBUILD_OVER = 20_000
# Without triggers (SQLite) readers rebuild the rollups when the last rebuild is this old.
SQLITE_REBUILD_AFTER = datetime.timedelta(seconds=30)
_LOCK = 0x5A4E_4C52  # pg advisory lock key of the refresh ("SNLR")
# A caller's scope nobody read for this long is dropped by the refresh (the whole city's is
# kept): a staff member who left, a reassignment. Read again, it is registered anew.
SCOPE_UNREAD_DAYS = 30
_BULK = 5000

REQUEST_STATUSES = tuple(ServiceRequest.Status.values)
VISIT_STATUSES = tuple(Visit.Status.values)
TOOK_PLACE = (Visit.Status.IN_PROGRESS, Visit.Status.COMPLETED)


def request_column(status: str) -> str:
    return f"requests_{status}"


def visit_column(status: str) -> str:
    return f"visits_{status}"


FIGURE_COLUMNS = (
    *(request_column(s) for s in REQUEST_STATUSES),
    *(visit_column(s) for s in VISIT_STATUSES),
    "ratings",
    "rating_sum",
)


def wait_tenths(created: datetime.datetime, first_visit: datetime.datetime) -> int:
    """Tenths of a day from a request to its first visit that took place (never negative).

    The unit the median is computed in, by the rollups and by the raw reference alike.
    """
    microseconds = max((first_visit - created) // datetime.timedelta(microseconds=1), 0)
    return (microseconds * 10 + 43_200_000_000) // 86_400_000_000


def median_of(histogram: dict[int, int]) -> float | None:
    """The median, in days to one decimal, of a {tenths: count} histogram."""
    total = sum(histogram.values())
    if not total:
        return None
    ordered = sorted(histogram.items())

    def nth(index: int) -> int:
        seen = 0
        for value, n in ordered:
            seen += n
            if index < seen:
                return value
        raise IndexError(index)

    middle = (nth((total - 1) // 2) + nth(total // 2)) / 2
    return round(middle / 10, 1)


# --- refreshing -------------------------------------------------------------------------


def _state() -> RollupState:
    # Read only: the row is created by the first refresh (_stamp).
    return RollupState.objects.filter(pk=1).first() or RollupState(pk=1)


def rollups_pending() -> bool:
    """Whether a refresh has something to do (on SQLite: the last rebuild is a while old)."""
    if connection.vendor != "postgresql":
        refreshed = _state().refreshed_at
        return refreshed is None or timezone.now() - refreshed > SQLITE_REBUILD_AFTER
    return RollupDirty.objects.exists()


def rollups_refresh(*, batch: int = BATCH) -> int:
    """Bring the rollups up to date with what was committed; returns the notes processed.

    Another refresh running holds the lock: this one returns 0 at once (readers then serve
    the rollups as they are, with their true age).
    """
    started = timezone.now()
    with transaction.atomic():
        if connection.vendor != "postgresql":
            _rebuild()
            _stamp(started)
            return 0
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_LOCK])
            if not cursor.fetchone()[0]:
                return 0
        waiting = RollupDirty.objects.count()
        if not waiting:
            return 0
        if waiting > REBUILD_OVER:
            notes = list(RollupDirty.objects.values_list("id", flat=True))
            _rebuild()
        else:
            rows = list(RollupDirty.objects.order_by("id").values_list("id", "family", "at", "ref"))
            rows = rows[:batch]
            notes = [row[0] for row in rows]
            _decide_periods(*_recompute(rows))
        _forget(notes)
        _stamp(started)
    return len(notes)


def rollups_rebuild() -> None:
    """Recompute every rollup from the raw tables (after a bulk load, in the demo, on SQLite)."""
    started = timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK])
            notes = list(RollupDirty.objects.values_list("id", flat=True))
        else:
            notes = []
        _rebuild()
        _forget(notes)
        _stamp(started)


def rollups_as_of() -> datetime.datetime:
    """The time up to which every committed change is counted: the oldest waiting note's,
    or now when none waits (on SQLite: the last rebuild)."""
    if connection.vendor != "postgresql":
        return _state().refreshed_at or timezone.now()
    oldest = RollupDirty.objects.aggregate(oldest=Min("noted_at"))["oldest"]
    return min(oldest, timezone.now()) if oldest else timezone.now()


def rollups_waiting() -> tuple[datetime.datetime, bool]:
    """rollups_as_of, and whether a change to the allowance figures (a ledger entry, an
    account, a statement, a resident who moved) waits for the refresh; one query."""
    if connection.vendor != "postgresql":
        return rollups_as_of(), True
    waiting = RollupDirty.objects.aggregate(
        oldest=Min("noted_at"), allowances=Count("id", filter=Q(family__in=("a", "m")))
    )
    oldest = waiting["oldest"]
    return (min(oldest, timezone.now()) if oldest else timezone.now()), bool(waiting["allowances"])


def _forget(notes: list[int]) -> None:
    """Delete exactly the notes read: one committed since then stays for the next refresh."""
    for start in range(0, len(notes), 10_000):
        RollupDirty.objects.filter(id__in=notes[start : start + 10_000]).delete()


def _stamp(started: datetime.datetime) -> None:
    state = RollupState.objects.select_for_update().get_or_create(pk=1)[0]
    state.refreshed_at = started
    state.version += 1
    state.save(update_fields=["refreshed_at", "version"])


def _local_day(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


def _month_numbered(number: int) -> datetime.date:
    return datetime.date(number // 12, number % 12 + 1, 1)


def _recompute(rows) -> tuple[set[datetime.date], set[datetime.date]]:
    """Recompute the days and residents the notes name; returns every day whose rows changed
    and every month whose allowance figures did."""
    request_days, visit_days, residents, moved, months = set(), set(), set(), set(), set()
    streets = set()
    for _id, family, at, ref in rows:
        if family == "r":
            request_days.add(_local_day(at))
        elif family == "v":
            visit_days.add(_local_day(at))
        elif family == "s":
            residents.add(ref)
        elif family == "m":
            moved.add(ref)
        elif family == "c":
            streets.add(ref)
        elif family == "a" and (at or ref is not None):
            months.add(month_start(_local_day(at)) if at else _month_numbered(ref))
    if moved:
        months |= _months_of_residents(moved)
        # A resident who moved takes their requests, visits and served days along.
        residents |= moved
        requests = ServiceRequest.objects.filter(resident_id__in=moved)
        request_days |= {_local_day(t) for t in requests.values_list("created_at", flat=True)}
        visits = Visit.objects.filter(request__resident_id__in=moved)
        visit_days |= {_local_day(t) for t in visits.values_list("scheduled_start", flat=True)}
    _figures(request_days=request_days, visit_days=visit_days)
    _waits(request_days)
    if streets:
        _street_waits(None, streets)  # every week: the street's communities changed
    return request_days | visit_days | _served(residents), months


def _months_of_residents(residents: set[int]) -> set[datetime.date]:
    """The months whose allowance figures count these residents' accounts and entries (a
    resident who moved takes them along; settlement lines keep their own community)."""
    opened = CareAccount.objects.filter(resident_id__in=residents).values_list("opened_at")
    entries = LedgerEntry.objects.filter(account__resident_id__in=residents)
    months = {month_start(_local_day(at)) for (at,) in opened}
    for kind, month, at in entries.values_list("kind", "month", "created_at"):
        if kind != LedgerEntry.Kind.CREDIT:
            months.add(month_start(_local_day(at)))
        elif month:
            months.add(month_start(month))
    return months


def _rebuild() -> None:
    _figures(request_days=None, visit_days=None)
    _waits(None)
    _served(None)
    _decide_periods(None, None)


def _days_q(field: str, days: set[datetime.date] | None) -> Q:
    """Rows whose local day of `field` is in `days` (None: every day), as index ranges."""
    if days is None:
        return Q()
    condition = Q(pk__in=[])
    ordered = sorted(days)
    runs = []
    for day in ordered:
        if runs and runs[-1][1] + datetime.timedelta(days=1) == day:
            runs[-1][1] = day
        else:
            runs.append([day, day])
    for first, last in runs:
        start = timezone.make_aware(datetime.datetime.combine(first, datetime.time.min))
        end = timezone.make_aware(
            datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time.min)
        )
        condition |= Q(**{f"{field}__gte": start, f"{field}__lt": end})
    return condition


def _day_rows(days: set | None, model) -> QuerySet:
    rows = model.objects.all()
    return rows if days is None else rows.filter(day__in=days)


def _insert(table: str, columns: tuple[str, ...], select: str, params, *, ctes: str = "") -> None:
    """INSERT … SELECT; `ctes` name the ORM's subqueries' columns (SQLite has no alias lists)."""
    with connection.cursor() as cursor:
        cursor.execute(f"{ctes} INSERT INTO {table} ({', '.join(columns)}) {select}", params)


def _figures(*, request_days: set | None, visit_days: set | None) -> None:
    """Recompute DailyFigures for the union of the days (None: all of them); in SQL."""
    days = None if request_days is None else request_days | visit_days
    if days is not None and not days:
        return
    requests = (
        ServiceRequest.objects.filter(_days_q("created_at", days))
        .annotate(day=TruncDate("created_at"))
        .order_by()
        .values_list("resident__community_id", "day", "status")
        .annotate(n=Count("id"))
    )
    visits = (
        Visit.objects.filter(_days_q("scheduled_start", days))
        .annotate(day=TruncDate("scheduled_start"))
        .order_by()
        .values_list("request__resident__community_id", "day", "status")
        .annotate(n=Count("id"))
    )
    ratings = (
        Feedback.objects.filter(_days_q("visit__scheduled_start", days))
        .annotate(day=TruncDate("visit__scheduled_start"))
        .order_by()
        .values_list("visit__request__resident__community_id", "day")
        .annotate(n=Count("id"), total=Sum("rating"))
    )
    (req_sql, req_params), (vis_sql, vis_params), (rat_sql, rat_params) = (
        query.query.sql_with_params() for query in (requests, visits, ratings)
    )
    sums = [
        f"SUM(CASE WHEN family = 'r' AND status = '{status}' THEN n ELSE 0 END)"
        for status in REQUEST_STATUSES
    ] + [
        f"SUM(CASE WHEN family = 'v' AND status = '{status}' THEN n ELSE 0 END)"
        for status in VISIT_STATUSES
    ]  # the statuses are the models' own choices, never input
    sums += ["SUM(CASE WHEN family = 'f' THEN n ELSE 0 END)", "SUM(total)"]
    ctes = f"""WITH a (community, day, status, n) AS ({req_sql}),
        b (community, day, status, n) AS ({vis_sql}),
        c (community, day, n, total) AS ({rat_sql})"""
    select = f"""
        SELECT day, community, {", ".join(sums)} FROM (
            SELECT 'r' AS family, community, day, status, n, 0 AS total FROM a
            UNION ALL
            SELECT 'v', community, day, status, n, 0 FROM b
            UNION ALL
            SELECT 'f', community, day, '', n, total FROM c
        ) counted GROUP BY day, community"""  # noqa: S608 - SQL built by the ORM and constants
    _day_rows(days, DailyFigures).delete()
    columns = ("day", "community_id", *FIGURE_COLUMNS)
    params = (*req_params, *vis_params, *rat_params)
    _insert("reporting_dailyfigures", columns, select, params, ctes=ctes)


# Tenths of a day, rounded half up, in exact integer arithmetic on microseconds: the same
# number wait_tenths gives in Python.
_TENTHS_SQL = (
    "FLOOR((GREATEST(EXTRACT(EPOCH FROM first_visit - created), 0) * 10000000"
    " + 43200000000) / 86400000000)::integer"
)


def _waits(days: set | None) -> None:
    """Recompute the wait histogram of requests filed on `days` (None: all); in SQL."""
    if days is not None and not days:
        return
    pairs = (
        ServiceRequest.objects.filter(_days_q("created_at", days))
        .annotate(
            first_visit=Min(
                Coalesce("visits__checked_in_at", "visits__scheduled_start"),
                filter=Q(visits__status__in=TOOK_PLACE),
            ),
            day=TruncDate("created_at"),
        )
        .filter(first_visit__isnull=False)
        .order_by()
        .values_list("resident__community_id", "day", "created_at", "first_visit")
    )
    _day_rows(days, WaitCount).delete()
    if connection.vendor != "postgresql":
        _waits_in_python(pairs)
    else:
        sql, params = pairs.query.sql_with_params()
        ctes = f"WITH w (community, day, created, first_visit) AS ({sql})"
        select = f"SELECT community, day, {_TENTHS_SQL}, COUNT(*) FROM w GROUP BY 1, 2, 3"  # noqa: S608
        columns = ("community_id", "day", "tenths", "n")
        _insert("reporting_waitcount", columns, select, params, ctes=ctes)
    weeks = None if days is None else {_monday(day) for day in days}
    _city_waits(weeks)
    _street_waits(weeks)


def _city_waits(weeks: set[datetime.date] | None) -> None:
    """Recount WaitCityCount for `weeks` (Mondays; None: all) from WaitCount."""
    counts = WaitCityCount.objects.all()
    rows = WaitCount.objects.all()
    if weeks is not None:
        counts = counts.filter(week__in=weeks)
        rows = rows.filter(day__in={w + datetime.timedelta(i) for w in weeks for i in range(7)})
    counts.delete()
    summed = (
        rows.annotate(week=TruncWeek("day"))
        .order_by()
        .values_list("week", "tenths")
        .annotate(n=Sum("n"))
    )
    sql, params = summed.query.sql_with_params()
    _insert("reporting_waitcitycount", ("week", "tenths", "n"), sql, params)


def _street_waits(weeks: set[datetime.date] | None, streets: set[int] | None = None) -> None:
    """Recount WaitStreetCount for `weeks` (Mondays; None: all) of `streets` (None: every
    one) from WaitCount, by each community's street now."""
    counts = WaitStreetCount.objects.all()
    rows = WaitCount.objects.all()
    if weeks is not None:
        counts = counts.filter(week__in=weeks)
        rows = rows.filter(day__in={w + datetime.timedelta(i) for w in weeks for i in range(7)})
    if streets is not None:
        counts = counts.filter(street_id__in=streets)
        rows = rows.filter(community__street_id__in=streets)
    counts.delete()
    summed = (
        rows.annotate(week=TruncWeek("day"))
        .order_by()
        .values_list("community__street_id", "week", "tenths")
        .annotate(n=Sum("n"))
    )
    sql, params = summed.query.sql_with_params()
    _insert("reporting_waitstreetcount", ("street_id", "week", "tenths", "n"), sql, params)


def _waits_in_python(pairs: QuerySet) -> None:
    """SQLite (no EXTRACT): the same histogram, counted here."""
    counts = collections.Counter(
        (community, day, wait_tenths(created, first)) for community, day, created, first in pairs
    )
    WaitCount.objects.bulk_create(
        WaitCount(community_id=community, day=day, tenths=tenths, n=n)
        for (community, day, tenths), n in counts.items()
    )


def _served(residents: set | None) -> set | None:
    """Recompute the served days of `residents` (None: everyone) and their days' counts;
    returns the days whose counts were recomputed (None: all)."""
    if residents is not None and not residents:
        return set()
    visits = Visit.objects.filter(status=Visit.Status.COMPLETED)
    old = ServedDay.objects.all()
    if residents is not None:
        visits = visits.filter(request__resident_id__in=residents)
        old = old.filter(resident_id__in=residents)
    touched = None if residents is None else set(old.values_list("day", flat=True))
    old.delete()
    rows = (
        visits.annotate(day=TruncDate("scheduled_start"))
        .order_by()
        .values_list("request__resident_id", "request__resident__community_id", "day")
        .distinct()
    )
    sql, params = rows.query.sql_with_params()
    ctes = f"WITH s (resident, community, day) AS ({sql})"
    select = """
        SELECT resident, community, day, LAG(day) OVER (PARTITION BY resident ORDER BY day)
        FROM s"""
    columns = ("resident_id", "community_id", "day", "previous_day")
    _insert("reporting_servedday", columns, select, params, ctes=ctes)
    if touched is not None:
        touched |= set(
            ServedDay.objects.filter(resident_id__in=residents).values_list("day", flat=True)
        )
        if not touched:
            return touched
    _served_weeks(None if touched is None else {_monday(day) for day in touched})
    return touched


def _served_weeks(weeks: set[datetime.date] | None) -> None:
    """Recount ServedCount for `weeks` (Mondays; None: all) from ServedDay: a resident's
    first day in a week is the row whose previous day lies before that week's Monday."""
    counts = ServedCount.objects.all()
    days = ServedDay.objects.all()
    if weeks is not None:
        counts = counts.filter(week__in=weeks)
        days = days.filter(
            day__in={w + datetime.timedelta(days=i) for w in weeks for i in range(7)}
        )
    counts.delete()
    first_in_week = (
        days.filter(Q(previous_day__isnull=True) | Q(previous_day__lt=TruncWeek("day")))
        .annotate(week=TruncWeek("day"), previous_week=TruncWeek("previous_day"))
        .order_by()
        .values_list("community_id", "week", "previous_week")
        .annotate(n=Count("id"))
    )
    sql, params = first_in_week.query.sql_with_params()
    columns = ("community_id", "week", "previous_week", "n")
    _insert("reporting_servedcount", columns, sql, params)


# --- suppression decisions, stored beside the rollups -----------------------------------
# Each week's complementary suppression (reporting/suppression.py) is decided from the
# rollups by whoever writes them, in the same transaction and under the same lock: the
# refresh for the weeks whose days it recomputed, a rebuild for every week. A reader reads
# rollups and decisions committed together, so a decision always matches the counts it
# hides (docs/architecture.md, "Suppression decided once").


def _monday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def _geography() -> dict[int, tuple[int, int]]:
    """{community id: (street id, district id)} of every community; one query."""
    rows = Community.objects.order_by().values_list("pk", "street_id", "street__district_id")
    return {pk: (street, district) for pk, street, district in rows}


def _parents_of(geography: dict, communities) -> dict[int, tuple[int, int]]:
    if communities is None:
        return geography
    return {pk: geography[pk] for pk in communities if pk in geography}


def scope_key(parents: dict[int, tuple[int, int]]) -> str:
    """The digest a scope's decisions are stored under: its communities and where they lie."""
    return hashlib.sha256(repr(sorted(parents.items())).encode()).hexdigest()[:32]


def _decide_periods(days: set[datetime.date] | None, months: set[datetime.date] | None) -> None:
    """Decide anew, for every scope read so far and the whole city, the weeks of `days` and
    the allowance `months` (None: every one). Scopes whose map of communities changed, and
    callers' scopes unread for SCOPE_UNREAD_DAYS, are dropped: their next reader registers
    them again (suppression_scope)."""
    if days is not None and not days and not months:
        return
    weeks = None if days is None else {_monday(day) for day in days}
    geography = _geography()
    city_key = scope_key(geography)
    unread = timezone.localdate() - datetime.timedelta(days=SCOPE_UNREAD_DAYS)
    live = []
    for scope in SuppressionScope.objects.order_by("pk"):
        forgotten = scope.key != city_key and scope.read_on is not None and scope.read_on < unread
        if forgotten or scope.key != scope_key(_parents_of(geography, scope.communities)):
            scope.delete()
        else:
            live.append(scope)
    if not any(scope.key == city_key for scope in live):
        today = timezone.localdate()
        city = SuppressionScope.objects.create(key=city_key, communities=None, read_on=today)
        _decide(city, None, geography)
        _decide_months(city, None, geography)
    for scope in live:
        parents = _parents_of(geography, scope.communities)
        if weeks is None or weeks:
            _decide(scope, weeks, parents)
        if months is None or months:
            _decide_months(scope, months, parents)


def _decide(scope: SuppressionScope, weeks: set | None, parents: dict) -> None:
    """Store the decisions of `scope` for `weeks` (None: all), from the committed rollups."""
    first = last = None
    if weeks is not None:
        first, last = min(weeks), max(weeks) + datetime.timedelta(days=6)
    communities = None if scope.communities is None else list(parents)
    counts = suppression.weekly_metrics(weekly_by_community(communities, first, last))
    cells = SuppressedCell.objects.filter(scope=scope)
    (cells if weeks is None else cells.filter(week__in=weeks)).delete()
    rows = []
    for week, by_metric in counts.items():
        if weeks is not None and week not in weeks:
            continue
        decided = suppression.tree(by_metric, parents)
        for cell in decided["below"]:
            metric, level, node = cell
            rows.append(
                SuppressedCell(
                    scope=scope,
                    week=week,
                    metric=metric,
                    level=level,
                    node=node,
                    hidden=cell in decided["hidden"],
                )
            )
    SuppressedCell.objects.bulk_create(rows, batch_size=_BULK)


def _decide_months(scope: SuppressionScope, months: set | None, parents: dict) -> None:
    """Store the allowance decisions of `scope` for `months` (None: all), from the ledger,
    accounts and statements as this transaction sees them."""
    first = last = None
    if months is not None:
        first, last = min(months), max(months)
    communities = None if scope.communities is None else list(parents)
    counts = monthly_by_community(communities, first, last)
    cells = SuppressedMonthCell.objects.filter(scope=scope)
    (cells if months is None else cells.filter(month__in=months)).delete()
    rows = []
    for month, by_basis in counts.items():
        if months is not None and month not in months:
            continue
        decided = suppression.tree(by_basis, parents, status_families=())
        rows += [
            SuppressedMonthCell(
                scope=scope,
                month=month,
                metric=metric,
                level=level,
                node=node,
                hidden=(metric, level, node) in decided["hidden"],
            )
            for metric, level, node in decided["below"]
        ]
    SuppressedMonthCell.objects.bulk_create(rows, batch_size=_BULK)


def _month_start_at(month: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(month, datetime.time.min))


def _month_after(month: datetime.date) -> datetime.date:
    return month_start(month + datetime.timedelta(days=31))


def monthly_by_community(communities, first, last) -> dict:
    """{first of month: {basis: {community: residents}}} of the months first..last (None:
    unbounded): what the allowance suppression decides on; three queries.

    Care accounts by the local month they were opened; credits by the month they are for;
    debits, co-payments and corrections by the local month they were booked; settlement
    lines by their statement's month, one basis per statement status. `communities`: ids or
    a query of them; None: every community.
    """
    ledger = "account__resident__community_id"
    opened, credits, booked, lines = Q(), Q(), Q(), Q()
    if first:
        start = _month_start_at(first)
        opened &= Q(opened_at__gte=start)
        credits &= Q(month__gte=first)
        booked &= Q(created_at__gte=start)
        lines &= Q(statement__month__gte=first)
    if last:
        end = _month_start_at(_month_after(last))
        opened &= Q(opened_at__lt=end)
        credits &= Q(month__lt=_month_after(last))
        booked &= Q(created_at__lt=end)
        lines &= Q(statement__month__lt=_month_after(last))
    months: dict = {}
    accounts = (
        CareAccount.objects.filter(opened, _of_path("resident__community_id", communities))
        .annotate(m=TruncMonth("opened_at"))
        .order_by()
        .values_list("m", "resident__community_id")
        .annotate(n=Count("id"))
    )
    for month, community, n in accounts:
        suppression.add(months, month_start(_local_month(month)), "accounts", community, n)
    kind = LedgerEntry.Kind
    entries = (
        LedgerEntry.objects.filter(
            (Q(kind=kind.CREDIT) & credits) | (~Q(kind=kind.CREDIT) & booked),
            _of_path(ledger, communities),
        )
        .annotate(
            m=Case(
                When(kind=kind.CREDIT, then=F("month")),
                default=TruncMonth("created_at", output_field=DateField()),
                output_field=DateField(),
            )
        )
        .order_by()
        .values_list("m", ledger, "kind")
        .annotate(n=Count("account", distinct=True))
    )
    basis = {
        kind.CREDIT: "credited",
        kind.VISIT_DEBIT: "paid",
        kind.CO_PAYMENT: "copay",
        kind.CORRECTION: "corrected",
    }
    for month, community, entry_kind, n in entries:
        if entry_kind in basis and month is not None:
            # A booked month comes back as a (local, naive) datetime: the same key as a date.
            month = month_start(_local_month(month))
            suppression.add(months, month, basis[entry_kind], community, n)
    settled = (
        SettlementLine.objects.filter(lines, _of_path("community_id", communities))
        .order_by()
        .values_list("statement__month", "community_id", "statement__status")
        .annotate(n=Count("resident", distinct=True))
    )
    for month, community, status, n in settled:
        suppression.add(months, month_start(month), f"statement:{status}", community, n)
    return months


def _local_month(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def _of_path(path: str, communities) -> Q:
    return Q() if communities is None else Q(**{f"{path}__in": communities})


def suppression_scope(communities: frozenset[int] | None) -> int | None:
    """The id of the stored scope of `communities` (None: the whole city), registered with
    every week decided when it is read for the first time (or its map changed).

    Registration takes the refresh's lock, so it decides from rollups no refresh is writing,
    and every later refresh keeps the scope current. A reader never waits for the lock:
    while a refresh holds it, an unregistered scope answers None and that one read decides
    in memory from the same committed rollups (stats._hidden_cells).
    """
    parents = _parents_of(_geography_of(communities), communities)
    key = scope_key(parents)
    found = SuppressionScope.objects.filter(key=key).values_list("pk", "read_on").first()
    today = timezone.localdate()
    if found is not None:
        if found[1] != today:  # one write per scope and day: what keeps it from being pruned
            SuppressionScope.objects.filter(pk=found[0]).update(read_on=today)
        return found[0]
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_LOCK])
                if not cursor.fetchone()[0]:
                    return None
        stored = None if communities is None else sorted(parents)
        scope, created = SuppressionScope.objects.get_or_create(
            key=key, defaults={"communities": stored, "read_on": today}
        )
        if created:
            _decide(scope, None, parents)
            _decide_months(scope, None, parents)
    return scope.pk


def scope_found(communities, geography: dict, scopes: list) -> int | None:
    """The stored scope of `communities` among `scopes` (id, key, read_on), given their
    `geography`, as suppression_scope finds it (marking it read today); None: not stored."""
    key = scope_key(_parents_of(geography, communities))
    for pk, found, read_on in scopes:
        if found == key:
            today = timezone.localdate()
            if read_on != today:
                SuppressionScope.objects.filter(pk=pk).update(read_on=today)
            return pk
    return None


def _geography_of(communities: frozenset[int] | None) -> dict[int, tuple[int, int]]:
    """_geography restricted to `communities` in the query itself; one query."""
    if communities is None:
        return _geography()
    rows = (
        Community.objects.filter(pk__in=communities)
        .order_by()
        .values_list("pk", "street_id", "street__district_id")
    )
    return {pk: (street, district) for pk, street, district in rows}


# --- reading ----------------------------------------------------------------------------


def _between(first: datetime.date | None, last: datetime.date | None) -> Q:
    condition = Q()
    if first:
        condition &= Q(day__gte=first)
    if last:
        condition &= Q(day__lte=last)
    return condition


def _group_field(key: str | None) -> str | None:
    if key is None:
        return None
    return "community_id" if key == "id" else f"community__{key}"


def _grouped(rows: QuerySet, key: str | None, **aggregates) -> dict:
    field = _group_field(key)
    if field is None:
        return {None: rows.aggregate(**aggregates)}
    return {row.pop(field): row for row in rows.order_by().values(field).annotate(**aggregates)}


def figures_grouped(communities, first, last, key: str | None, columns=FIGURE_COLUMNS) -> dict:
    """{group: {column: sum}} of DailyFigures over the communities (ids, a query of them, or
    None: all) and days; one query."""
    rows = DailyFigures.objects.filter(_between(first, last), _of(communities))
    return _grouped(rows, key, **{column: Sum(column) for column in columns})


def _served_rows(communities, first, last) -> QuerySet:
    if (first and first.weekday() != 0) or (last and last.weekday() != 6):
        raise ValueError("residents served are counted for whole weeks only")
    counted = Q(previous_week__isnull=True)
    if first:
        counted |= Q(previous_week__lt=first)
    return ServedCount.objects.filter(counted, _weeks_between(first, last), _of(communities))


def _weeks_between(first: datetime.date | None, last: datetime.date | None) -> Q:
    condition = Q()
    if first:
        condition &= Q(week__gte=first)
    if last:
        condition &= Q(week__lte=last)
    return condition


def served_grouped(communities, first, last, key: str | None) -> dict:
    """{group: residents with a completed visit in the period (whole weeks)}; one query."""
    grouped = _grouped(_served_rows(communities, first, last), key, n=Sum("n"))
    return {group: row["n"] or 0 for group, row in grouped.items()}


def wait_histogram(communities, first, last) -> dict[int, int]:
    """{tenths: requests} filed in the period (whole weeks); one query."""
    return tenths_summed(_waits_read(communities, first, last))


def tenths_summed(rows) -> dict[int, int]:
    histogram: dict[int, int] = {}
    for tenths, n in rows:  # a tenths value may come from the streets and the rest alike
        histogram[tenths] = histogram.get(tenths, 0) + n
    return histogram


def _waits_read(communities, first, last) -> QuerySet:
    """The wait histogram's (tenths, n) rows: the whole city reads WaitCityCount (weeks ×
    tenths rows); a set of communities reads WaitStreetCount for the streets it holds whole
    and WaitCount for its other communities (a street's staff reads no WaitCount row)."""
    if (first and first.weekday() != 0) or (last and last.weekday() != 6):
        raise ValueError("waits are counted for whole weeks only")
    if communities is None:
        rows = WaitCityCount.objects.filter(_weeks_between(first, last))
        return rows.order_by().values_list("tenths").annotate(n=Sum("n"))
    ids = list(communities)
    held = Community.objects.filter(pk__in=ids).values("street_id")
    whole = (
        Community.objects.filter(street_id__in=held)
        .order_by()
        .values("street_id")
        .annotate(missing=Count("pk", filter=~Q(pk__in=ids)))
        .filter(missing=0)
        .values("street_id")
    )
    streets = WaitStreetCount.objects.filter(_weeks_between(first, last), street_id__in=whole)
    rest = Community.objects.filter(pk__in=ids).exclude(street_id__in=whole).values("pk")
    others = WaitCount.objects.filter(_between(first, last), community_id__in=rest)
    return (
        streets.order_by()
        .values_list("tenths")
        .annotate(n=Sum("n"))
        .union(others.order_by().values_list("tenths").annotate(n=Sum("n")), all=True)
    )


def _of(communities) -> Q:
    return Q() if communities is None else Q(community_id__in=communities)


def weekly_by_community(communities, first, last) -> dict:
    """{Monday: {column or "people": {community: n}}}: the counts suppression decides on.
    `communities`: ids or a query of them; None: every community."""
    weeks: dict = {}
    columns = (*FIGURE_COLUMNS[:-1],)  # rating sums are not counts of anything
    rows = (
        DailyFigures.objects.filter(_between(first, last), _of(communities))
        .annotate(week=TruncWeek("day"))
        .order_by()
        .values_list("week", "community_id")
        .annotate(*(Sum(column) for column in columns))
    )
    for week, community, *sums in rows:
        cells = weeks.setdefault(_as_date(week), {})
        for column, n in zip(columns, sums, strict=True):
            if n:
                cells.setdefault(column, {})[community] = n
    people = (  # every row is a resident's first day in its week
        ServedCount.objects.filter(_weeks_between(first, last), _of(communities))
        .order_by()
        .values_list("week", "community_id")
        .annotate(n=Sum("n"))
    )
    for week, community, n in people:
        weeks.setdefault(_as_date(week), {}).setdefault("people", {})[community] = n
    return weeks


def _as_date(value) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


def suppressed_in(scope: int, first, last, *, level: str, hidden_only: bool) -> set[tuple]:
    """The stored cells (metric, level, node) of one level hidden in any week of
    [first, last] (whole weeks), or with a hidden cell beneath (`hidden_only` False); one
    query."""
    cells = SuppressedCell.objects.filter(scope_id=scope, level=level)
    if first:
        cells = cells.filter(week__gte=first)
    if last:
        cells = cells.filter(week__lte=last)
    if hidden_only:
        cells = cells.filter(hidden=True)
    return set(cells.order_by().values_list("metric", "level", "node").distinct())


def suppressed_by_week(scope: int, first, last) -> dict[str, dict]:
    """{Monday (ISO): {"hidden": cells, "below": cells}} of the stored decisions; one query."""
    cells = SuppressedCell.objects.filter(scope_id=scope, week__gte=first, week__lte=last)
    return trees_by_period(cells.values_list("week", "metric", "level", "node", "hidden"))


def suppressed_by_month(scope: int, last: datetime.date) -> dict[str, dict]:
    """{first of month (ISO): {"hidden": cells, "below": cells}} of the stored allowance
    decisions of the months up to `last`; one query."""
    cells = SuppressedMonthCell.objects.filter(scope_id=scope, month__lte=last)
    return trees_by_period(cells.values_list("month", "metric", "level", "node", "hidden"))


def trees_by_period(rows) -> dict[str, dict]:
    """Stored cells (period, metric, level, node, hidden) as {period (ISO): {"hidden":
    cells, "below": cells}}: every stored cell was below the threshold."""
    trees: dict[str, dict] = {}
    for period, metric, level, node, hidden in rows:
        tree = trees.setdefault(period.isoformat(), {"hidden": set(), "below": set()})
        tree["below"].add((metric, level, node))
        if hidden:
            tree["hidden"].add((metric, level, node))
    return trees


@contextmanager
def one_snapshot():
    """Every statistics read inside sees one snapshot (REPEATABLE READ) on PostgreSQL, so
    the sums and the stored decisions that hide them come from the same commits. Inside a
    transaction already (tests, a caller's atomic block) the caller's isolation holds."""
    alias = router.db_for_read(DailyFigures) or "default"
    target = connections[alias]
    if target.vendor != "postgresql" or target.in_atomic_block:
        yield
        return
    with transaction.atomic(using=alias):
        with target.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield
