"""The subtraction attack on small-count suppression (issue 19, finding 5).

An attacker with a dashboard token reads every stats endpoint and breakdown, then
subtracts: a street's total minus its shown communities, a district's minus its
streets, the city's minus its districts, a total minus its shown statuses, the whole
minus the pilot subset. Every recovered value is a hidden cell given back.
"""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from reporting import rollups, stats, suppression
from sanlian.api.domain import dashboard_token_issue
from services.allowances.domain import allowances_credit_month
from services.models import ServiceRequest, Visit
from tests import factories as f
from tests.api.test_stats import _served
from tests.services._allowances_support import last_month, this_month

ROW_FIGURES = ("requests", "visits_completed", "residents_served", "ratings")


@pytest.fixture
def world(cast):
    """Two districts; small cells (1-4) beside large ones, a cancelled request, pilots."""
    d1, d2 = cast.east_street.district, f.DistrictFactory()
    s3 = f.StreetFactory(district=d2)
    people = {
        cast.community: 7,
        f.CommunityFactory(street=cast.east_street, pilot_batch="city"): 2,
        f.CommunityFactory(street=cast.east_street): 6,
        cast.other_community: 9,
        f.CommunityFactory(street=cast.west_street): 3,
        f.CommunityFactory(street=s3, pilot_batch="city"): 8,
        f.CommunityFactory(street=s3): 1,
    }
    for community, n in people.items():
        _served(community, n)
    one = ServiceRequest.objects.filter(resident__community=cast.community).first()
    ServiceRequest.objects.filter(pk=one.pk).update(status=ServiceRequest.Status.CANCELLED)
    assert d1 != d2
    return cast, people


def _reader(cast) -> APIClient:
    client = APIClient()
    token = dashboard_token_issue(name="大屏", issued_by=cast.civil)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def _value(cell):
    return None if cell["suppressed"] else cell["value"]


def _recover(total, parts) -> int | None:
    """total - shown parts, when exactly one part is hidden and the total is shown."""
    hidden = [p for p in parts if p is None]
    if total is None or len(hidden) != 1:
        return None
    return total - sum(p for p in parts if p is not None)


def _attack(client) -> list[tuple]:
    get = lambda path: client.get(f"/api/v1/stats/{path}").json()  # noqa: E731
    communities = get("communities/")["results"]
    streets = get("streets/")["results"]
    districts = get("districts/")["results"]
    overview = get("overview/")
    found = []
    for figure in ROW_FIGURES:
        for parent_rows, child_rows, link in (
            (streets, communities, "street"),
            (districts, streets, "district"),
        ):
            for parent in parent_rows:
                parts = [_value(c[figure]) for c in child_rows if c[link] == parent["id"]]
                found.append((figure, link, parent["id"], _recover(_value(parent[figure]), parts)))
        city = [_value(d[figure]) for d in districts]
        if figure == "residents_served":
            found.append(
                (figure, "city", None, _recover(_value(overview["residents_60_plus_served"]), city))
            )
    # Filtered overviews are totals too: one per street and district, and the pilots.
    for level, rows in (("street", streets), ("district", districts)):
        for row in rows:
            body = get(f"overview/?{level}={row['id']}")
            found.append(
                (
                    "served",
                    level,
                    row["id"],
                    _recover(
                        _value(body["residents_60_plus_served"]), [_value(row["residents_served"])]
                    ),
                )
            )
            statuses = [_value(c) for c in body["requests_by_status"].values()]
            found.append(
                ("by-status", level, row["id"], _recover(_value(row["requests"]), statuses))
            )
    pilot = get("overview/?pilot_batch=city")["residents_60_plus_served"]
    rest = [_value(c["residents_served"]) for c in communities if c["pilot_batch"] != "city"]
    whole = _value(overview["residents_60_plus_served"])
    if whole is not None and _value(pilot) is not None:
        found.append(("pilot", "city", None, _recover(whole - _value(pilot), rest)))
    return [attempt for attempt in found if attempt[-1] is not None]


