"""Bad input is refused with a clear 4xx, never a 500: deep JSON, far dates, huge lists."""

import datetime
import json
import re

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError

from organizations.models import Organization
from sanlian.bounds import (
    EARLIEST_REPORT_DATE,
    LATEST_REPORT_DATE,
    REPORT_DATE_PATTERN,
    parse_report_date,
)
from services.models import ServiceRequest
from tests import factories as f
from tests.api.conftest import client_for
from tests.api.test_writes import REGISTRATION

ONE_DAY = datetime.timedelta(days=1)
STATS = ["overview", "communities", "streets", "districts", "weekly", "allowances"]


def nested(depth: int) -> str:
    return '{"username": ' + "[" * depth + "1" + "]" * depth + "}"


def test_control_deep_json_overflows_the_plain_parser():
    with pytest.raises(RecursionError):
        json.loads(nested(100_000))


@pytest.mark.parametrize("depth", [1000, 100_000, 40])
def test_deeply_nested_json_is_a_400(cast, depth):
    response = client_for().post(
        "/api/v1/auth/token/", nested(depth), content_type="application/json"
    )
    assert response.status_code == 400
    assert "嵌套" in response.json()["detail"]


def test_deep_json_to_an_authenticated_endpoint_changes_nothing(cast):
    body = '{"resident": 1, "preferred_days": ' + "[" * 1000 + "]" * 1000 + "}"
    response = client_for(cast.community_staff).post(
        "/api/v1/requests/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert ServiceRequest.objects.count() == 0


def test_ordinary_json_still_parses(cast):
    response = client_for().post(
        "/api/v1/auth/token/", {"username": "civil", "password": "wrong"}, format="json"
    )
    assert response.status_code == 401 and "嵌套" not in response.json()["detail"]


@pytest.mark.parametrize("endpoint", STATS)
@pytest.mark.parametrize(
    "far", ["date_to=9999-12-31", "date_from=0001-01-01", "date_to=2100-01-01"]
)
def test_stats_far_dates_are_a_400(cast, endpoint, far):
    response = client_for(cast.civil).get(f"/api/v1/stats/{endpoint}/?{far}")
    assert response.status_code == 400
    body = response.json()
    assert set(body["errors"]) <= {"date_from", "date_to"} and body["errors"]
    assert "2099-12-31" in body["detail"] or "2099-12-31" in str(body["errors"])


@pytest.mark.parametrize("endpoint", STATS)
def test_stats_ordinary_dates_still_answer(cast, endpoint):
    response = client_for(cast.civil).get(f"/api/v1/stats/{endpoint}/?date_to=2026-12-31")
    assert response.status_code == 200


def test_dashboard_far_date_is_a_form_error(cast, client):
    client.force_login(cast.civil)
    response = client.get("/dashboard/?date_to=9999-12-31")
    assert response.status_code == 200
    assert "2099-12-31" in response.content.decode()


def test_huge_preferred_days_list_is_refused(cast):
    data = {"resident": cast.resident.pk, "service_type": 1, "preferred_days": [0] * 100_000}
    response = client_for(cast.community_staff).post("/api/v1/requests/", data, format="json")
    assert response.status_code == 400
    assert "preferred_days" in response.json()["errors"]
    assert ServiceRequest.objects.count() == 0


def test_megabyte_organization_description_is_refused(cast):
    data = {**REGISTRATION, "description": "a" * 1_000_000}  # 1 MB, under the body limit
    response = client_for().post("/api/v1/organizations/", data, format="json")
    assert response.status_code == 400
    assert "description" in response.json()["errors"]
    assert not Organization.objects.filter(name=REGISTRATION["name"]).exists()
    ordinary = client_for().post(
        "/api/v1/organizations/", {**REGISTRATION, "description": "简" * 2000}, format="json"
    )
    # 202: registration answers alike whether or not the username was free (issue 19).
    assert ordinary.status_code == 202
    assert Organization.objects.filter(name=REGISTRATION["name"]).exists()


@pytest.mark.parametrize(
    ("language", "message"),
    [("zh-hans", "希望的结束时间必须晚于开始时间"), ("en", "must be after")],
)
def test_constraint_violation_reads_in_the_users_language(cast, language, message):
    f.ConsentFactory(resident=cast.resident)
    data = {
        "resident": cast.resident.pk,
        "service_type": f.ServiceTypeFactory().pk,
        "preferred_days": [0],
        "preferred_start": "18:00",
        "preferred_end": "08:00",
    }
    client = client_for(cast.community_staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language  # the language switcher's choice
    response = client.post("/api/v1/requests/", data, format="json")
    assert response.status_code == 400
    text = json.dumps(response.json(), ensure_ascii=False)
    assert message in text
    assert "request_window_ends_after_start" not in text
    assert ServiceRequest.objects.count() == 0
    data["preferred_end"] = "19:00"  # control: the same request with a sane window is filed
    assert client.post("/api/v1/requests/", data, format="json").status_code == 201


def test_report_date_pattern_agrees_with_the_bounds():
    inside = [EARLIEST_REPORT_DATE, LATEST_REPORT_DATE, datetime.date(2024, 2, 29)]
    outside = [EARLIEST_REPORT_DATE - ONE_DAY, LATEST_REPORT_DATE + ONE_DAY]
    assert all(re.fullmatch(REPORT_DATE_PATTERN, day.isoformat()) for day in inside)
    assert not any(re.fullmatch(REPORT_DATE_PATTERN, day.isoformat()) for day in outside)
    assert parse_report_date("2024-02-29") == datetime.date(2024, 2, 29)
    for raw in ["2024-1-5", "20240105", "2024-W01-1", "2024-02-30", "1999-12-31", "2100-01-01"]:
        with pytest.raises(ValidationError):
            parse_report_date(raw)


@pytest.mark.parametrize(
    "query",
    [
        "created_after=2024-1-5",  # Python would read it; the schema's YYYY-MM-DD does not
        "created_before=1999-12-31",
        "street=0",
        "street=1.0",
        "page_size=0",
        "page_size=null",
        "page=101",
    ],
)
def test_list_queries_outside_the_schema_are_a_400(cast, query):
    response = client_for(cast.civil).get(f"/api/v1/organizations/?{query}")
    assert response.status_code == 400, response.content
    assert response.json()["errors"]


def test_an_id_that_matches_no_row_filters_to_nothing(cast):
    client = client_for(cast.civil)
    everything = client.get("/api/v1/project-calls/").json()["count"]
    assert client.get("/api/v1/project-calls/?street=999999").json()["count"] == 0
    by_street = client.get(f"/api/v1/project-calls/?street={cast.east_street.pk}")
    assert by_street.status_code == 200 and by_street.json()["count"] <= everything
    assert client.get("/api/v1/ledger-entries/?account=999999&month=2026-01-01").status_code == 200
