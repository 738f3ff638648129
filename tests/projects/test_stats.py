"""/api/v1/stats/projects/: funds committed and paid, cost per verified visit, in scope."""

from projects import domain
from tests import factories as f
from tests.api.conftest import client_for
from tests.projects._support import awarded_contract, days, verified_visit


def test_stats_projects_funds_and_cost_per_verified_visit(cast):
    bathing = f.ServiceTypeFactory(code="bathing", name="助浴")
    contract = awarded_contract(cast, service_type=bathing)
    for _ in range(4):
        verified_visit(
            organization=cast.organization, community=cast.community, service_type=bathing
        )
    milestone = domain.milestone_add(
        contract=contract, actor=cast.civil, title="一期", due_on=days(1), amount_fen=100_000
    )
    request = domain.payment_request_submit(
        milestone=milestone, actor=cast.member, amount_fen=100_000
    )
    domain.payment_request_approve(payment_request=request, actor=cast.civil)

    body = client_for(cast.civil).get("/api/v1/stats/projects/").json()
    assert (body["contracts"], body["committed"], body["paid"]) == (1, "3000.00", "1000.00")
    [row] = body["results"]
    assert (row["verified_visits"], row["paid_per_verified_visit"]) == (4, "250.00")
    [area] = body["by_district_and_category"]
    assert (area["district"], area["category"], area["paid"]) == (
        cast.east_street.district_id,
        "public_welfare",
        "1000.00",
    )
    west = client_for(cast.other_street_staff).get("/api/v1/stats/projects/").json()
    assert (west["contracts"], west["results"]) == (0, [])
    assert client_for(cast.member).get("/api/v1/stats/projects/").status_code == 403
