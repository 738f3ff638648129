"""Every projects page and API action × every role of the shared cast.

Each row names the users who may act; everyone else must get 403/404 (or the login page)
and change nothing. Each user is probed inside a savepoint that is rolled back, so every
probe starts from the same world.
"""

from types import SimpleNamespace

import pytest
from django.db import transaction
from django.test import Client
from rest_framework.test import APIClient

from projects import domain
from projects.models import (
    Application,
    ConflictDeclaration,
    Contract,
    Milestone,
    Payment,
    PaymentRequest,
    ProjectCall,
    Review,
)
from sanlian.roles import Role
from tests import factories as f
from tests.projects._support import apply, awarded_contract, days, full_scores, publish

USERS = (
    "civil",
    "street_staff",
    "other_street_staff",
    "community_staff",
    "member",
    "other_member",
    "expert",
    "family",
    "resident",
    "dashboard",
    "anonymous",
)
PEOPLE_IN_PROJECTS = {
    "civil",
    "street_staff",
    "other_street_staff",
    "community_staff",
    "member",
    "other_member",
    "expert",
}


@pytest.fixture
def world(cast):
    contract = awarded_contract(cast, actor=cast.street_staff, street=cast.east_street)
    milestone = domain.milestone_add(
        contract=contract, actor=cast.civil, title="一期", due_on=days(1), amount_fen=10_000
    )
    pending = domain.payment_request_submit(milestone=milestone, actor=cast.member, amount_fen=5000)
    reviewed = publish(cast, title="评审中", communities=[cast.community, cast.other_community])
    ours = apply(cast, reviewed)
    theirs = apply(cast, reviewed, organization=cast.other_organization, member=cast.other_member)
    expert = f.UserFactory(username="expert", role=Role.COMMUNITY_STAFF)
    domain.call_add_reviewer(call=reviewed, reviewer=expert, actor=cast.civil)
    fresh = publish(cast, title="新征集")
    closing = awarded_contract(
        cast, actor=cast.street_staff, street=cast.east_street, title="待结项"
    )
    users = {name: getattr(cast, name, None) for name in USERS}
    users |= {
        "expert": expert,
        "resident": cast.resident.user,
        "dashboard": f.UserFactory(username="screen", role=Role.DASHBOARD),
        "anonymous": None,
    }
    return SimpleNamespace(**locals())


def _fingerprint() -> tuple:
    return (
        ProjectCall.objects.count(),
        Application.objects.count(),
        Review.objects.count(),
        ConflictDeclaration.objects.count(),
        Milestone.objects.count(),
        PaymentRequest.objects.filter(status="pending").count(),
        Payment.objects.count(),
        tuple(Contract.objects.values_list("status", flat=True)),
        ProjectCall.reviewers.through.objects.count(),
    )


