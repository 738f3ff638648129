"""The overview's rollups in one statement (PostgreSQL).

An overview read was eleven queries in a REPEATABLE READ transaction (BEGIN, SET and COMMIT
three round trips more). One statement sees one snapshot at any isolation level, so the
same consistency costs one round trip: every part below is a scalar subquery returning
JSON. The parts mean what rollups.figures_grouped, served_grouped, wait_histogram,
suppressed_in and rollups_waiting and the stats module's community facts mean for one
group; tests/reporting compares the overview with the raw count for every kind of filter.
"""

# ruff: noqa: S608 - the SQL is built from constants and table names; every value is a parameter

import collections
import datetime
import json
from decimal import Decimal

from django.db import connections
from django.utils import timezone

from organizations.models import Agreement
from reporting.rollups import FIGURE_COLUMNS, tenths_summed, trees_by_period
from services.models import LedgerEntry
from socialworkers.models import SocialWorker

_AREA_SUMS = (
    "COUNT(*), COUNT(*) FILTER (WHERE pilot_batch <> ''), SUM(households),"
    " SUM(residents_60_plus), SUM(facility_area_m2)"
)


def overview_read(
    *, using: str, ids, scope, first, last, level: str, hidden_only: bool, allowances=None
) -> dict:
    """The rollups an overview reads, in one statement: the waiting notes, the geography of
    the caller's `scope` (None: the city) and the stored scopes it may be, the DailyFigures
    and ServedCount sums, workers, organizations and area facts of the communities `ids`
    (None: all), the stored cells of `level` for the candidate scopes, and the wait
    histogram; `first`/`last`: whole weeks or None. `allowances`: the period of the
    allowance block (allowance_read) when it is to be read too (it is not cached)."""
    params: dict = {"first": first, "last": last, "level": level, "hidden_only": hidden_only}
    of_ids = "TRUE" if ids is None else "community_id = ANY(%(ids)s)"
    params["ids"] = ids
    days = "".join(
        (" AND day >= %(first)s" if first else "", " AND day <= %(last)s" if last else "")
    )
    weeks = days.replace("day", "week")
    if scope is None:
        of_scope, candidates = "TRUE", "communities IS NULL"
    else:
        params["scope"] = sorted(scope)
        of_scope = "c.id = ANY(%(scope)s)"
        candidates = (
            "communities = (SELECT to_jsonb(array_agg(id ORDER BY id))"
            " FROM communities_community WHERE id = ANY(%(scope)s))"
        )
    served = "previous_week IS NULL" + (" OR previous_week < %(first)s" if first else "")
    links = SocialWorker.communities.through._meta.db_table
    params["active"] = Agreement.Status.ACTIVE
    sums = ", ".join(f"SUM({column})" for column in FIGURE_COLUMNS)
    parts = {
        "notes": "SELECT json_build_array(MIN(noted_at), COUNT(*) FILTER"
        " (WHERE family IN ('a', 'm')), COUNT(*)) FROM reporting_rollupdirty",
        "geography": "SELECT json_agg(json_build_array(c.id, c.street_id, s.district_id))"
        " FROM communities_community c JOIN communities_street s ON s.id = c.street_id"
        f" WHERE {of_scope}",
        "scopes": "SELECT json_agg(json_build_array(id, key, read_on))"
        f" FROM reporting_suppressionscope WHERE {candidates}",
        "daily": f"SELECT json_build_array({sums}) FROM reporting_dailyfigures"
        f" WHERE {of_ids}{days}",
        "served": f"SELECT SUM(n) FROM reporting_servedcount WHERE {of_ids}{weeks} AND ({served})",
        "workers": f"SELECT COUNT(DISTINCT l.socialworker_id) FROM {links} l"
        " JOIN socialworkers_socialworker w ON w.id = l.socialworker_id"
        f" WHERE w.active AND {of_ids.replace('community_id', 'l.community_id')}",
        "organizations": "SELECT COUNT(DISTINCT organization_id) FROM organizations_agreement"
        f" WHERE status = %(active)s AND {of_ids}",
        "area": f"SELECT json_build_array({_AREA_SUMS}) FROM communities_community"
        f" WHERE {of_ids.replace('community_id', 'id')}",
        "cells": "SELECT json_agg(json_build_array(scope_id, metric, level, node)) FROM ("
        " SELECT DISTINCT scope_id, metric, level, node FROM reporting_suppressedcell"
        " WHERE scope_id = ANY(ARRAY(SELECT id FROM reporting_suppressionscope"
        f" WHERE {candidates}))"
        f" AND level = %(level)s AND (hidden OR NOT %(hidden_only)s){weeks}) t",
        "waits": "SELECT json_agg(json_build_array(tenths, n)) FROM ("
        f" SELECT tenths, SUM(n) n FROM ({_waits_sql(ids, days, weeks)}) w GROUP BY tenths) t",
    }
    if allowances is not None:
        candidates_ids = f"SELECT id FROM reporting_suppressionscope WHERE {candidates}"
        parts.update(_allowance_parts(ids, f"ARRAY({candidates_ids})"))
        params.update(allowances)
    return _overview_parts(_read(using, parts, params))


