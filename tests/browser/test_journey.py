"""The whole pilot journey in a real browser, one person (browser context) after another.

An organization registers → civil-affairs staff approve it → it publishes an offering and
asks to enter a community → community staff accept the agreement → a resident asks for a
visit online and the hotline takes a request for another → street staff run matching
(a Celery task; eager here) and confirm → the organization accepts and schedules a visit
→ the resident's in-app reminder appears → the social worker checks in and out and
completes it → the resident rates it → the street dashboard counts the rating.
"""

import datetime
import re

import pytest
from django.core.cache import cache
from django.utils import timezone

from communities.models import Resident
from organizations.models import Organization
from sanlian.roles import Role
from services.models import Feedback, Match, Reminder, ServiceRequest, Visit
from tests import factories as f
from tests.dashboard.conftest import served

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ORG_PASSWORD = "Youshe-Youjia-2026!"


@pytest.fixture
def pilot(cast):
    """The cast, a service type, a social worker, a hotline caller and four rated visits."""
    f.ServiceTypeFactory(name="理发")
    worker = f.SocialWorkerFactory(
        user=f.UserFactory(username="worker", role=Role.SOCIAL_WORKER, display_name="王社工")
    )
    worker.communities.set([cast.community])
    caller = f.ResidentFactory(community=cast.community, name="李桂香", phone="13912348765")
    f.ConsentFactory(resident=caller)
    f.ConsentFactory(resident=cast.resident)
    # Four residents already served: the journey's rating is the fifth, so the dashboard,
    # which hides counts of fewer than five people, shows the ratings only at the end.
    served(cast.community, 4, rating=5)
    return cast


def _choose(page, name: str, text: str) -> None:
    """Select the option of <select name=...> whose text contains `text`."""
    option = page.locator(f"select[name={name}] option", has_text=text).first
    page.select_option(f"select[name={name}]", value=option.get_attribute("value"))


def _visit_time() -> datetime.datetime:
    """Later today (check-in is only allowed on the day), inside the offering's hours."""
    now = timezone.localtime()
    latest = now.replace(hour=23, minute=58, second=0, microsecond=0)
    return min(now + datetime.timedelta(minutes=20), latest).replace(second=0, microsecond=0)


def _register(tab, cast) -> None:
    page = tab.page
    tab.goto("/organizations/register/")
    page.fill("input[name=name]", "优社优家服务中心")
    page.fill("input[name=credit_code]", f.credit_code(424242))
    page.select_option("select[name=category]", index=1)
    page.fill("input[name=legal_representative]", "赵明")
    page.fill("input[name=contact_name]", "赵明")
    page.fill("input[name=contact_phone]", "13800001111")
    page.fill("input[name=email]", "youshe@example.org")
    page.fill("input[name=address]", "太原市小店区桃园路1号")
    page.select_option("select[name=home_street]", label=cast.east_street.name)
    page.check(f"input[name=communities][value='{cast.community.pk}']")
    page.fill("input[name=username]", "youshe")
    page.fill("input[name=password]", ORG_PASSWORD)
    page.fill("input[name=password_again]", ORG_PASSWORD)
    tab.shot("01-register")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r".*/register/done/"))
    tab.shot("02-registered")


def _approve(tab, organization) -> None:
    tab.login("civil")
    tab.goto("/organizations/review/")
    tab.page.click(f"a[href$='/organizations/{organization.pk}/']")
    tab.page.click("#review-form button.btn-success")
    tab.page.wait_for_load_state()
    tab.shot("03-approved")
    tab.logout()


def _organization_enters(tab, cast) -> None:
    page = tab.page
    tab.login("youshe", ORG_PASSWORD)
    tab.goto("/organizations/offerings/new/")
    page.select_option("select[name=service_type]", label="理发")
    page.check(f"input[name=communities][value='{cast.community.pk}']")
    page.fill("input[name=weekly_capacity]", "10")
    page.select_option("select[name=price_class]", index=0)
    for day in range(7):
        page.check(f"input[name=weekdays][value='{day}']")
    page.fill("input[name=start_time]", "00:00")
    page.fill("input[name=end_time]", "23:59")
    tab.shot("04-offering")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r".*/organizations/offerings/$"))
    tab.goto("/organizations/agreements/new/")
    _choose(page, "community", cast.community.name)
    page.fill("input[name=start_date]", timezone.localdate().isoformat())
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    tab.shot("05-agreement-requested")
    tab.logout()


def _community_accepts(tab) -> None:
    tab.login("community")
    tab.goto("/organizations/agreements/")
    tab.page.click("main a[href*='/organizations/agreements/']:not([href$='new/'])")
    tab.page.click("button:has-text('同意入驻')")
    tab.page.wait_for_load_state()
    tab.shot("06-agreement-accepted")


def _hotline(tab) -> None:
    page = tab.page
    tab.goto("/services/hotline/")
    page.fill("input[name=q]", "8765")
    page.click("main form[role=search] button[type=submit]")
    page.click("a:has-text('登记服务需求')")
    _choose(page, "service_type", "理发")
    for day in range(7):
        page.check(f"input[name=preferred_days][value='{day}']")
    page.fill("input[name=preferred_start]", "00:00")
    page.fill("input[name=preferred_end]", "23:59")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    tab.shot("07-hotline-request")
    tab.logout()


