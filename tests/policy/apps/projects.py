"""Access-matrix rows of government purchase of services (projects/): calls, applications,
contracts and payments, incubation and the bureau's category targets, on pages and the API.

The app's own matrix (tests/projects/test_access_matrix.py) probes every page with its
eleven users, reviewers included; these rows put the same rules, and the writes added later
(incubation, category targets, publish/apply/award through the API), into the shared table,
where each action is probed for every role on the east side ("ours") and, for an object,
on the west side ("theirs"), which no east-side user may reach unless the cell says "all".
"""

import datetime
from types import SimpleNamespace

from django.utils import timezone

from organizations.models import Category
from projects import domain
from projects.models import Application, CategoryTarget, Incubation, ProjectCall
from services.offerings.models import ServiceType
from tests import factories as f
from tests.policy.policy import CA, CS, ORG, ST, _api, _page

ALL, SCOPE, OWN = "all", "scope", "own"
OBJECTS = {
    "project_calls",
    "project_applications",
    "project_contracts",
    "incubations",
    "category_targets",
}
PEOPLE = {CA: ALL, ST: ALL, CS: ALL, ORG: ALL}
RUNNERS = {CA: ALL, ST: SCOPE}

RULES = (
    _page("project_calls", "view", "projects:call_detail", PEOPLE, target="call_open"),
    _api("project_calls", "view", "project-call-detail", PEOPLE, target="call_open"),
    _api(
        "project_calls",
        "publish",
        "project-call-list",
        RUNNERS,
        method="POST",
        target="street",
        kwarg="",
        form_refusal=True,
    ),
    _api(
        "project_calls",
        "decide",
        "project-call-decide",
        RUNNERS,
        method="POST",
        target="call_closed",
    ),
    _page(
        "project_applications",
        "view",
        "projects:application_detail",
        RUNNERS,
        {ORG: OWN},
        target="application",
    ),
    _api(
        "project_applications",
        "view",
        "project-application-detail",
        RUNNERS,
        {ORG: OWN},
        target="application",
    ),
    _api("project_applications", "list", "project-application-list", RUNNERS, {ORG: OWN}),
    _api(
        "project_applications",
        "apply",
        "project-application-list",
        {ORG: ALL},
        method="POST",
        target="call_fresh",
        kwarg="",
        data={"call": "@call_fresh"},
    ),
    _page(
        "project_contracts",
        "view",
        "projects:contract_detail",
        RUNNERS,
        {CS: SCOPE, ORG: OWN},
        target="contract",
    ),
    _api(
        "project_contracts",
        "view",
        "project-contract-detail",
        RUNNERS,
        {CS: SCOPE, ORG: OWN},
        target="contract",
    ),
    _api("project_contracts", "list", "project-contract-list", RUNNERS, {CS: SCOPE, ORG: OWN}),
    _page(
        "project_contracts",
        "approve_payment",
        "projects:payment_request_approve",
        RUNNERS,
        method="POST",
        target="payment_request",
    ),
    _page("incubations", "list", "projects:incubation_list", RUNNERS, {CS: SCOPE, ORG: OWN}),
    _page(
        "incubations",
        "start",
        "projects:incubation_start",
        RUNNERS,
        method="POST",
        data={
            "organization": "@incubatee",
            "mentor": "@hub",
            "started_on": str(datetime.date(2026, 1, 5)),
        },
    ),
    _page(
        "incubations",
        "end",
        "projects:incubation_end",
        RUNNERS,
        method="POST",
        target="incubation",
        data={"stage": "graduated", "ended_on": "2026-01-20", "outcome": "独立运营"},
    ),
    _page("category_targets", "view", "projects:category_targets", {CA: ALL}),
    _api("category_targets", "list", "project-category-target-list", {CA: ALL}),
    _api(
        "category_targets",
        "view",
        "project-category-target-detail",
        {CA: ALL},
        target="category_target",
    ),
    _api(
        "category_targets",
        "create",
        "project-category-target-list",
        {CA: ALL},
        method="POST",
        kwarg="",
        data={"district": "@district", "category": Category.COMMUNITY_RIGHTS, "target": 4},
    ),
    _api(
        "category_targets",
        "change",
        "project-category-target-detail",
        {CA: ALL},
        method="PATCH",
        target="category_target",
        data={"target": 9},
    ),
    _page(
        "category_targets",
        "set",
        "projects:category_targets",
        {CA: ALL},
        method="POST",
        data={"district": "@district", "target_culture_sports": "4"},
    ),
)


def _fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


EFFECTS = {
    ("project_calls", "publish"): lambda _street: ProjectCall.objects.count(),
    ("project_calls", "decide"): lambda call: _fresh(call).status,
    ("project_applications", "apply"): lambda call: Application.objects.filter(call=call).count(),
    ("project_contracts", "approve_payment"): lambda request: _fresh(request).status,
    ("incubations", "start"): lambda _none: Incubation.objects.count(),
    ("incubations", "end"): lambda incubation: _fresh(incubation).stage,
    ("category_targets", "set"): lambda _none: sorted(
        CategoryTarget.objects.values_list("district", "category", "target")
    ),
    ("category_targets", "create"): lambda _none: CategoryTarget.objects.count(),
    ("category_targets", "change"): lambda target: _fresh(target).target,
}