def test_no_endpoint_gives_a_hidden_cell_back_by_subtraction(world):
    cast, _people = world
    client = _reader(cast)
    communities = client.get("/api/v1/stats/communities/").json()["results"]
    assert any(row["residents_served"]["suppressed"] for row in communities)  # cells to attack
    assert _attack(client) == []


def _decide_with(monkeypatch, name: str, value) -> None:
    """Patch the suppression everywhere it is decided, then let the rollups decide anew:
    week decisions are stored by the refresh (reporting/rollups.py), not taken on read."""
    monkeypatch.setattr(stats, name, value)
    monkeypatch.setattr(suppression, {"SUPPRESSION_THRESHOLD": "THRESHOLD"}.get(name, name), value)
    rollups.rollups_rebuild()
    cache.clear()


def test_control_with_primary_suppression_only_the_attack_recovers_cells(world, monkeypatch):
    """Control: hiding only the small cells, as before, lets the attack through."""
    cast, people = world
    _decide_with(
        monkeypatch,
        "suppressed_cells",
        lambda values, groups, threshold: {c for c, v in values.items() if 0 < v < threshold},
    )
    recovered = _attack(_reader(cast))
    assert recovered
    small = {n for n in people.values() if 0 < n < stats.SUPPRESSION_THRESHOLD}
    # Right answers, checked against the database: the small communities' own counts.
    assert small & {value for *_where, value in recovered}


def test_the_suppression_is_the_same_in_every_endpoint(world):
    """A cell hidden in one table is hidden wherever it appears, so tables never combine."""
    cast, _people = world
    client = _reader(cast)
    streets = client.get("/api/v1/stats/streets/").json()["results"]
    for row in streets:
        body = client.get(f"/api/v1/stats/overview/?street={row['id']}").json()
        assert body["residents_60_plus_served"] == row["residents_served"]
        assert body["ratings"] == row["ratings"]


def test_zero_and_large_cells_stay_shown_where_nothing_is_small(cast):
    for community in (cast.community, cast.other_community):
        _served(community, 6)
    rows = _reader(cast).get("/api/v1/stats/communities/").json()["results"]
    assert all(not row[name]["suppressed"] for row, name in itertools.product(rows, ROW_FIGURES))


# --- Over time: the weekly series, date ranges and the allowance figures ----------------------
# The same attacker subtracts along time too: a period's total minus its shown weeks, a
# district's week minus its streets' weeks, one date range minus another a day shorter, an
# allowance total minus its shown rows, two months minus one. `_time_attack` returns every
# recovered value with where its true value can be read when nothing is suppressed.


def _served_on(community, people: int, when):
    for _ in range(people):
        request = f.ServiceRequestFactory(
            resident=f.ResidentFactory(community=community), created_at=when
        )
        visit = f.VisitFactory(
            request=request,
            scheduled_start=when,
            checked_in_at=when,
            status=Visit.Status.COMPLETED,
        )
        f.FeedbackFactory(visit=visit, rating=4)


@pytest.fixture
def weeks_world(cast):
    """Three past weeks: the east community has 6, 2 and 7 people, the west one 5, 6, 5;
    the allowances: two west residents credited last month, five more this month; six and
    two east residents credited this month."""
    monday = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday())
    weeks = [monday - datetime.timedelta(weeks=n) for n in (3, 2, 1)]
    noon = datetime.time(12)
    for week, east, west in zip(weeks, (6, 2, 7), (5, 6, 5), strict=True):
        when = timezone.make_aware(datetime.datetime.combine(week + datetime.timedelta(2), noon))
        _served_on(cast.community, east, when)
        _served_on(cast.other_community, west, when)
    f.AllowanceRuleFactory(min_age=80, monthly_amount_fen=10000)
    north = f.CommunityFactory(street=cast.east_street)
    for _ in range(2):
        f.ResidentFactory(community=cast.other_community)
    allowances_credit_month(month=last_month())
    for community, n in ((cast.other_community, 5), (cast.community, 6), (north, 2)):
        for _ in range(n):
            f.ResidentFactory(community=community)
    allowances_credit_month(month=this_month())
    cache.clear()
    return cast, weeks