def _waits_sql(ids, days: str, weeks: str) -> str:
    """wait_histogram's rows: WaitStreetCount for the streets `ids` hold whole, WaitCount
    for their other communities, or the city's. The ids found by a subquery are an ARRAY
    (an InitPlan) so each table is read through its index: as `IN (subquery)` PostgreSQL
    hashed the whole table, or started a parallel worker (~10 ms) for an empty rest."""
    if ids is None:
        return f"SELECT tenths, n FROM reporting_waitcitycount WHERE TRUE{weeks}"
    whole = (
        "SELECT street_id FROM communities_community WHERE street_id IN"
        " (SELECT street_id FROM communities_community WHERE id = ANY(%(ids)s))"
        " GROUP BY street_id HAVING bool_and(id = ANY(%(ids)s))"
    )
    rest = (
        "SELECT id FROM communities_community"
        f" WHERE id = ANY(%(ids)s) AND street_id NOT IN ({whole})"
    )
    return (
        "SELECT tenths, n FROM reporting_waitstreetcount"
        f" WHERE street_id = ANY(ARRAY({whole})){weeks}"
        " UNION ALL SELECT tenths, n FROM reporting_waitcount"
        f" WHERE community_id = ANY(ARRAY({rest})){days}"
    )


def _overview_parts(read: dict) -> dict:
    oldest, allowances, notes = read["notes"]
    now = timezone.now()
    oldest = datetime.datetime.fromisoformat(oldest) if oldest else None
    cells: dict[int, set] = {}
    for scope, metric, level, node in read["cells"] or ():
        cells.setdefault(scope, set()).add((metric, level, node))
    communities, pilots, households, sixty_plus, area = read["area"]
    return {
        "pending": bool(notes),
        "as_of": min(oldest, now) if oldest else now,
        "allowances waiting": bool(allowances),
        "geography": {pk: (street, district) for pk, street, district in read["geography"] or ()},
        "scopes": [
            (pk, key, datetime.date.fromisoformat(on) if on else None)
            for pk, key, on in read["scopes"] or ()
        ],
        "daily": dict(zip(FIGURE_COLUMNS, read["daily"], strict=True)),
        "served": read["served"] or 0,
        "workers": read["workers"],
        "organizations": read["organizations"],
        "area": {
            "communities": communities,
            "pilot_communities": pilots,
            "households_sum": households,
            "residents_60_plus_sum": sixty_plus,
            "facility_area_sum": None if area is None else Decimal(area),
        },
        "cells": cells,
        "waits": tenths_summed(read["waits"] or ()),
        "allowances": _allowance_figures(read) if "ledger" in read else None,
    }


# The allowance block (stats._allowance_raw and _allowance_hidden for one group): what the
# overview reads when its cached block has expired, in its one statement (or, when the
# block's notes waited there, in one of its own), with the notes that say whether the
# stored month decisions may be trusted in that same snapshot.
_LEDGER_SUMS = {
    "credited_residents": "COUNT(DISTINCT e.account_id) FILTER (WHERE {credit})",
    "credited_total": "SUM(e.amount_fen) FILTER (WHERE {credit})",
    "paid_residents": "COUNT(DISTINCT e.account_id) FILTER (WHERE {debit})",
    "paid_visits": "COUNT(DISTINCT e.visit_id) FILTER (WHERE {debit})",
    "debit_total": "SUM(e.amount_fen) FILTER (WHERE {debit})",
    "copay_residents": "COUNT(DISTINCT e.account_id) FILTER (WHERE {copay})",
    "copay_total": "SUM(e.copay_fen) FILTER (WHERE {copay})",
    "corrected_residents": "COUNT(DISTINCT e.account_id) FILTER (WHERE {correction})",
    "corrections": "COUNT(e.id) FILTER (WHERE {correction})",
    "correction_amount_total": "SUM(e.amount_fen) FILTER (WHERE {correction})",
    "correction_copay_total": "SUM(e.copay_fen) FILTER (WHERE {correction})",
}


