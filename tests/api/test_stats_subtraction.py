"""The subtraction attack on small-count suppression (issue 19, finding 5).

An attacker with a dashboard token reads every stats endpoint and breakdown, then
subtracts: a street's total minus its shown communities, a district's minus its
streets, the city's minus its districts, a total minus its shown statuses, the whole
minus the pilot subset. Every recovered value is a hidden cell given back.
"""

import itertools

import pytest
from rest_framework.test import APIClient

from reporting import stats
from sanlian.api.domain import dashboard_token_issue
from services.models import ServiceRequest
from tests import factories as f
from tests.api.test_stats import _served

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


def test_control_with_primary_suppression_only_the_attack_recovers_cells(world, monkeypatch):
    """Control: hiding only the small cells, as before, lets the attack through."""
    cast, people = world
    monkeypatch.setattr(
        stats,
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