def _resident_requests(tab) -> None:
    page = tab.page
    tab.login("grandma")
    tab.goto("/services/requests/new/")
    _choose(page, "service_type", "理发")
    for day in range(7):
        page.check(f"input[name=preferred_days][value='{day}']")
    page.fill("input[name=preferred_start]", "00:00")
    page.fill("input[name=preferred_end]", "23:59")
    tab.shot("08-resident-request")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    tab.shot("09-resident-requested")
    tab.logout()


def _street_matches(tab, cast) -> None:
    page = tab.page
    tab.login("street")
    tab.goto("/matching/")
    page.select_option("select[name=scope]", value=f"street:{cast.east_street.pk}")
    today = timezone.localdate()
    page.fill(
        "input[name=week_start]", (today - datetime.timedelta(days=today.weekday())).isoformat()
    )
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r".*/matching/runs/\d+/"))
    tab.shot("10-proposals")
    page.click("button[name=all]")
    page.wait_for_load_state()
    tab.shot("11-confirmed")


def _organization_accepts_and_schedules(tab, cast) -> None:
    page = tab.page
    tab.login("youshe", ORG_PASSWORD)
    tab.goto("/matching/inbox/")
    tab.shot("12-inbox")
    while page.locator("button:has-text('接受')").count():
        page.locator("button:has-text('接受')").first.click()
        page.wait_for_load_state()
    match = Match.objects.get(request__resident=cast.resident, status=Match.Status.ACCEPTED)
    tab.goto(f"/services/matches/{match.pk}/schedule/")
    page.fill("input[name=scheduled_start]", _visit_time().strftime("%Y-%m-%dT%H:%M"))
    page.select_option("select[name=social_worker]", index=1)
    tab.shot("13-schedule")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r".*/services/visits/\d+/"))
    tab.shot("14-scheduled")
    tab.logout()


def _resident_sees_reminder(tab) -> None:
    tab.login("grandma")
    tab.goto("/notifications/")
    tab.shot("15-reminder")
    assert tab.page.locator("main").get_by_text("理发").count() >= 1


def _worker_serves(tab, visit) -> None:
    page = tab.page
    tab.login("worker")
    tab.goto("/services/visits/mine/")
    tab.shot("16-my-visits")
    tab.goto(f"/services/visits/{visit.pk}/")
    # Each step goes through the phone's queue (static/js/visit_queue.js), which reloads
    # the page once the portal has it.
    with page.expect_navigation():
        page.click("button:has-text('到达，签到')")
    page.fill("textarea[name=service_log]", "理发一次，老人精神很好。")
    with page.expect_navigation():
        page.click("button:has-text('签退')")
    with page.expect_navigation():
        page.click("button:has-text('服务完成')")
    tab.shot("17-completed")


def _resident_rates(tab, visit) -> None:
    page = tab.page
    tab.login("grandma")
    tab.goto(f"/services/visits/{visit.pk}/feedback/")
    page.locator("input[name=rating][value='5']").check(force=True)
    tab.shot("18-rating")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    tab.shot("19-rated")


def test_pilot_journey_from_registration_to_dashboard(open_tab, pilot):
    cast = pilot
    tab = open_tab("journey")
    _register(tab, cast)
    organization = Organization.objects.get(name="优社优家服务中心")
    assert organization.status == Organization.Status.SUBMITTED
    _approve(tab, organization)
    organization.refresh_from_db()
    assert organization.status == Organization.Status.APPROVED

    _organization_enters(tab, cast)
    assert organization.offerings.count() == 1
    _community_accepts(tab)
    assert organization.agreements.get().status == "active"

    _hotline(tab)
    caller = Resident.objects.get(name="李桂香")
    assert caller.requests.get().channel == "hotline"
    _resident_requests(tab)
    request = ServiceRequest.objects.get(resident=cast.resident)

    # The dashboard before the rating: four ratings, too few to show.
    street_tab = open_tab("dashboard")
    street_tab.login("street")
    street_tab.goto("/dashboard/")
    assert street_tab.page.get_by_test_id("ratings-count").inner_text() == "不显示"

    _street_matches(tab, cast)
    assert Match.objects.filter(status=Match.Status.CONFIRMED).count() == 2
    tab.logout()
    _organization_accepts_and_schedules(tab, cast)
    visit = Visit.objects.get(request=request)
    assert Reminder.objects.filter(visit=visit, channel="in_app").exists()
    _resident_sees_reminder(tab)
    tab.logout()

    _worker_serves(tab, visit)
    visit.refresh_from_db()
    assert visit.status == Visit.Status.COMPLETED and visit.checked_out_at is not None
    tab.logout()
    _resident_rates(tab, visit)
    assert Feedback.objects.get(visit=visit).rating == 5

    cache.clear()  # figures are cached for a minute (reporting.stats.CACHE_SECONDS)
    street_tab.goto("/dashboard/")
    assert street_tab.page.get_by_test_id("ratings-count").inner_text() == "5"
    street_tab.shot("20-dashboard")
