"""API writes: publish a call (staff), apply (organization member), award (staff), with the
same rules and messages as the pages; bad input is a 400 naming the problem, nothing saved."""

import pytest

from projects.models import Application, BudgetLine, ProjectCall
from tests import factories as f
from tests.api.conftest import client_for
from tests.projects._support import CEILING, apply, close, days, publish


def _call_body(cast, **overrides):
    bathing = f.ServiceTypeFactory(code="bathing", name="助浴")
    body = {
        "title": "桃园街道居家养老服务项目",
        "purpose": "为独居老人提供上门服务",
        "categories": ["public_welfare"],
        "communities": [cast.community.pk],
        "budget_ceiling_fen": CEILING,
        "opens_on": str(days(-1)),
        "closes_on": str(days(10)),
        "criteria": [{"name": "方案可行性", "max_points": 60}, {"name": "团队", "max_points": 40}],
        "targets": [
            {
                "service_types": [bathing.pk],
                "communities": [cast.community.pk],
                "starts_on": str(days(0)),
                "ends_on": str(days(90)),
                "quantity": 100,
                "min_mean_rating": "4.00",
            },
            {
                "kind": "activities_held",
                "communities": [cast.community.pk],
                "starts_on": str(days(0)),
                "ends_on": str(days(90)),
                "quantity": 12,
            },
        ],
    }
    return body | overrides


def test_staff_publish_a_call(cast):
    response = client_for(cast.civil).post(
        "/api/v1/project-calls/", _call_body(cast), format="json"
    )
    assert response.status_code == 201, response.json()
    call = ProjectCall.objects.get(pk=response.json()["id"])
    assert call.published_by == cast.civil and call.street is None
    assert sorted(call.targets.values_list("kind", "quantity")) == [
        ("activities_held", 12),
        ("completed_visits", 100),
    ]
    assert [c.name for c in call.criteria.all()] == ["方案可行性", "团队"]
    body = _call_body(cast, street=cast.east_street.pk)
    street = client_for(cast.street_staff).post("/api/v1/project-calls/", body, format="json")
    assert street.status_code == 201
    assert ProjectCall.objects.get(pk=street.json()["id"]).street == cast.east_street


@pytest.mark.parametrize(
    ("who", "overrides", "status", "message"),
    [
        ("civil", {"closes_on": str(days(-5))}, 400, "申报截止日期不能早于开始日期"),
        ("civil", {"budget_ceiling_fen": 0}, 400, "budget_ceiling_fen"),
        ("civil", {"categories": ["golf_club"]}, 400, "categories"),
        ("civil", {"criteria": []}, 400, "criteria"),
        (
            "civil",
            {
                "targets": [
                    {
                        "kind": "activities_held",
                        "communities": [],
                        "starts_on": "2026-01-01",
                        "ends_on": "2026-02-01",
                        "quantity": 1,
                    }
                ]
            },
            400,
            "targets",
        ),
        ("street_staff", {}, 400, "请选择您所在的街道"),
        ("other_street_staff", {"street": "west"}, 400, "只能面向本街道的社区"),
        ("community_staff", {}, 403, ""),
        ("member", {}, 403, ""),
        ("family", {}, 403, ""),
    ],
)
def test_publish_refused_with_a_clear_message_and_nothing_saved(
    cast, who, overrides, status, message
):
    if overrides.get("street") == "west":
        overrides = {"street": cast.west_street.pk}
    response = client_for(getattr(cast, who)).post(
        "/api/v1/project-calls/", _call_body(cast, **overrides), format="json"
    )
    assert response.status_code == status, response.content
    if message:
        body = response.json()
        assert message in body["detail"] or message in str(body["errors"])
    assert not ProjectCall.objects.exists()


def _apply_body(call, **overrides):
    body = {
        "call": call.pk,
        "plan": "每周上门两次",
        "budget_lines": [{"item": "人员经费", "amount_fen": 300_000}],
    }
    return body | overrides


