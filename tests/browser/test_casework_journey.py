"""Social work's journey in a real browser: a social worker assesses a resident on a phone →
opens a case and files a planned service → street staff match it → the organization
schedules the visit → the social worker serves it and flags a change in the resident's
condition → the resident is due a reassessment → the weekly sample picks the visit → the
social worker calls the resident back and records the result, which the organization sees.
"""

import datetime
import re

import pytest
from django.utils import timezone

from casework.domain import callbacks_sample_week
from casework.instruments import instrument_current, instrument_load
from casework.models import Assessment, Callback, Case
from communities.models import Resident
from sanlian.roles import Role
from services.models import Match, ServiceRequest, Visit
from tests import factories as f
from tests.browser.conftest import PHONE
from tests.browser.test_journey import _visit_time

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def scene(cast):
    """Sue serves the east community; 优社优家 offers 助浴 there every day, all day."""
    if instrument_current() is None:  # an earlier transactional test flushed the migration's
        instrument_load()
    sue = f.SocialWorkerFactory(
        user=f.UserFactory(username="sue", role=Role.SOCIAL_WORKER, display_name="王润梅"),
        organization=cast.organization,
        name="王润梅",
    )
    sue.communities.set([cast.community])
    f.ConsentFactory(resident=cast.resident)
    bathing = f.ServiceTypeFactory(name="助浴", code="bathing")
    offering = f.OfferingFactory(
        organization=cast.organization,
        service_type=bathing,
        communities=[cast.community],
        weekly_capacity=5,
    )
    for day in range(7):
        f.OfferingWindowFactory(
            offering=offering,
            weekday=day,
            start_time=datetime.time(0, 0),
            end_time=datetime.time(23, 59),
        )
    return cast


def _logout(tab) -> None:
    """On a phone the logout button hides in the collapsed menu: drop the session instead."""
    tab.context.clear_cookies()


def _check_no_axe(tab) -> None:
    assert tab.axe() == [], tab.page.url


def _assess(tab, resident) -> None:
    page = tab.page
    tab.goto(f"/casework/residents/{resident.pk}/")
    page.click("button:has-text('开始评估')")
    page.wait_for_url(re.compile(r".*/casework/assessments/\d+/"))
    # The lowest score of every item: a resident who has lost their abilities.
    page.evaluate(
        """() => {
          const names = new Set([...document.querySelectorAll('input[type=radio]')]
            .map(r => r.name).filter(n => n.startsWith('item_')));
          for (const name of names) {
            const radios = document.querySelectorAll(`input[name="${name}"]`);
            radios[radios.length - 1].checked = true;
          }
        }"""
    )
    tab.shot("01-assessment-form")
    _check_no_axe(tab)
    assert tab.no_horizontal_scroll()
    page.click("button[name=sign]")
    page.wait_for_load_state()
    tab.shot("02-assessment-signed")


def _open_case_and_plan(tab, resident) -> Case:
    page = tab.page
    tab.goto(f"/casework/residents/{resident.pk}/open-case/")
    page.select_option("select[name=source]", value="assessment")
    page.fill("input[name=presenting_need]", "失能，需要助浴")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r".*/casework/cases/\d+/"))
    case = Case.objects.get(resident=resident)
    page.fill("form[action$='/plan/'] textarea[name=goals]", "保持个人卫生：每周一次助浴")
    page.click("form[action$='/plan/'] button[type=submit]")
    page.wait_for_load_state()
    service = "form[action$='/services/']"
    option = page.locator(f"{service} select[name=service_type] option", has_text="助浴").first
    page.select_option(f"{service} select[name=service_type]", value=option.get_attribute("value"))
    for day in range(7):
        page.check(f"{service} input[name=preferred_days][value='{day}']")
    page.fill(f"{service} input[name=preferred_start]", "00:00")
    page.fill(f"{service} input[name=preferred_end]", "23:59")
    page.click(f"{service} button[type=submit]")
    page.wait_for_load_state()
    tab.shot("03-care-plan")
    _check_no_axe(tab)
    return case


def _street_matches(tab, cast) -> None:
    page = tab.page
    tab.login("street")
    tab.goto("/matching/")
    page.select_option("select[name=scope]", value=f"street:{cast.east_street.pk}")
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    page.fill("input[name=week_start]", monday.isoformat())
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r".*/matching/runs/\d+/"))
    page.click("button[name=all]")
    page.wait_for_load_state()
    tab.shot("04-matched")
    _check_no_axe(tab)
    _logout(tab)


