"""Schemathesis over the API for every role (bounded, derandomized): no input gives a
server error, and no answer carries a full ID-card or phone number."""

import json
from urllib.parse import urlencode

import schemathesis
from django.db import transaction
from hypothesis import HealthCheck, given, settings

from tests.policy.matrix import clients_for
from tests.policy.policy import ROLES
from tests.policy.world import build_world

EXAMPLES_PER_OPERATION = 3


def _operations():
    from drf_spectacular.generators import SchemaGenerator

    raw = json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True)))
    schema = schemathesis.openapi.from_dict(raw)
    return [result.ok() for result in schema.get_all_operations()]


def _send(client, case):
    url = case.formatted_path
    if case.query:
        url += "?" + urlencode(case.query, doseq=True)
    body = case.body if isinstance(case.body, dict | list) else None
    if body is None:
        return client.generic(case.method.upper(), url)
    return client.generic(
        case.method.upper(), url, json.dumps(body), content_type="application/json"
    )


def _fuzz(client, operation, full_values: list[str], problems: list[str]) -> None:
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(operation.as_strategy())
    def run(case):
        label = f"{case.method.upper()} {case.formatted_path} {case.query}"
        with transaction.atomic():
            try:
                response = _send(client, case)
            except Exception as error:  # the view raised: a 500 in production
                problems.append(f"{label}: {error!r}"[:300])
                transaction.set_rollback(True)
                return
            transaction.set_rollback(True)
        if response.status_code >= 500:
            problems.append(f"{label}: {response.status_code}")
        body = response.content.decode("utf-8", "replace")
        problems.extend(f"{label}: full value {v[-4:]}" for v in full_values if v in body)

    run()


def test_api_never_fails_or_leaks_for_any_role(cast):
    from communities.models import Resident

    world = build_world(cast)
    full_values = [
        value
        for resident in Resident.objects.all()
        for value in (resident.id_number, resident.phone)
        if value
    ]
    operations = _operations()
    clients = clients_for(world)["api"]
    problems: list[str] = []
    for role in ROLES:
        for operation in operations:
            _fuzz(clients[role], operation, full_values, problems)
    assert len(operations) > 40
    assert sorted(set(problems)) == []


def test_api_id_filter_beyond_64_bits_is_not_a_server_error(cast):
    client = clients_for(build_world(cast))["api"]["civil_affairs"]
    response = client.get("/api/v1/requests/", {"community": str(2**70)})
    assert response.status_code == 400
    assert "community" in response.json()["errors"]
