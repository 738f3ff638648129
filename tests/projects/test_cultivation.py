"""Category targets set by the bureau, and the cultivation and funding figures per district
and category: on /api/v1/stats/projects/, the dashboard section and equal to direct counts."""

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.test import Client

from organizations.models import Category, Organization
from projects import domain
from projects.models import CategoryTarget, Contract, Incubation
from tests import factories as f
from tests.api.conftest import client_for
from tests.projects._support import awarded_contract, days, verified_visit

CATEGORIES = list(Category.values)


def _client(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def city(cast):
    """Two districts: east and west streets in the first, a third street in another."""
    far = f.StreetFactory(name="北城街道")
    far_community = f.CommunityFactory(street=far, name="北城社区")
    for organization, street in (
        (cast.organization, cast.east_street),
        (cast.other_organization, cast.west_street),
    ):
        organization.home_street = street
        organization.save(update_fields=["home_street"])
    extra = [
        f.OrganizationFactory(home_street=cast.east_street, category=Category.CULTURE_SPORTS),
        f.OrganizationFactory(home_street=cast.east_street, category=Category.CULTURE_SPORTS),
        f.OrganizationFactory(
            home_street=cast.east_street,
            category=Category.CULTURE_SPORTS,
            status=Organization.Status.SUBMITTED,
        ),
        f.OrganizationFactory(home_street=far, category=Category.CHARITY_RELIEF),
    ]
    hub = f.OrganizationFactory(name="枢纽", home_street=far)
    domain.incubation_start(
        organization=extra[0], mentor=hub, started_on=days(-90), actor=cast.civil
    )
    graduated = domain.incubation_start(
        organization=extra[1], mentor=hub, started_on=days(-90), actor=cast.civil
    )
    domain.incubation_end(
        incubation=graduated, actor=cast.civil, stage="graduated", ended_on=days(-1), outcome="好"
    )
    domain.category_targets_set(
        district=cast.east_street.district,
        targets={Category.CULTURE_SPORTS: 3, Category.PUBLIC_WELFARE: 1},
        actor=cast.civil,
    )
    cast.far, cast.far_community, cast.extra = far, far_community, extra
    return cast


def _direct(district, category, streets=None):
    approved = Organization.objects.filter(
        status="approved", category=category, home_street__district=district
    )
    incubations = Incubation.objects.filter(
        organization__category=category, organization__home_street__district=district
    )
    if streets is not None:
        approved = approved.filter(home_street__in=streets)
        incubations = incubations.filter(organization__home_street__in=streets)
    contracts = Contract.objects.filter(
        organization__category=category, communities__street__district=district
    ).distinct()
    if streets is not None:
        contracts = contracts.filter(communities__street__in=streets)
    target = CategoryTarget.objects.filter(district=district, category=category).first()
    return {
        "organizations": approved.count(),
        "target": target.target if target else None,
        "incubating": incubations.filter(stage="incubating").count(),
        "graduated": incubations.filter(stage="graduated").count(),
        "contracts": contracts.count(),
        "paid_fen": contracts.aggregate(s=Sum("paid_fen"))["s"] or 0,
    }


def _fen(yuan: str) -> int:
    whole, cents = yuan.split(".")
    return int(whole) * 100 + int(cents)


def _paid_contract(cast):
    bathing = f.ServiceTypeFactory(code="bathing", name="助浴")
    contract = awarded_contract(cast, service_type=bathing)
    for _ in range(2):
        verified_visit(
            organization=cast.organization, community=cast.community, service_type=bathing
        )
    milestone = domain.milestone_add(
        contract=contract, actor=cast.civil, title="一期", due_on=days(1), amount_fen=50_000
    )
    request = domain.payment_request_submit(
        milestone=milestone, actor=cast.member, amount_fen=50_000
    )
    domain.payment_request_approve(payment_request=request, actor=cast.civil)
    return contract


def test_city_figures_equal_direct_counts(city):
    _paid_contract(city)
    body = client_for(city.civil).get("/api/v1/stats/projects/").json()
    rows = body["cultivation_by_district_and_category"]
    districts = {city.east_street.district, city.far.district}
    assert {(r["district"], r["category"]) for r in rows} == {
        (d.pk, c) for d in districts for c in CATEGORIES
    }
    for row in rows:
        district = (
            city.east_street.district
            if row["district"] == city.east_street.district_id
            else city.far.district
        )
        direct = _direct(district, row["category"])
        assert row["whole_district"] is True
        assert (row["organizations"], row["target"], row["incubating"], row["graduated"]) == (
            direct["organizations"],
            direct["target"],
            direct["incubating"],
            direct["graduated"],
        ), row
        assert (row["contracts"], _fen(row["paid"])) == (direct["contracts"], direct["paid_fen"])
    east_culture = next(
        r
        for r in rows
        if r["district"] == city.east_street.district_id and r["category"] == "culture_sports"
    )
    # Two approved of three, against a target of three: not met; one incubating, one out.
    assert (east_culture["organizations"], east_culture["target_met"]) == (2, False)
    assert (east_culture["incubating"], east_culture["graduated"]) == (1, 1)
    east_welfare = next(
        r
        for r in rows
        if r["district"] == city.east_street.district_id and r["category"] == "public_welfare"
    )
    assert (east_welfare["target_met"], east_welfare["paid"]) == (True, "500.00")


def test_street_scope_counts_only_its_streets_and_says_so(city):
    _paid_contract(city)
    body = client_for(city.other_street_staff).get("/api/v1/stats/projects/").json()
    rows = body["cultivation_by_district_and_category"]
    assert {r["district"] for r in rows} == {city.west_street.district_id}
    assert all(r["whole_district"] is False for r in rows)
    for row in rows:
        direct = _direct(city.west_street.district, row["category"], streets=[city.west_street])
        assert row["organizations"] == direct["organizations"]
        assert row["contracts"] == direct["contracts"] == 0
    # The east street's culture organizations and its paid contract are not in the west's view.
    assert sum(r["organizations"] for r in rows) == 1
    assert body["results"] == []


def test_dashboard_section_shows_targets_and_cost_per_visit(city):
    contract = _paid_contract(city)
    page = _client(city.civil).get("/dashboard/").content.decode()
    assert "政府购买服务与组织培育" in page
    assert 'id="projects-cultivation"' in page and "文化体育类" in page
    assert f"/projects/contracts/{contract.pk}/" in page
    # 500 yuan paid for two verified visits: 250 yuan a visit.
    assert "250.00" in page
    west = _client(city.other_street_staff).get("/dashboard/").content.decode()
    assert "政府购买服务与组织培育" in west and contract.title not in west


def test_category_targets_page_sets_and_clears(city):
    client = _client(city.civil)
    district = city.far.district
    response = client.post(
        "/projects/category-targets/",
        {"district": district.pk, "target_charity_relief": "2", "target_public_welfare": "0"},
        follow=True,
    )
    assert "培育目标已保存" in response.content.decode()
    assert dict(
        CategoryTarget.objects.filter(district=district).values_list("category", "target")
    ) == {"charity_relief": 2, "public_welfare": 0}
    client.post(
        "/projects/category-targets/", {"district": district.pk, "target_charity_relief": "1"}
    )
    assert dict(
        CategoryTarget.objects.filter(district=district).values_list("category", "target")
    ) == {"charity_relief": 1}


def test_category_targets_bad_input_and_wrong_role_change_nothing(city):
    before = list(CategoryTarget.objects.values_list("district", "category", "target"))
    response = _client(city.civil).post(
        "/projects/category-targets/",
        {"district": city.far.district_id, "target_charity_relief": "-1"},
    )
    assert response.status_code == 200
    assert "确保该值大于或等于0" in response.content.decode()
    for who in ("street_staff", "community_staff", "member"):
        response = _client(getattr(city, who)).post(
            "/projects/category-targets/",
            {"district": city.far.district_id, "target_charity_relief": "9"},
        )
        assert response.status_code == 403
    assert list(CategoryTarget.objects.values_list("district", "category", "target")) == before
    with pytest.raises(ValidationError, match="未知的组织类别"):
        domain.category_targets_set(
            district=city.far.district, targets={"sports_club": 3}, actor=city.civil
        )
    assert list(CategoryTarget.objects.values_list("district", "category", "target")) == before