class _Reader:
    def __init__(self, client):
        self.client, self.seen = client, {}

    def __call__(self, path: str) -> dict:
        if path not in self.seen:
            response = self.client.get(f"/api/v1/stats/{path}")
            assert response.status_code == 200, (path, response.content)
            self.seen[path] = response.json()
        return self.seen[path]


def _number(cell):
    if cell["suppressed"]:
        return None
    return Decimal(cell["value"]) if isinstance(cell["value"], str) else cell["value"]


def _row(body, key, ident):
    return next(row for row in body[key] if row[ident[0]] == ident[1])


def _one_hidden(total, parts) -> bool:
    return total is not None and sum(p is None for p in parts) == 1


def _weekly_attack(get, cast, weeks) -> list[tuple]:
    period = f"date_from={weeks[0]}&date_to={weeks[-1] + datetime.timedelta(days=6)}"
    found = []
    district = cast.east_street.district_id
    levels = (
        ("streets", "street", cast.east_street.pk),
        ("streets", "street", cast.west_street.pk),
        ("districts", "district", district),
    )
    for field in ("requests", "visits_completed", "ratings"):
        for table, name, pk in levels:
            series_path = f"weekly/?{name}={pk}&{period}"
            series = get(series_path)["results"]
            total = _number(_row(get(f"{table}/?{period}"), "results", ("id", pk))[field])
            parts = [_number(week[field]) for week in series]
            if _one_hidden(total, parts):
                hidden = next(w for w in series if w[field]["suppressed"])["week_start"]
                where = (series_path, "results", ("week_start", hidden), field)
                found.append((where, total - sum(p for p in parts if p is not None)))
        # A district's week minus its streets' weeks.
        for week in weeks:
            one = f"date_from={week}&date_to={week + datetime.timedelta(days=6)}"
            whole = _number(get(f"weekly/?district={district}&{one}")["results"][0][field])
            streets = {
                pk: get(f"weekly/?street={pk}&{one}")["results"][0][field]
                for pk in (cast.east_street.pk, cast.west_street.pk)
            }
            parts = [_number(cell) for cell in streets.values()]
            if _one_hidden(whole, parts):
                pk = next(pk for pk, cell in streets.items() if cell["suppressed"])
                where = (f"weekly/?street={pk}&{one}", "results", ("week_start", str(week)), field)
                found.append((where, whole - sum(p for p in parts if p is not None)))
    return found


def _range_attack(get, cast, weeks) -> list[tuple]:
    """[d1, d2] minus [d1, d2 - 1] (and [d1, d2] minus [d1 + 1, d2]) per community."""
    first, last = weeks[0], weeks[-1] + datetime.timedelta(days=6)
    days = [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]
    found = []
    for longer, shorter, day in [
        *(((first, d), (first, d - datetime.timedelta(1)), d) for d in days[1:]),
        *(((d, last), (d + datetime.timedelta(1), last), d) for d in days[:-1]),
    ]:
        big = get(f"communities/?date_from={longer[0]}&date_to={longer[1]}")["results"]
        small = get(f"communities/?date_from={shorter[0]}&date_to={shorter[1]}")["results"]
        for row in big:
            other = _row({"r": small}, "r", ("id", row["id"]))
            for field in ("requests", "residents_served", "ratings"):
                a, b = _number(row[field]), _number(other[field])
                if a is not None and b is not None and 0 < a - b < stats.SUPPRESSION_THRESHOLD:
                    where = (f"communities/?date_from={day}&date_to={day}", "results")
                    found.append(((*where, ("id", row["id"]), field), a - b))
    return found


ALLOWANCE_FIGURES = ("care_accounts", "residents_credited", "credited", "paid_from_allowances")


def _month_path(month) -> str:
    return f"allowances/?breakdown=community&date_from={month}&date_to={month}"