def allowance_read(*, using: str, ids, scope: int, period: dict) -> dict:
    """The allowance figures of the communities `ids` (None: all) for the months of
    `period` (see _allowance_parts), the stored month decisions of `scope` up to its last
    month, and whether a change to them waits for the refresh; one statement."""
    parts = {
        "waiting": "SELECT COUNT(*) FROM reporting_rollupdirty WHERE family IN ('a', 'm')",
        **_allowance_parts(ids, "ARRAY[%(scope)s]::bigint[]"),
    }
    read = _read(using, parts, {"ids": ids, "scope": scope, **period})
    return {"waiting": bool(read["waiting"]), **_allowance_figures(read)[scope]}


def _allowance_parts(ids, scopes: str) -> dict[str, str]:
    """The SQL of the allowance block: ledger sums, accounts, and the month cells of the
    scopes in the array expression `scopes`. Parameters: ids and the period's months_from,
    months_to (credits by the month they are for) and booked_from, booked_before (other
    entries by when they were booked; accounts opened before it)."""
    kinds = {
        name: f"e.kind = '{kind}'"  # the model's own choices, never input
        for name, kind in (
            ("credit", LedgerEntry.Kind.CREDIT),
            ("debit", LedgerEntry.Kind.VISIT_DEBIT),
            ("copay", LedgerEntry.Kind.CO_PAYMENT),
            ("correction", LedgerEntry.Kind.CORRECTION),
        )
    }
    sums = ", ".join(sql.format(**kinds) for sql in _LEDGER_SUMS.values())
    of_ids = "TRUE" if ids is None else "r.community_id = ANY(%(ids)s)"
    return {
        "month cells": "SELECT json_agg(json_build_array(scope_id, month, metric, level, node,"
        " hidden)) FROM reporting_suppressedmonthcell"
        f" WHERE scope_id = ANY({scopes}) AND month <= %(months_to)s",
        "ledger": f"SELECT json_build_array({sums}) FROM services_ledgerentry e"
        " JOIN services_careaccount a ON a.id = e.account_id"
        " JOIN communities_resident r ON r.id = a.resident_id"
        f" WHERE (({kinds['credit']} AND e.month >= %(months_from)s"
        " AND e.month <= %(months_to)s) OR (NOT "
        f"{kinds['credit']} AND e.created_at >= %(booked_from)s"
        " AND e.created_at < %(booked_before)s))"
        f" AND {of_ids}",
        "accounts": "SELECT COUNT(*) FROM services_careaccount a"
        " JOIN communities_resident r ON r.id = a.resident_id"
        f" WHERE a.opened_at < %(booked_before)s AND {of_ids}",
    }


def _allowance_figures(read: dict) -> collections.defaultdict:
    """{scope id: {"months": stored decisions, "raw": the block's sums}} of what was read
    (the sums are the same for every scope the read may be)."""
    cells: dict[int, list] = {}
    for scope, month, metric, level, node, hidden in read["month cells"] or ():
        month = datetime.date.fromisoformat(month)
        cells.setdefault(scope, []).append((month, metric, level, node, hidden))
    raw = {"accounts": read["accounts"], **dict(zip(_LEDGER_SUMS, read["ledger"], strict=True))}
    return collections.defaultdict(
        lambda: {"months": {}, "raw": raw},
        {scope: {"months": trees_by_period(rows), "raw": raw} for scope, rows in cells.items()},
    )


def _read(using: str, parts: dict[str, str], params: dict) -> dict:
    """Each part's JSON value, read in one statement on the database `using`."""
    columns = ", ".join(f"({sql})::text" for sql in parts.values())
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT {columns}", params)
        row = cursor.fetchone()
    return {
        name: json.loads(text, parse_float=Decimal) if text else None
        for name, text in zip(parts, row, strict=True)
    }
