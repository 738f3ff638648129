"""The schema documents every status an operation can answer (sanlian/api/schema.py), and
what the API answers with those statuses has the documented shape."""

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework import throttling

from sanlian.api.schema import ErrorDocumentingSchema
from tests import factories as f
from tests.api.conftest import client_for

ERROR_REF = "#/components/schemas/Error"


def _schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


@pytest.fixture(scope="module")
def schema():
    return _schema()


def operations(schema) -> list[tuple[str, str, dict]]:
    return [
        (method.upper(), path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    ]


def expected(method: str, path: str, operation: dict) -> set[str]:
    public = operation.get("security") in ([], [{}], None) or {} in operation.get("security", [])
    queries = [p for p in operation.get("parameters", []) if p["in"] == "query"]
    writes_body = method in ("POST", "PUT", "PATCH")
    # Every view authenticates, or (the token endpoint) refuses a username and password.
    codes = {"401", "429"}
    if writes_body or queries:
        codes.add("400")
    if not (public and method == "GET"):
        codes.add("403")
    if "{" in path or any(p["name"] == "page" for p in queries):
        codes.add("404")
    if method in ("POST", "PUT", "PATCH", "DELETE"):
        codes.add("409")
    if writes_body:
        codes.add("415")
    return codes


def undocumented(schema) -> dict[str, list[str]]:
    missing = {
        f"{method} {path}": sorted(expected(method, path, operation) - set(operation["responses"]))
        for method, path, operation in operations(schema)
    }
    assert len(missing) > 90
    return {operation: codes for operation, codes in missing.items() if codes}


def test_every_operation_documents_each_status_it_can_answer(schema):
    assert undocumented(schema) == {}


def test_error_responses_share_one_shape_and_429_says_when_to_retry(schema):
    error = schema["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"detail", "errors"}
    for method, path, operation in operations(schema):
        for code, response in operation["responses"].items():
            if code.startswith("4"):
                assert response["content"]["application/json"]["schema"]["$ref"] == ERROR_REF
        assert "Retry-After" in operation["responses"]["429"]["headers"], (method, path)


def test_control_without_the_error_statuses_the_check_fails(monkeypatch):
    monkeypatch.setattr(ErrorDocumentingSchema, "error_statuses", lambda self: [])
    plain = _schema()
    answers = {code for _m, _p, op in operations(plain) for code in op["responses"]}
    assert answers <= {"200", "201", "202", "204"}  # drf-spectacular's own: success only
    assert len(undocumented(plain)) > 90


def test_a_cursor_page_has_no_count_and_the_schema_does_not_require_one(schema, cast):
    assert "count" not in schema["components"]["schemas"]["PaginatedCommunityList"]["required"]
    body = client_for(cast.civil).get("/api/v1/communities/", {"cursor": ""}).json()
    assert "count" not in body and len(body["results"]) == 2


def test_answers_with_error_statuses_have_the_documented_shape(cast, monkeypatch):
    rates = {**throttling.SimpleRateThrottle.THROTTLE_RATES, "user": "2/min"}
    monkeypatch.setattr(throttling.SimpleRateThrottle, "THROTTLE_RATES", rates)
    user = f.UserFactory(role="civil_affairs")
    answers = [client_for(user).get("/api/v1/communities/") for _n in range(3)]
    monkeypatch.undo()  # the usual rates for the rest
    answers += [
        client_for().get("/api/v1/communities/"),  # 401
        client_for(cast.civil).get("/api/v1/communities/", {"page": 99}),  # 404
        client_for(cast.civil).get("/api/v1/communities/", {"cursor": "%%%"}),  # 404
        client_for(cast.civil).get("/api/v1/stats/overview/", {"date_to": "9999-12-31"}),
    ]
    statuses = [answer.status_code for answer in answers]
    assert statuses == [200, 200, 429, 401, 404, 404, 400]
    assert answers[2]["Retry-After"].isdigit()
    for answer in answers[2:]:
        body = answer.json()
        assert set(body) == {"detail", "errors"} and isinstance(body["errors"], dict)


def test_an_api_path_no_route_matches_answers_the_json_error(cast):
    answer = client_for(cast.civil).get("/api/v1/visits/0.5/")
    assert answer.status_code == 404 and answer["Content-Type"] == "application/json"
    assert set(answer.json()) == {"detail", "errors"}
    page = client_for(cast.civil).get("/no-such-page/")  # control: pages keep their HTML
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")