def _allowance_attack(get, cast) -> list[tuple]:
    found = []
    months = {"last": last_month(), "this": this_month()}
    # An area's totals minus its shown rows, at every breakdown and area filter.
    for query in (
        "breakdown=district",
        "breakdown=street",
        "breakdown=community",
        f"district={cast.east_street.district_id}&breakdown=street",
        f"street={cast.east_street.pk}&breakdown=community",
        f"street={cast.west_street.pk}&breakdown=community",
    ):
        path = f"allowances/?{query}"
        body = get(path)
        key = next(k for k in ("districts", "streets", "communities") if k in body)
        for field in ALLOWANCE_FIGURES:
            parts = [_number(row[field]) for row in body[key]]
            total = _number(body[field])
            if _one_hidden(total, parts):
                hidden = next(row for row in body[key] if row[field]["suppressed"])
                found.append(
                    ((path, key, ("id", hidden["id"]), field), total - sum(filter(None, parts)))
                )
    # Two months minus one of them, per community: the other month's figure.
    both = f"date_from={months['last']}&date_to={months['this']}"
    for keep, drop in (("this", "last"), ("last", "this")):
        two = get(f"allowances/?breakdown=community&{both}")["communities"]
        one_path = (
            f"allowances/?breakdown=community&date_from={months[keep]}&date_to={months[keep]}"
        )
        one = get(one_path)["communities"]
        for row in two:
            other = _row({"r": one}, "r", ("id", row["id"]))
            for field in ("credited", "paid_from_allowances"):
                a, b = _number(row[field]), _number(other[field])
                if a is not None and b is not None:
                    where = (_month_path(months[drop]), "communities", ("id", row["id"]), field)
                    found.append((where, a - b))
    return found


def _time_attack(client, cast, weeks) -> list[tuple]:
    get = _Reader(client)
    return [
        *_weekly_attack(get, cast, weeks),
        *_range_attack(get, cast, weeks),
        *_allowance_attack(get, cast),
    ]


def _truth(client, where):
    path, key, ident, field = where
    return _number(_row(_Reader(client)(path), key, ident)[field])


def _hidden_in_truth_set(client, found) -> list[tuple]:
    """The recovered values that are right, and were hidden where they are published."""
    get = _Reader(client)
    return [
        (where, value)
        for where, value in found
        if _row(get(where[0]), where[1], where[2])[where[3]]["suppressed"]
    ]


def test_no_weekly_range_or_allowance_figure_gives_a_hidden_cell_back(weeks_world):
    cast, weeks = weeks_world
    client = _reader(cast)
    weekly = client.get(f"/api/v1/stats/weekly/?street={cast.east_street.pk}").json()["results"]
    assert any(week["requests"]["suppressed"] for week in weekly)  # cells to attack
    assert any(not week["requests"]["suppressed"] for week in weekly)  # and shown ones
    allowances = client.get("/api/v1/stats/allowances/?breakdown=community").json()
    assert any(row["credited"]["suppressed"] for row in allowances["communities"])
    assert _hidden_in_truth_set(client, _time_attack(client, cast, weeks)) == []


def test_control_without_time_suppression_the_attack_recovers_true_cells(weeks_world, monkeypatch):
    """Control: with only the small cells hidden and dates taken as given (as before), the
    same attack gives hidden cells back, and the values are right. Counted from the raw
    tables: the rollups count residents served by whole weeks and refuse any other period."""
    cast, weeks = weeks_world
    _decide_with(monkeypatch, "suppressed_cells", lambda values, groups, threshold: set())
    monkeypatch.setattr(stats, "whole_weeks", lambda stats_filter: stats_filter)
    client = _reader(cast)
    with stats.counted_from_raw_tables():
        recovered = _hidden_in_truth_set(client, _time_attack(client, cast, weeks))
        kinds = {where[0].split("/")[0] for where, _value in recovered}
        assert {"weekly", "communities", "allowances"} <= kinds
        _decide_with(monkeypatch, "SUPPRESSION_THRESHOLD", 0)  # now read the true values
        for where, value in recovered:
            assert _truth(client, where) == value, where
