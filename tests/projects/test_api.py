"""The projects API: scoped lists with pinned query counts, progress and payment actions."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects import domain
from projects.models import Payment
from tests import factories as f
from tests.api.conftest import client_for
from tests.projects._support import apply, awarded_contract, days, publish, verified_visit


def _queries(client, url) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.json()["count"]


@pytest.mark.parametrize(
    ("path", "pinned"),
    [
        # count, page, communities, criteria, targets, their service types and communities
        ("project-calls", 7),
        ("project-applications", 3),  # count, page, budget lines
        ("project-contracts", 4),  # count, page, communities, milestones
    ],
)
def test_project_list_query_count_constant(cast, path, pinned):
    client = client_for(cast.civil)
    awarded_contract(cast)
    one, count_one = _queries(client, f"/api/v1/{path}/")
    for n in range(3):
        contract = awarded_contract(cast, title=f"项目{n}")
        domain.milestone_add(
            contract=contract, actor=cast.civil, title="一期", due_on=days(1), amount_fen=1000
        )
        call = publish(cast, title=f"征集{n}")
        apply(cast, call, organization=cast.other_organization, member=cast.other_member)
    many, count_many = _queries(client, f"/api/v1/{path}/")
    assert count_many > count_one
    assert one == many
    assert many == pinned, f"{path}: {many} queries"


def test_project_lists_scoped_to_the_organization(cast):
    contract = awarded_contract(cast)
    client = client_for(cast.other_member)
    assert client.get("/api/v1/project-contracts/").json()["count"] == 0
    assert client.get(f"/api/v1/project-contracts/{contract.pk}/").status_code == 404
    assert client.get("/api/v1/project-applications/").json()["count"] == 0
    mine = client_for(cast.member).get("/api/v1/project-applications/").json()
    assert [row["id"] for row in mine["results"]] == [contract.application_id]
    assert client_for(cast.family).get("/api/v1/project-calls/").json()["count"] == 0


def test_project_contract_progress_and_payment_actions(cast):
    bathing = f.ServiceTypeFactory(code="bathing", name="助浴")
    contract = awarded_contract(cast, service_type=bathing)
    verified_visit(organization=cast.organization, community=cast.community, service_type=bathing)
    milestone = domain.milestone_add(
        contract=contract, actor=cast.civil, title="一期", due_on=days(1), amount_fen=100_000
    )
    request = domain.payment_request_submit(milestone=milestone, actor=cast.member, amount_fen=1000)
    [row] = client_for(cast.member).get(f"/api/v1/project-contracts/{contract.pk}/progress/").json()
    assert (row["delivered"], row["quantity"]) == (1, 10)

    url = f"/api/v1/project-payment-requests/{request.pk}/approve/"
    assert client_for(cast.member).post(url).status_code == 403
    assert client_for(cast.other_street_staff).post(url).status_code == 404
    assert not Payment.objects.exists()
    response = client_for(cast.civil).post(url)
    assert response.status_code == 200 and response.json()["status"] == "approved"
    again = client_for(cast.civil).post(url)
    assert again.status_code == 409 and "已处理" in again.json()["detail"]
    assert Payment.objects.count() == 1


def test_project_contract_suspend_needs_a_reason(cast):
    contract = awarded_contract(cast)
    client = client_for(cast.civil)
    url = f"/api/v1/project-contracts/{contract.pk}/suspend/"
    assert client.post(url, {}, format="json").status_code == 400
    response = client.post(url, {"reason": "整改"}, format="json")
    assert response.json()["status"] == "suspended"
