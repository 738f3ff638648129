"""The bureau's category targets through the API: the same rule and write as the targets page
(projects.rules.set_category_targets_refusal, domain.category_targets_set), on the figures."""

import re
import threading

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import close_old_connections, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from projects import domain
from projects.models import CategoryTarget
from sanlian.models import AuditEntry
from sanlian.roles import Role
from tests import factories as f
from tests.api.conftest import client_for
from tests.services._races import RACES_ON_POSTGRESQL

URL = "/api/v1/project-category-targets/"


def _rows() -> list[tuple]:
    return sorted(CategoryTarget.objects.values_list("district", "category", "target"))


@pytest.fixture
def district(cast):
    return cast.east_street.district


def test_bureau_creates_then_changes_a_target_and_the_figures_show_it(cast, district):
    client = client_for(cast.civil)
    body = {"district": district.pk, "category": "culture_sports", "target": 37}
    response = client.post(URL, body, format="json")
    assert response.status_code == 201, response.json()
    created = CategoryTarget.objects.get()
    assert (created.district, created.category, created.target) == (
        district,
        "culture_sports",
        37,
    )
    assert created.set_by == cast.civil
    assert response.json() == {
        "id": created.pk,
        "district": district.pk,
        "district_name": district.name,
        "category": "culture_sports",
        "target": 37,
        "set_at": response.json()["set_at"],
    }
    # The same write as the page: audited on the district, before and after.
    entry = AuditEntry.objects.filter(object_type="communities.district").latest("pk")
    assert (entry.actor, entry.changes) == (cast.civil, {"culture_sports": [None, 37]})

    stats = client.get("/api/v1/stats/projects/").json()["cultivation_by_district_and_category"]
    [row] = [r for r in stats if (r["district"], r["category"]) == (district.pk, "culture_sports")]
    assert (row["target"], row["target_met"]) == (37, False)
    page = Client()
    page.force_login(cast.civil)
    table = re.search(
        r'id="projects-cultivation">.*?</table>', page.get("/dashboard/").content.decode(), re.S
    ).group(0)
    culture = [tr for tr in table.split("<tr>") if "文化体育类" in tr and district.name in tr]
    assert len(culture) == 1 and ">37 <span" in culture[0]
    targets_page = page.get("/projects/category-targets/").content.decode()
    assert "37" in targets_page

    changed = client.patch(f"{URL}{created.pk}/", {"target": 2}, format="json")
    assert changed.status_code == 200 and changed.json()["target"] == 2
    assert _rows() == [(district.pk, "culture_sports", 2)]
    cache.clear()  # the projects figures are cached for a minute (docs/architecture.md)
    stats = client.get("/api/v1/stats/projects/").json()["cultivation_by_district_and_category"]
    [row] = [r for r in stats if (r["district"], r["category"]) == (district.pk, "culture_sports")]
    assert row["target"] == 2


def test_list_filters_by_district_and_category_with_a_pinned_query_count(cast, district):
    other = f.StreetFactory().district
    domain.category_targets_set(
        district=district, targets={"culture_sports": 3, "public_welfare": 1}, actor=cast.civil
    )
    domain.category_targets_set(district=other, targets={"culture_sports": 5}, actor=cast.civil)
    client = client_for(cast.civil)
    assert client.get(URL).json()["count"] == 3
    mine = client.get(URL, {"district": district.pk}).json()["results"]
    assert sorted((r["category"], r["target"]) for r in mine) == [
        ("culture_sports", 3),
        ("public_welfare", 1),
    ]
    culture = client.get(URL, {"category": "culture_sports"}).json()["results"]
    assert sorted((r["district"], r["target"]) for r in culture) == sorted(
        [(district.pk, 3), (other.pk, 5)]
    )
    assert client.get(URL, {"category": "golf"}).status_code == 400
    assert client.get(URL, {"district": "x"}).status_code == 400
    for n in range(6):
        domain.category_targets_set(
            district=f.StreetFactory().district, targets={"charity_relief": n}, actor=cast.civil
        )
    with CaptureQueriesContext(connection) as queries:
        body = client.get(URL, {"page_size": 100}).json()
    assert body["count"] == 9
    assert len(queries) == 2  # count and page, the district joined


