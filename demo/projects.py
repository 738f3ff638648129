"""Demo government purchase of services: one awarded call with a running contract and a
paid milestone, one open call, applications from the demo organizations.

Everything goes through projects.domain, so the rows are what the pages would have made.
Calls are published while open and then dated back (as if time went by), because the
domain only accepts applications inside the application period. No random draws: the
rest of the demo stays the same for a seed.
"""

import datetime

from django.contrib.auth.hashers import make_password
from django.db.models import Count

from communities.models import Community
from demo.kit import DemoContext
from organizations.models import Category, Organization, OrganizationMember
from projects import domain
from projects.models import Incubation, ProjectCall, ServiceTarget
from projects.progress import contract_verified_total
from sanlian.models import User
from sanlian.roles import Role
from services.models import ServiceType, Visit

_RUBRIC = [("方案可行性", 40), ("团队与专业能力", 30), ("预算合理性", 20), ("社区认可度", 10)]


def projects_build(ctx: DemoContext) -> None:
    youshe = Organization.objects.get(members__user=ctx.users["org"])
    types, communities = _delivered_scope(youshe)
    if not types:
        return
    rival, rival_member = _second_applicant(youshe)
    _awarded_call(ctx, youshe, (rival, rival_member), types, communities)
    _open_call(ctx, youshe, types)
    _incubation(ctx, mentor=youshe, taken={youshe.pk, rival.pk})
    _category_targets(ctx)
    ctx.counts["project_calls"] = ProjectCall.objects.count()


def _second_applicant(youshe) -> tuple:
    """Another approved organization, with a member account nobody can log in to."""
    rival = (
        Organization.objects.filter(status=Organization.Status.APPROVED)
        .exclude(pk=youshe.pk)
        .order_by("pk")
        .first()
    )
    user, _created = User.objects.get_or_create(
        username="demo_applicant",
        defaults={
            "role": Role.ORGANIZATION,
            "display_name": "申报联系人",
            "password": make_password(None),
        },
    )
    OrganizationMember.objects.get_or_create(user=user, organization=rival)
    return rival, user


def _delivered_scope(youshe) -> tuple[list, list]:
    """The two service types 优社优家 delivers most, and the communities it delivers them in."""
    visits = Visit.objects.filter(
        status=Visit.Status.COMPLETED,
        checked_in_at__isnull=False,
        checked_out_at__isnull=False,
        offering__organization=youshe,
    )
    busiest = (
        visits.values("request__service_type")
        .annotate(n=Count("pk"))
        .order_by("-n", "request__service_type")
    )
    type_ids = [row["request__service_type"] for row in busiest[:2]]
    served = visits.filter(request__service_type__in=type_ids)
    community_ids = served.values("request__resident__community")
    return (
        list(ServiceType.objects.filter(pk__in=type_ids).order_by("pk")),
        list(Community.objects.filter(pk__in=community_ids).order_by("pk")),
    )


def _publish(
    ctx, *, title, types, communities, ceiling_yuan, quantity, actor, street=None, extra=()
):
    return domain.call_publish(
        actor=actor,
        title=title,
        purpose="为辖区独居、空巢老人提供专业上门服务，服务产出以平台签到签退记录核验。",
        categories=list(Category.values),
        communities=communities,
        street=street,
        budget_ceiling_fen=ceiling_yuan * 100,
        opens_on=ctx.days_ago(10),
        closes_on=ctx.today + datetime.timedelta(days=20),
        criteria=_RUBRIC,
        targets=[
            {
                "service_types": types,
                "communities": communities,
                "starts_on": ctx.days_ago(60),
                "ends_on": ctx.today + datetime.timedelta(days=120),
                "quantity": quantity,
                "min_mean_rating": 4,
            }
        ]
        + [
            {
                "kind": kind,
                "communities": communities,
                "starts_on": ctx.days_ago(60),
                "ends_on": ctx.today + datetime.timedelta(days=120),
                "quantity": amount,
            }
            for kind, amount in extra
        ],
    )