def _organization_schedules(tab, request) -> Visit:
    page = tab.page
    tab.login("alice")
    tab.goto("/matching/inbox/")
    page.locator("button:has-text('接受')").first.click()
    page.wait_for_load_state()
    match = Match.objects.get(request=request, status=Match.Status.ACCEPTED)
    tab.goto(f"/services/matches/{match.pk}/schedule/")
    page.fill("input[name=scheduled_start]", _visit_time().strftime("%Y-%m-%dT%H:%M"))
    option = page.locator("select[name=social_worker] option", has_text="王润梅").first
    page.select_option("select[name=social_worker]", value=option.get_attribute("value"))
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r".*/services/visits/\d+/"))
    tab.shot("05-scheduled")
    _logout(tab)
    return Visit.objects.get(request=request)


def _serve_and_flag(tab, visit) -> None:
    page = tab.page
    tab.goto(f"/services/visits/{visit.pk}/")
    # Each step goes through the phone's queue (static/js/visit_queue.js), which reloads
    # the page once the portal has it.
    with page.expect_navigation():
        page.click("button:has-text('到达，签到')")
    page.fill("textarea[name=service_log]", "协助洗浴一次。")
    page.check("input[name=condition_changed]")
    page.fill("input[name=condition_note]", "起身比上次困难，需要两人搀扶")
    tab.shot("06-visit-log")
    with page.expect_navigation():
        page.click("button:has-text('服务完成')")
    tab.shot("07-visited")


def _call_back(tab) -> None:
    page = tab.page
    tab.goto("/casework/callbacks/")
    tab.shot("09-callbacks")
    _check_no_axe(tab)
    page.click("a:has-text('记录回访')")
    page.wait_for_url(re.compile(r".*/casework/callbacks/\d+/$"))
    _check_no_axe(tab)
    assert tab.no_horizontal_scroll()
    page.check("input[name=reached][value='1']")
    page.select_option("select[name=happened_as_logged]", value="1")
    page.select_option("select[name=quality_score]", value="5")
    page.fill("input[name=comment]", "电话确认，老人很满意")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r".*/casework/callbacks/$"))
    assert page.get_by_text("已记录回访：已回访").count() == 1
    tab.shot("10-called-back")


def test_casework_journey_assess_plan_match_visit_callback(open_tab, scene):
    cast = scene
    resident = cast.resident
    tab = open_tab("casework", viewport=PHONE)
    tab.login("sue")
    _assess(tab, resident)
    assessment = Assessment.objects.get(resident=resident)
    resident.refresh_from_db()
    assert assessment.status == "signed" and assessment.level_rank == 4
    assert resident.care_level == Resident.CareLevel.DEPENDENT

    case = _open_case_and_plan(tab, resident)
    case.refresh_from_db()
    request = case.planned_services.get().request
    assert case.status == "active" and request.status == ServiceRequest.Status.OPEN
    _logout(tab)

    _street_matches(tab, cast)
    request.refresh_from_db()
    assert request.status == ServiceRequest.Status.MATCHED  # the plan's request was served
    assert Match.objects.get(request=request).status == Match.Status.CONFIRMED
    _organization_schedules(tab, request)
    visit = Visit.objects.get(request=request)
    assert visit.social_worker.user.username == "sue"

    tab.login("sue")
    _serve_and_flag(tab, visit)
    visit.refresh_from_db()
    assert visit.status == Visit.Status.COMPLETED and visit.condition_note.startswith("起身")
    tab.goto("/casework/assessments/due/")
    assert tab.page.get_by_test_id("condition-changed").count() == 1
    tab.shot("08-reassessment-due")

    today = timezone.localdate()
    assert callbacks_sample_week(week_start=today - datetime.timedelta(days=today.weekday())) == 1
    _call_back(tab)
    callback = Callback.objects.get(visit=visit)
    assert (callback.status, callback.happened_as_logged, callback.quality_score) == (
        "done",
        True,
        5,
    )
    _logout(tab)

    org_tab = open_tab("casework-org")
    org_tab.login("alice")
    org_tab.goto("/casework/callbacks/results/")
    assert org_tab.page.get_by_text("电话确认，老人很满意").count() == 1
    assert org_tab.page.get_by_text(resident.name).count() == 0
    org_tab.shot("11-organization-sees-results")
    _check_no_axe(org_tab)