def test_member_applies_for_own_organization(cast):
    call = publish(cast)
    worker = f.SocialWorkerFactory(organization=cast.organization)
    body = _apply_body(call, social_workers=[worker.pk])
    response = client_for(cast.member).post("/api/v1/project-applications/", body, format="json")
    assert response.status_code == 201, response.json()
    application = Application.objects.get(pk=response.json()["id"])
    assert (application.organization, application.requested_fen) == (cast.organization, 300_000)
    assert list(application.social_workers.all()) == [worker]


def test_apply_bad_input_and_wrong_people_refused(cast):
    call = publish(cast)
    member = client_for(cast.member)
    over = _apply_body(call, budget_lines=[{"item": "人员", "amount_fen": CEILING + 1}])
    response = member.post("/api/v1/project-applications/", over, format="json")
    assert response.status_code == 400 and "超过了项目上限" in str(response.json())
    stranger = f.SocialWorkerFactory(organization=cast.other_organization)
    theirs = _apply_body(call, social_workers=[stranger.pk])
    response = member.post("/api/v1/project-applications/", theirs, format="json")
    assert response.status_code == 400 and "只能填报本组织的社工" in str(response.json())
    empty = _apply_body(call, budget_lines=[])
    assert member.post("/api/v1/project-applications/", empty, format="json").status_code == 400
    for who in ("civil", "street_staff", "family"):
        response = client_for(getattr(cast, who)).post(
            "/api/v1/project-applications/", _apply_body(call), format="json"
        )
        assert response.status_code == 403
    assert not Application.objects.exists() and not BudgetLine.objects.exists()
    # Once applied, a second application by the same organization is refused.
    assert (
        member.post("/api/v1/project-applications/", _apply_body(call), format="json").status_code
        == 201
    )
    again = member.post("/api/v1/project-applications/", _apply_body(call), format="json")
    assert again.status_code == 409 and "已经申报过" in again.json()["detail"]
    assert Application.objects.count() == 1


def test_award_through_the_api(cast):
    call = publish(cast, actor=cast.street_staff, street=cast.east_street)
    ours = apply(cast, call)
    staff = client_for(cast.street_staff)
    early = {"awarded": [ours.pk], "reasons": {str(ours.pk): "方案扎实"}}
    response = staff.post(f"/api/v1/project-calls/{call.pk}/decide/", early, format="json")
    assert response.status_code == 409 and "申报截止后才能评定" in response.json()["detail"]
    close(call)
    no_reason = {"awarded": [ours.pk], "reasons": {}}
    response = staff.post(f"/api/v1/project-calls/{call.pk}/decide/", no_reason, format="json")
    # Every application of the call needs its reason: the call's state decides it (409).
    assert response.status_code == 409 and "评定理由" in str(response.json())
    # An application of no call of this one's is a row out of reach: 404 naming the field.
    foreign = {"awarded": [ours.pk + 999], "reasons": {str(ours.pk): "好"}}
    response = staff.post(f"/api/v1/project-calls/{call.pk}/decide/", foreign, format="json")
    assert response.status_code == 404
    assert response.json()["errors"] == {"awarded": ["只能评定本项目的申报。"]}
    ours.refresh_from_db()
    assert ours.status == "submitted"

    for who in ("other_street_staff", "community_staff", "member"):
        response = client_for(getattr(cast, who)).post(
            f"/api/v1/project-calls/{call.pk}/decide/", early, format="json"
        )
        assert response.status_code in (403, 404), who
    ours.refresh_from_db()
    assert ours.status == "submitted"

    response = staff.post(f"/api/v1/project-calls/{call.pk}/decide/", early, format="json")
    assert response.status_code == 200
    assert [(a["id"], a["status"], a["rank"]) for a in response.json()] == [(ours.pk, "awarded", 1)]
    again = staff.post(f"/api/v1/project-calls/{call.pk}/decide/", early, format="json")
    assert again.status_code == 409 and "已经评定" in again.json()["detail"]