def _awarded_call(ctx, youshe, rival_pair, types, communities) -> None:
    civil, street, community = ctx.users["civil"], ctx.users["street"], ctx.users["community"]
    call = _publish(
        ctx,
        title="2026年度居家养老上门服务购买项目",
        types=types,
        communities=communities,
        ceiling_yuan=200_000,
        quantity=400,
        actor=civil,
        # Counted from activity attendance and signed assessments, as the examples.
        extra=[
            (ServiceTarget.Kind.ACTIVITIES_HELD, 24),
            (ServiceTarget.Kind.RESIDENTS_ASSESSED, 200),
        ],
    )
    ours = domain.application_submit(
        call=call,
        organization=youshe,
        actor=ctx.users["org"],
        plan="组建社工带领的志愿服务队，每周为独居老人提供助浴、陪伴聊天等上门服务。",
        budget_lines=[
            ("社工人员经费", 9_600_000),
            ("志愿者培训与保险", 2_400_000),
            ("服务耗材", 3_000_000),
        ],
    )
    rival, rival_member = rival_pair
    theirs = domain.application_submit(
        call=call,
        organization=rival,
        actor=rival_member,
        plan="依托社区日间照料中心，开展集中服务与入户探访相结合的服务。",
        budget_lines=[("人员经费", 10_000_000), ("活动经费", 6_000_000)],
    )
    for reviewer in (street, community):
        domain.call_add_reviewer(call=call, reviewer=reviewer, actor=civil)
    domain.conflict_declare(
        call=call, reviewer=community, organization=rival, reason="该组织负责人为本人亲属"
    )
    criteria = list(call.criteria.all())
    for reviewer, application, share in (
        (street, ours, 0.9),
        (street, theirs, 0.75),
        (community, ours, 0.85),
    ):
        scores = {c.pk: round(c.max_points * share) for c in criteria}
        domain.review_submit(application=application, reviewer=reviewer, scores=scores)
    ProjectCall.objects.filter(pk=call.pk).update(
        opens_on=ctx.days_ago(100), closes_on=ctx.days_ago(70)
    )
    call.refresh_from_db()
    domain.call_decide(
        call=call,
        actor=civil,
        awarded_ids={ours.pk},
        reasons={
            ours.pk: "评审平均分最高，方案与社区需求契合。",
            theirs.pk: "预算偏高，入户服务安排不够具体。",
        },
    )
    ours.refresh_from_db()
    contract = domain.contract_sign(
        application=ours,
        actor=civil,
        starts_on=ctx.days_ago(60),
        ends_on=ctx.today + datetime.timedelta(days=120),
    )
    _milestones(ctx, contract)


def _milestones(ctx, contract) -> None:
    civil = ctx.users["civil"]
    verified = contract_verified_total(contract=contract)
    first = domain.milestone_add(
        contract=contract,
        actor=civil,
        title="首期（启动）",
        due_on=ctx.days_ago(30),
        amount_fen=contract.budget_fen * 3 // 10,
        visits_required=min(verified, 20),
    )
    domain.milestone_add(
        contract=contract,
        actor=civil,
        title="中期评估",
        due_on=ctx.today + datetime.timedelta(days=30),
        amount_fen=contract.budget_fen * 4 // 10,
        visits_required=200,
    )
    domain.milestone_add(
        contract=contract,
        actor=civil,
        title="结项评估",
        due_on=contract.ends_on,
        amount_fen=contract.budget_fen - contract.budget_fen * 7 // 10,
        visits_required=400,
    )
    request = domain.payment_request_submit(
        milestone=first, actor=ctx.users["org"], amount_fen=first.amount_fen
    )
    domain.payment_request_approve(payment_request=request, actor=civil)


def _open_call(ctx, youshe, types) -> None:
    street_user = ctx.users["street"]
    communities = list(
        Community.objects.filter(street_id=ctx.flagship.street_id).order_by("pk")[:6]
    )
    call = _publish(
        ctx,
        title="桃园街道社区居家养老服务提升项目",
        types=types,
        communities=communities,
        ceiling_yuan=80_000,
        quantity=150,
        actor=street_user,
        street=ctx.flagship.street,
    )
    domain.application_submit(
        call=call,
        organization=youshe,
        actor=ctx.users["org"],
        plan="在街道各社区开展上门陪伴与健康监测服务。",
        budget_lines=[("社工人员经费", 5_000_000), ("服务耗材", 1_500_000)],
    )


def _incubation(ctx, *, mentor, taken: set) -> None:
    """Two young approved organizations in the incubation base, mentored by 优社优家: one
    still incubating, one graduated (出壳) last month."""
    newcomers = (
        Organization.objects.filter(status=Organization.Status.APPROVED)
        .exclude(pk__in=taken)
        .order_by("-submitted_at", "-pk")[:2]
    )
    for position, newcomer in enumerate(newcomers):
        incubation = domain.incubation_start(
            organization=newcomer,
            mentor=mentor,
            started_on=ctx.days_ago(90 + 180 * position),
            actor=ctx.users["civil"],
        )
        if position:
            domain.incubation_end(
                incubation=incubation,
                actor=ctx.users["civil"],
                stage=Incubation.Stage.GRADUATED,
                ended_on=ctx.days_ago(30),
                outcome="完成登记备案，独立承接社区服务项目。",
            )


# How many approved organizations of each category the bureau wants in a district.
_CATEGORY_TARGETS = {
    Category.PUBLIC_WELFARE: 6,
    Category.SOCIAL_AFFAIRS: 3,
    Category.CULTURE_SPORTS: 4,
    Category.CHARITY_RELIEF: 2,
    Category.COMMUNITY_RIGHTS: 2,
}


def _category_targets(ctx) -> None:
    """The bureau's targets for the flagship community's district."""
    domain.category_targets_set(
        district=ctx.flagship.street.district,
        targets=dict(_CATEGORY_TARGETS),
        actor=ctx.users["civil"],
    )