@pytest.mark.parametrize("who", ["street_staff", "community_staff", "member", "dashboard"])
def test_only_the_bureau_may_read_or_write_targets(cast, district, who):
    existing = domain.category_targets_set(
        district=district, targets={"culture_sports": 3}, actor=cast.civil
    )[0]
    before = _rows()
    user = f.UserFactory(role=Role.DASHBOARD) if who == "dashboard" else getattr(cast, who)
    client = client_for(user)
    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}{existing.pk}/").status_code == 403
    body = {"district": district.pk, "category": "public_welfare", "target": 9}
    created = client.post(URL, body, format="json")
    assert created.status_code == 403 and created.json()["detail"]
    patched = client.patch(f"{URL}{existing.pk}/", {"target": 9}, format="json")
    assert patched.status_code == 403
    assert _rows() == before


def test_a_district_that_does_not_exist_is_a_404_naming_the_field_and_changes_nothing(
    cast, district
):
    # The API's rule (sanlian/api/exceptions.py): a well-formed id naming no row is a 404.
    domain.category_targets_set(district=district, targets={"public_welfare": 1}, actor=cast.civil)
    before = _rows()
    body = {"district": 999_999, "category": "culture_sports", "target": 4}
    response = client_for(cast.civil).post(URL, body, format="json")
    assert response.status_code == 404
    assert "999999" in " ".join(response.json()["errors"]["district"])
    assert _rows() == before


def test_without_credentials_the_answer_is_401(cast, district):
    response = APIClient().post(
        URL, {"district": district.pk, "category": "culture_sports", "target": 1}, format="json"
    )
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"
    assert not CategoryTarget.objects.exists()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"target": -1}, "target", "大于或者等于 0"),
        ({"target": 10_001}, "target", "小于或者等于 10000"),
        ({"target": "many"}, "target", "整数"),
        ({"target": None}, "target", "null"),
        ({"category": "sports_club"}, "category", "sports_club"),
        ({"district": "east"}, "district", "主键"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_changes_nothing(
    cast, district, change, field, message
):
    domain.category_targets_set(district=district, targets={"public_welfare": 1}, actor=cast.civil)
    before = _rows()
    body = {"district": district.pk, "category": "culture_sports", "target": 4} | change
    response = client_for(cast.civil).post(URL, body, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert field in errors and message in " ".join(errors[field]), errors
    assert _rows() == before


def test_bad_change_is_a_400_and_a_missing_target_a_404(cast, district):
    [target] = domain.category_targets_set(
        district=district, targets={"public_welfare": 1}, actor=cast.civil
    )
    client = client_for(cast.civil)
    # `{}` is no bad change but none at all (tests/api/test_schema_findings.py).
    for bad in ({"target": -3}, {"target": 1.5}):
        response = client.patch(f"{URL}{target.pk}/", bad, format="json")
        assert response.status_code == 400 and "target" in response.json()["errors"]
    missing = client.patch(f"{URL}{target.pk + 1000}/", {"target": 3}, format="json")
    assert missing.status_code == 404
    assert client.put(f"{URL}{target.pk}/", {"target": 3}, format="json").status_code == 405
    assert _rows() == [(district.pk, "public_welfare", 1)]


def test_the_domain_refuses_a_negative_or_unknown_target_for_the_page_too(cast, district):
    with pytest.raises(ValidationError, match="不小于零"):
        domain.category_target_create(
            district=district, category="culture_sports", target=-1, actor=cast.civil
        )
    with pytest.raises(ValidationError, match="未知的组织类别"):
        domain.category_target_create(
            district=district, category="golf", target=1, actor=cast.civil
        )
    with pytest.raises(PermissionDenied):
        domain.category_target_create(
            district=district, category="culture_sports", target=1, actor=cast.street_staff
        )
    assert not CategoryTarget.objects.exists()


def test_a_duplicate_is_a_409_that_names_the_target_and_overwrites_nothing(cast, district):
    domain.category_targets_set(district=district, targets={"culture_sports": 3}, actor=cast.civil)
    body = {"district": district.pk, "category": "culture_sports", "target": 8}
    response = client_for(cast.civil).post(URL, body, format="json")
    assert response.status_code == 409
    assert "已设定文化体育类的培育目标" in response.json()["detail"]
    assert _rows() == [(district.pk, "culture_sports", 3)]


def _race_marks(test):
    for mark in reversed(RACES_ON_POSTGRESQL):
        test = mark(test)
    return test


@_race_marks
def test_two_creates_of_one_target_at_once_make_one_row_and_one_409(cast, district):
    start = threading.Barrier(2, timeout=20)
    statuses: list[int] = []

    def post(target):
        try:
            start.wait()
            body = {"district": district.pk, "category": "culture_sports", "target": target}
            statuses.append(client_for(cast.civil).post(URL, body, format="json").status_code)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=post, args=(n,)) for n in (4, 6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [201, 409]
    assert CategoryTarget.objects.filter(district=district).count() == 1
