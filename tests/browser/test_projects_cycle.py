"""The purchase-of-services cycle in a real browser, one person after another, with a
screenshot of each step: the bureau publishes a call → an organization applies → one
reviewer declares a conflict, another scores → (the closing date passes) → the bureau
awards and signs the contract → visits are delivered → the progress page counts them →
a milestone is paid → the contract is closed with its evaluation; then the incubation page
and the dashboard's section.
"""

import datetime
import re

import pytest
from django.utils import timezone

from projects.models import Application, Contract, Payment, ProjectCall
from sanlian.roles import Role
from tests import factories as f
from tests.projects._support import verified_visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _day(n: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=n)).isoformat()


def _form(page, action_part: str):
    return page.locator(f"form[action*='{action_part}']")


def test_projects_cycle_publish_to_paid_milestone(open_tab, cast):
    bathing = f.ServiceTypeFactory(code="bathing", name="助浴")
    expert_user = f.UserFactory(
        username="expert", role=Role.COMMUNITY_STAFF, display_name="评审专家"
    )
    cast.organization.home_street = cast.east_street
    cast.organization.save(update_fields=["home_street"])

    # The bureau publishes a call and names two reviewers.
    bureau = open_tab("projects-bureau")
    bureau.login("civil")
    bureau.goto("/projects/calls/new/")
    page = bureau.page
    page.fill("input[name=title]", "桃园街道居家养老服务项目")
    page.fill("textarea[name=purpose]", "为独居老人提供上门助浴服务")
    page.check("input[name=categories][value=public_welfare]")
    page.check(f"input[name=communities][value='{cast.community.pk}']")
    page.fill("input[name=budget_ceiling_yuan]", "10000")
    page.fill("input[name=opens_on]", _day(-1))
    page.fill("input[name=closes_on]", _day(5))
    page.select_option("select[name=target_service_types]", str(bathing.pk))
    page.fill("input[name=target_quantity]", "4")
    page.fill("input[name=target_starts_on]", _day(-30))
    page.fill("input[name=target_ends_on]", _day(30))
    page.fill("input[name=target_activities]", "2")
    bureau.shot("1-publish")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r".*/projects/calls/\d+/$"))
    call = ProjectCall.objects.get()
    for reviewer in (cast.street_staff, expert_user):
        form = _form(page, "/reviewers/")
        form.locator("select[name=reviewer]").select_option(str(reviewer.pk))
        form.locator("button[type=submit]").click()
        page.wait_for_load_state()
    assert call.reviewers.count() == 2
    bureau.shot("2-call")

    # The organization applies, over the ceiling first (refused, nothing saved), then within.
    member = open_tab("projects-organization")
    member.login("alice")
    member.goto(f"/projects/calls/{call.pk}/apply/")
    page = member.page
    page.fill("textarea[name=plan]", "每周上门助浴两次")
    page.fill("textarea[name=budget_lines]", "人员经费：12000")
    page.click("main form button[type=submit]")
    assert "超过了项目上限" in page.inner_text("main")
    assert not Application.objects.exists()
    page.fill("textarea[name=budget_lines]", "人员经费：6000\n服务耗材：2000")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r".*/projects/applications/\d+/$"))
    application = Application.objects.get()
    assert application.requested_fen == 800_000
    member.shot("3-applied")

    # The expert is related to the organization: declares it and may not score.
    expert = open_tab("projects-expert")
    expert.login("expert")
    expert.goto(f"/projects/calls/{call.pk}/")
    form = _form(expert.page, "/conflicts/")
    form.locator("select[name=organization]").select_option(str(cast.organization.pk))
    form.locator("input[name=reason]").fill("亲属在该组织任职")
    form.locator("button[type=submit]").click()
    expert.page.wait_for_load_state()
    expert.goto(f"/projects/applications/{application.pk}/")
    assert expert.page.locator("form[action*='/review/']").count() == 0
    expert.shot("4-conflict")

    # The street reviewer scores.
    street = open_tab("projects-reviewer")
    street.login("street")
    street.goto(f"/projects/applications/{application.pk}/")
    for field in street.page.locator("form[action*='/review/'] input[name^=score_]").all():
        field.fill("25")
    _form(street.page, "/review/").locator("button[type=submit]").click()
    street.page.wait_for_load_state()
    assert application.reviews.get().reviewer == cast.street_staff
    street.shot("5-scored")

    # The closing date passes; the bureau awards and signs the contract.
    ProjectCall.objects.filter(pk=call.pk).update(opens_on=_day(-20), closes_on=_day(-1))
    bureau.goto(f"/projects/calls/{call.pk}/decide/")
    page = bureau.page
    page.check(f"input[name=award_{application.pk}]")
    page.fill(f"input[name=reason_{application.pk}]", "方案扎实，预算合理")
    bureau.shot("6-decide")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(rf".*/projects/calls/{call.pk}/$"))
    bureau.goto(f"/projects/applications/{application.pk}/")
    form = _form(page, "/contract/")
    form.locator("input[name=starts_on]").fill(_day(-30))
    form.locator("input[name=ends_on]").fill(_day(30))
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/projects/contracts/\d+/$"))
    contract = Contract.objects.get()

    # Visits are delivered (and one outside the contracted communities, not counted).
    for _ in range(4):
        verified_visit(
            organization=cast.organization, community=cast.community, service_type=bathing
        )
    verified_visit(
        organization=cast.organization, community=cast.other_community, service_type=bathing
    )
    form = _form(page, "/milestones/")
    form.locator("input[name=title]").fill("一期")
    form.locator("input[name=due_on]").fill(_day(1))
    form.locator("input[name=amount_yuan]").fill("3000")
    form.locator("input[name=visits_required]").fill("4")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "4" in page.inner_text("main")
    bureau.shot("7-progress")

    # The organization asks for the milestone's money; more than the milestone is refused.
    member.goto(f"/projects/contracts/{contract.pk}/")
    page = member.page
    request_form = page.locator("form[action*='/payment-requests/']").first
    request_form.locator("input[name=amount_yuan]").fill("3500")
    request_form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "不超过该节点未申请的" in page.inner_text("main")
    request_form = page.locator("form[action*='/payment-requests/']").first
    request_form.locator("input[name=amount_yuan]").fill("3000")
    request_form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    member.shot("8-requested")

    # The bureau pays, then closes the contract with its evaluation.
    bureau.goto(f"/projects/contracts/{contract.pk}/")
    page = bureau.page
    page.locator("form[action*='/approve/'] button").click()
    page.wait_for_load_state()
    contract.refresh_from_db()
    assert contract.paid_fen == Payment.objects.get().amount_fen == 300_000
    bureau.shot("9-paid")
    assert bureau.axe() == []
    form = _form(page, "/complete/")
    form.locator("textarea[name=reason]").fill("完成全部助浴服务，居民满意")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    contract.refresh_from_db()
    assert contract.status == "completed"
    bureau.shot("10-completed")

    # Incubation: the bureau records one; the dashboard's section shows funds and cost.
    hub = f.OrganizationFactory(name="市社会组织服务中心", home_street=cast.east_street)
    newcomer = f.OrganizationFactory(name="桃园银龄互助会", home_street=cast.east_street)
    bureau.goto("/projects/incubations/")
    form = _form(page, "/incubations/new/")
    form.locator("select[name=organization]").select_option(str(newcomer.pk))
    form.locator("select[name=mentor]").select_option(str(hub.pk))
    form.locator("input[name=started_on]").fill(_day(-10))
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "桃园银龄互助会" in page.inner_text("main")
    bureau.shot("11-incubation")
    assert bureau.axe() == []
    bureau.goto("/projects/category-targets/")
    assert bureau.axe() == []
    bureau.goto("/dashboard/")
    section = page.locator("#projects-section-title")
    section.scroll_into_view_if_needed()
    assert "750.00" in page.inner_text("#projects-contracts")  # 3000 yuan / 4 visits
    bureau.shot("12-dashboard")
