"""The whole cycle in the browser's terms: publish → apply → review with a conflict →
award → contract → visits → progress → milestone paid."""

from projects.models import Application, Contract, Payment, ProjectCall, Review
from sanlian.roles import Role
from tests import factories as f
from tests.projects._support import awarded_contract, close, days, verified_visit


def _publish_form(cast, bathing) -> dict:
    return {
        "title": "居家养老上门服务",
        "purpose": "独居老人助浴",
        "categories": ["public_welfare"],
        "communities": [cast.community.pk],
        "budget_ceiling_yuan": "5000.00",
        "opens_on": days(-1).isoformat(),
        "closes_on": days(3).isoformat(),
        "criteria": "方案可行性：60\n团队能力：40",
        "target_service_types": [bathing.pk],
        "target_quantity": "4",
        "target_starts_on": days(-10).isoformat(),
        "target_ends_on": days(10).isoformat(),
        "target_min_rating": "4",
    }


def test_project_cycle_through_the_pages(client, cast):
    bathing = f.ServiceTypeFactory(code="bathing", name="助浴")
    expert = f.UserFactory(username="expert", role=Role.STREET_STAFF)

    client.force_login(cast.civil)
    response = client.post("/projects/calls/new/", _publish_form(cast, bathing))
    call = ProjectCall.objects.get()
    assert response.status_code == 302
    assert call.targets.get().quantity == 4
    client.post(f"/projects/calls/{call.pk}/reviewers/", {"reviewer": expert.pk})
    assert list(call.reviewers.all()) == [expert]

    client.force_login(cast.member)
    page = client.get(f"/projects/calls/{call.pk}/")
    assert f"/projects/calls/{call.pk}/apply/" in page.content.decode()
    over = client.post(
        f"/projects/calls/{call.pk}/apply/", {"plan": "计划", "budget_lines": "人员：5000.01"}
    )
    assert "超过了项目上限 5000.00 元" in over.content.decode()
    assert not Application.objects.exists()
    client.post(f"/projects/calls/{call.pk}/apply/", {"plan": "计划", "budget_lines": "人员：3000"})
    ours = Application.objects.get()
    assert ours.requested_fen == 300_000

    client.force_login(cast.other_member)
    client.post(
        f"/projects/calls/{call.pk}/apply/", {"plan": "另一计划", "budget_lines": "人员：4000"}
    )
    theirs = Application.objects.exclude(pk=ours.pk).get()

    client.force_login(expert)
    client.post(
        f"/projects/calls/{call.pk}/conflicts/",
        {"organization": cast.other_organization.pk, "reason": "亲属任职"},
    )
    scores = {f"score_{c.pk}": "30" for c in call.criteria.all()}
    refused = client.post(f"/projects/applications/{theirs.pk}/review/", scores, follow=True)
    assert "利益关系" in refused.content.decode()
    client.post(f"/projects/applications/{ours.pk}/review/", scores)
    assert list(Review.objects.values_list("application", "total")) == [(ours.pk, 60)]

    close(call)
    client.force_login(cast.civil)
    client.post(
        f"/projects/calls/{call.pk}/decide/",
        {
            f"award_{ours.pk}": "on",
            f"reason_{ours.pk}": "得分最高",
            f"reason_{theirs.pk}": "未评分",
        },
    )
    ours.refresh_from_db()
    assert (ours.status, ours.rank) == ("awarded", 1)
    client.post(
        f"/projects/applications/{ours.pk}/contract/",
        {"starts_on": days(-10).isoformat(), "ends_on": days(10).isoformat()},
    )
    contract = Contract.objects.get()
    client.post(
        f"/projects/contracts/{contract.pk}/milestones/",
        {
            "title": "中期",
            "due_on": days(5).isoformat(),
            "amount_yuan": "1000",
            "visits_required": "2",
        },
    )
    milestone = contract.milestones.get()

    for rating in (5, 4):
        verified_visit(
            organization=cast.organization,
            community=cast.community,
            service_type=bathing,
            rating=rating,
        )
    client.force_login(cast.member)
    page = client.get(f"/projects/contracts/{contract.pk}/").content.decode()
    assert "progress-data" in page and "4.50" in page
    client.post(f"/projects/milestones/{milestone.pk}/payment-requests/", {"amount_yuan": "1000"})
    payment_request = milestone.payment_requests.get()
    assert payment_request.verified_visits == 2

    client.force_login(cast.civil)
    client.post(f"/projects/payment-requests/{payment_request.pk}/approve/")
    contract.refresh_from_db()
    assert contract.paid_fen == 100_000 == Payment.objects.get().amount_fen

    client.force_login(cast.member)
    mine = client.get(f"/projects/applications/{ours.pk}/").content.decode()
    assert "排名第 1" in mine and "60" in mine


def test_contract_over_milestone_budget_shows_a_message(client, cast):
    contract = awarded_contract(cast)
    client.force_login(cast.civil)
    response = client.post(
        f"/projects/contracts/{contract.pk}/milestones/",
        {
            "title": "一期",
            "due_on": days(1).isoformat(),
            "amount_yuan": "3000.01",
            "visits_required": "0",
        },
        follow=True,
    )
    assert "不能超过合同金额 3000.00 元" in response.content.decode()
    assert not contract.milestones.exists()
