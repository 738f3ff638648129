"""Builders for the projects tests: a call, an awarded contract, verified visits."""

import datetime

from django.utils import timezone

from organizations.models import Category
from projects import domain
from projects.models import ProjectCall
from sanlian.roles import Role
from services.models import Visit
from tests import factories as f

CEILING = 10_000_00  # 10,000 yuan


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def publish(cast, *, service_type=None, communities=None, ceiling=CEILING, **overrides):
    service_type = service_type or f.ServiceTypeFactory(code="bathing", name="助浴")
    communities = communities or [cast.community]
    fields = {
        "actor": cast.civil,
        "title": "桃园街道居家养老服务项目",
        "purpose": "为独居老人提供上门服务",
        "categories": [Category.PUBLIC_WELFARE],
        "communities": communities,
        "budget_ceiling_fen": ceiling,
        "opens_on": days(-5),
        "closes_on": days(5),
        "criteria": [("方案可行性", 40), ("团队能力", 30), ("预算合理性", 30)],
        "targets": [
            {
                "service_types": [service_type],
                "communities": communities,
                "starts_on": days(-30),
                "ends_on": days(30),
                "quantity": 10,
                "min_mean_rating": None,
            }
        ],
    }
    fields.update(overrides)
    return domain.call_publish(**fields)


def apply(cast, call, *, organization=None, member=None, lines=(("人员经费", 300_000),)):
    return domain.application_submit(
        call=call,
        organization=organization or cast.organization,
        actor=member or cast.member,
        plan="每周上门两次",
        budget_lines=list(lines),
    )


def reviewer(username="expert", role=Role.STREET_STAFF):
    return f.UserFactory(username=username, role=role)


def close(call) -> None:
    """The closing date has passed (as if time went by)."""
    ProjectCall.objects.filter(pk=call.pk).update(opens_on=days(-20), closes_on=days(-1))
    call.refresh_from_db()


def full_scores(call, points=None) -> dict[int, int]:
    return {c.pk: (c.max_points if points is None else points) for c in call.criteria.all()}


def awarded_contract(cast, *, budget_lines=(("人员经费", 300_000),), **publish_args):
    call = publish(cast, **publish_args)
    application = apply(cast, call, lines=budget_lines)
    close(call)
    domain.call_decide(
        call=call,
        actor=cast.civil,
        awarded_ids={application.pk},
        reasons={application.pk: "方案扎实"},
    )
    application.refresh_from_db()
    return domain.contract_sign(
        application=application, actor=cast.civil, starts_on=days(-30), ends_on=days(30)
    )


def verified_visit(
    *, organization, community, service_type, when=None, rating=None, **visit_fields
) -> Visit:
    """A completed visit with check-in and check-out at `when` (default: an hour ago)."""
    when = when or timezone.now() - datetime.timedelta(hours=1)
    offering = f.OfferingFactory(organization=organization, service_type=service_type)
    fields = {
        "status": Visit.Status.COMPLETED,
        "checked_in_at": when - datetime.timedelta(minutes=45),
        "checked_out_at": when,
    }
    fields.update(visit_fields)
    visit = f.VisitFactory(
        request=f.ServiceRequestFactory(
            resident=f.ResidentFactory(community=community), service_type=service_type
        ),
        offering=offering,
        scheduled_start=when - datetime.timedelta(hours=1),
        **fields,
    )
    if rating is not None:
        f.FeedbackFactory(visit=visit, rating=rating)
    return visit