# name: (method, url template, data, who may)
ROWS = {
    "call list": ("get", "/projects/", {}, PEOPLE_IN_PROJECTS),
    "call detail": ("get", "/projects/calls/{w.reviewed.pk}/", {}, PEOPLE_IN_PROJECTS),
    "publish form": (
        "get",
        "/projects/calls/new/",
        {},
        {"civil", "street_staff", "other_street_staff"},
    ),
    "apply form": (
        "get",
        "/projects/calls/{w.fresh.pk}/apply/",
        {},
        {"member", "other_member"},
    ),
    "apply": (
        "post",
        "/projects/calls/{w.fresh.pk}/apply/",
        {"plan": "计划", "budget_lines": "人员：100"},
        {"member", "other_member"},
    ),
    "add reviewer": (
        "post",
        "/projects/calls/{w.reviewed.pk}/reviewers/",
        {"reviewer": "{w.cast.street_staff.pk}"},
        {"civil"},
    ),
    "declare conflict": (
        "post",
        "/projects/calls/{w.reviewed.pk}/conflicts/",
        {"organization": "{w.cast.organization.pk}", "reason": "亲属"},
        {"expert"},
    ),
    "application page": (
        "get",
        "/projects/applications/{w.ours.pk}/",
        {},
        {"civil", "member", "expert"},
    ),
    "review": ("post", "/projects/applications/{w.ours.pk}/review/", "scores", {"expert"}),
    "contract list": ("get", "/projects/contracts/", {}, PEOPLE_IN_PROJECTS),
    "contract page": (
        "get",
        "/projects/contracts/{w.contract.pk}/",
        {},
        {"civil", "street_staff", "community_staff", "member"},
    ),
    "add milestone": (
        "post",
        "/projects/contracts/{w.contract.pk}/milestones/",
        {"title": "二期", "due_on": "{today}", "amount_yuan": "1", "visits_required": "0"},
        {"civil", "street_staff"},
    ),
    "suspend": (
        "post",
        "/projects/contracts/{w.contract.pk}/suspend/",
        {"reason": "检查"},
        {"civil", "street_staff"},
    ),
    "complete": (
        "post",
        "/projects/contracts/{w.closing.pk}/complete/",
        {"reason": "结项评估"},
        {"civil", "street_staff"},
    ),
    "request payment": (
        "post",
        "/projects/milestones/{w.milestone.pk}/payment-requests/",
        {"amount_yuan": "10"},
        {"member"},
    ),
    "approve payment": (
        "post",
        "/projects/payment-requests/{w.pending.pk}/approve/",
        {},
        {"civil", "street_staff"},
    ),
    "reject payment": (
        "post",
        "/projects/payment-requests/{w.pending.pk}/reject/",
        {"reason": "材料不全"},
        {"civil", "street_staff"},
    ),
    "API contract": (
        "api-get",
        "/api/v1/project-contracts/{w.contract.pk}/",
        {},
        {"civil", "street_staff", "community_staff", "member"},
    ),
    "API progress": (
        "api-get",
        "/api/v1/project-contracts/{w.contract.pk}/progress/",
        {},
        {"civil", "street_staff", "community_staff", "member"},
    ),
    "API application": (
        "api-get",
        "/api/v1/project-applications/{w.ours.pk}/",
        {},
        {"civil", "member", "expert"},
    ),
    "API suspend": (
        "api-post",
        "/api/v1/project-contracts/{w.contract.pk}/suspend/",
        {"reason": "检查"},
        {"civil", "street_staff"},
    ),
    "API approve": (
        "api-post",
        "/api/v1/project-payment-requests/{w.pending.pk}/approve/",
        {},
        {"civil", "street_staff"},
    ),
}


def _send(client_factory, w, user, method, url, data):
    if data == "scores":
        data = {f"score_{k}": str(v) for k, v in full_scores(w.reviewed).items()}
    data = {k: v.format(w=w, today=days(0).isoformat()) for k, v in data.items()}
    if method.startswith("api"):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        send = client.get if method == "api-get" else client.post
        return send(url, data, format="json") if method == "api-post" else send(url)
    client = client_factory()
    if user is not None:
        client.force_login(user)
    return client.get(url) if method == "get" else client.post(url, data)


def _refused(response) -> bool:
    if response.status_code in (401, 403, 404):
        return True
    return response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("row", list(ROWS))
def test_projects_access_matrix(world, row):
    method, template, data, allowed = ROWS[row]
    url = template.format(w=world)
    wrong = []
    for name in USERS:
        with transaction.atomic():
            before = _fingerprint()
            response = _send(Client, world, world.users[name], method, url, data)
            changed = _fingerprint() != before
            transaction.set_rollback(True)
        if name in allowed:
            ok = response.status_code in (200, 201, 302) and not _refused(response)
            if method in ("post", "api-post"):
                ok = ok and changed
        else:
            ok = _refused(response) and not changed
        if not ok:
            wrong.append(f"{name}: {response.status_code} changed={changed}")
    assert wrong == [], f"{row}: {wrong}"