def _days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def _call_body(street) -> dict:
    communities = [c.pk for c in street.communities.all()]
    return {
        "title": "矩阵探测项目",
        "purpose": "上门服务",
        "categories": [Category.PUBLIC_WELFARE],
        "street": street.pk,
        "communities": communities,
        "budget_ceiling_fen": 1_000_000,
        "opens_on": str(_days(-1)),
        "closes_on": str(_days(10)),
        "criteria": [{"name": "方案", "max_points": 100}],
        "targets": [
            {
                "service_types": [ServiceType.objects.order_by("pk").first().pk],
                "communities": communities,
                "starts_on": str(_days(0)),
                "ends_on": str(_days(60)),
                "quantity": 10,
            }
        ],
    }


def _decision(call) -> dict:
    ids = list(call.applications.values_list("pk", flat=True))
    return {"awarded": ids, "reasons": {str(pk): "方案扎实" for pk in ids}}


EXTRA_DATA = {
    ("project_calls", "publish"): _call_body,
    ("project_calls", "decide"): _decision,
    ("project_applications", "apply"): lambda _call: {
        "plan": "每周上门两次",
        "budget_lines": [{"item": "人员经费", "amount_fen": 100_000}],
    },
}


def _publish(*, actor, street, community, service_type, title):
    spec = {
        "service_types": [service_type],
        "communities": [community],
        "starts_on": _days(-30),
        "ends_on": _days(30),
        "quantity": 10,
    }
    return domain.call_publish(
        actor=actor,
        title=title,
        purpose="为独居老人提供上门服务",
        categories=[Category.PUBLIC_WELFARE],
        communities=[community],
        street=street,
        budget_ceiling_fen=1_000_000,
        opens_on=_days(-5),
        closes_on=_days(5),
        criteria=[("方案", 100)],
        targets=[spec],
    )


def _close(call):
    ProjectCall.objects.filter(pk=call.pk).update(opens_on=_days(-20), closes_on=_days(-1))
    call.refresh_from_db()


def _projects_side(cast, side, *, runner, member, name):
    organization, street, community = side.organization, side.street, side.community
    common = {
        "actor": runner,
        "street": street,
        "community": community,
        "service_type": side.service_type,
    }

    def application(call):
        return domain.application_submit(
            call=call,
            organization=organization,
            actor=member,
            plan="计划",
            budget_lines=[("人员经费", 300_000)],
        )

    call_open = _publish(**common, title=f"{name}征集中")
    applied = application(call_open)
    call_closed = _publish(**common, title=f"{name}待评定")
    application(call_closed)
    _close(call_closed)
    awarded = _publish(**common, title=f"{name}已立项")
    won = application(awarded)
    _close(awarded)
    domain.call_decide(call=awarded, actor=cast.civil, awarded_ids={won.pk}, reasons={won.pk: "好"})
    won.refresh_from_db()
    contract = domain.contract_sign(
        application=won, actor=cast.civil, starts_on=_days(-30), ends_on=_days(30)
    )
    milestone = domain.milestone_add(
        contract=contract, actor=cast.civil, title="一期", due_on=_days(1), amount_fen=50_000
    )
    payment_request = domain.payment_request_submit(
        milestone=milestone, actor=member, amount_fen=50_000
    )
    hub = f.OrganizationFactory(name=f"{name}枢纽组织", home_street=street)
    incubated = f.OrganizationFactory(name=f"{name}孵化中组织", home_street=street)
    incubation = Incubation.objects.create(
        organization=incubated, mentor=hub, started_on=datetime.date(2026, 1, 1)
    )
    return SimpleNamespace(
        call_open=call_open,
        call_fresh=_publish(**common, title=f"{name}新征集"),
        call_closed=call_closed,
        application=applied,
        contract=contract,
        payment_request=payment_request,
        hub=hub,
        # Set on each side's district; the page's probe sets another category, so it changes.
        category_target=CategoryTarget.objects.create(
            district=side.district, category=Category.PUBLIC_WELFARE, target=2, set_by=cast.civil
        ),
        incubatee=f.OrganizationFactory(name=f"{name}待入孵组织", home_street=street),
        incubation=incubation,
    )


def extend_world(world) -> None:
    cast = world.cast
    for key, runner, member, name in (
        ("ours", cast.street_staff, cast.member, "桃园"),
        ("theirs", cast.other_street_staff, cast.other_member, "坞城"),
    ):
        side = world.sides[key]
        for attr, value in vars(
            _projects_side(cast, side, runner=runner, member=member, name=name)
        ).items():
            setattr(side, attr, value)
    # The west side's incubated organization must never show in an east-side scoped list.
    world.foreign_names.append(world.sides["theirs"].incubation.organization.name)
