"""The dashboard's allowance rows per area: the API's rows, suppressed alike, scoped per user."""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from services.allowances.domain import allowances_credit_month, visit_charge
from tests import factories as f
from tests.api.conftest import client_for
from tests.services._allowances_support import done_visit, this_month

URL = "/api/v1/stats/allowances/"


@pytest.fixture
def credited(cast):
    """Six residents of 桃南二社区, two of 桃北社区 (east) and five of 坞城社区 (west),
    each credited 100.00 this month; five east residents had a 30.00 visit paid from it."""
    f.AllowanceRuleFactory(min_age=80, monthly_amount_fen=10000)
    cast.north = f.CommunityFactory(street=cast.east_street, name="桃北社区")
    east = [cast.resident, *(f.ResidentFactory(community=cast.community) for _ in range(5))]
    for _ in range(2):
        f.ResidentFactory(community=cast.north)
    for _ in range(4):
        f.ResidentFactory(community=cast.other_community)
    allowances_credit_month(month=this_month())
    for resident in east[:5]:
        visit_charge(visit=done_visit(resident=resident, organization=cast.organization))
    cache.clear()
    return cast


def _shown(figure: dict) -> str:
    return "不显示" if figure["suppressed"] else str(figure["value"])


def _api_rows(user, key: str, **query) -> list[list[str]]:
    body = client_for(user).get(URL, query).json()
    return [
        [row["name"]]
        + [
            _shown(row[name])
            for name in (
                "care_accounts",
                "residents_credited",
                "credited",
                "paid_from_allowances",
                "visits_paid_from_allowances",
                "co_payments",
            )
        ]
        for row in body[key]
    ]


def _page_rows(page: str) -> list[list[str]]:
    """The allowance table's rows as the cell texts a reader sees."""
    table = re.search(r'data-testid="allowance-table".*?</table>', page, re.S).group(0)
    rows = re.findall(r"<tr data-area=.*?</tr>", table, re.S)
    cells = [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S) for row in rows]
    return [[" ".join(re.sub(r"<[^>]+>", "", c).split()) for c in row] for row in cells]


@pytest.mark.parametrize(
    ("who", "place", "key"),
    [
        ("civil", {}, "districts"),
        ("civil", {"district": "east"}, "streets"),
        ("civil", {"street": "east"}, "communities"),
        ("street_staff", {}, "communities"),
    ],
)
def test_allowance_rows_on_the_page_equal_the_api(client, credited, who, place, key):
    user = getattr(credited, who)
    query = {}
    if place.get("district"):
        query["district"] = credited.east_street.district_id
    if place.get("street") or who == "street_staff":
        query["street"] = credited.east_street.pk
    client.force_login(user)
    page_query = {} if who == "street_staff" else query  # street staff land on their street
    response = client.get(reverse("dashboard:index"), page_query)
    assert response.status_code == 200
    breakdown = {"districts": "district", "streets": "street", "communities": "community"}[key]
    api = client_for(user).get(URL, {**query, "breakdown": breakdown}).json()
    assert response.context["board"].allowance_rows == api[key]
    assert _page_rows(response.content.decode()) == _api_rows(
        user, key, **query, breakdown=breakdown
    )
    assert api[key]  # the comparison is about real rows


def test_street_staff_see_only_their_streets_allowance_rows(client, credited):
    client.force_login(credited.street_staff)
    rows = _page_rows(client.get(reverse("dashboard:index")).content.decode())
    assert [row[0] for row in rows] == ["桃南二社区", "桃北社区"]
    # 桃北社区's two residents are hidden, so 桃南二社区's six are too (issue 19): the street's
    # total minus six would give the two back. Nobody in 桃北社区 had a visit paid: shown.
    assert rows[0][1:4] == ["不显示"] * 3 and rows[0][4] == "150.00"
    other = client.get(reverse("dashboard:index"), {"street": credited.west_street.pk})
    assert other.status_code == 404
    west = _api_rows(credited.other_street_staff, "communities", breakdown="community")
    assert [row[0] for row in west] == ["坞城社区"]


def test_small_allowance_rows_are_suppressed_like_the_api(client, credited):
    client.force_login(credited.civil)
    page = client.get(reverse("dashboard:index"), {"street": credited.east_street.pk})
    north = next(row for row in _page_rows(page.content.decode()) if row[0] == "桃北社区")
    # Two residents: their count and the 200.00 they received would single them out.
    assert north[1:4] == ["不显示", "不显示", "不显示"]
    assert "200.00" not in page.content.decode()
    # No visit was paid for them: zero points at no one and is shown.
    assert north[4:] == ["0.00", "0", "0.00"]


def test_city_allowance_rows_are_districts_with_the_citys_totals(client, credited):
    client.force_login(credited.civil)
    board = client.get(reverse("dashboard:index")).context["board"]
    [district] = board.allowance_rows
    assert district["id"] == credited.east_street.district_id
    assert (
        district["credited"]
        == board.allowances["credited"]
        == {
            "value": "1300.00",
            "suppressed": False,
        }
    )


def test_community_dashboard_has_no_allowance_rows(client, credited):
    client.force_login(credited.community_staff)
    response = client.get(reverse("dashboard:index"))
    assert response.context["board"].level == "community"
    assert response.context["board"].allowance_rows == []
    assert 'data-testid="allowance-table"' not in response.content.decode()
    assert 'data-testid="dashboard-allowances"' in response.content.decode()


def test_allowance_rows_heading_is_translated(client, credited, settings):
    client.force_login(credited.civil)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("dashboard:index")).content.decode()
    assert 'data-testid="allowance-table"' in page
    assert "各区养老补贴" not in page and "金额单位" not in page
