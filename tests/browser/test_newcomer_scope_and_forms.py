"""Issue 21's remaining newcomer items, in a browser with screenshots and axe-core: 3 the
/api/v1/stats/ index, 6 the volunteer's team size, 8 services fitting each audience, 9 the
allowance totals' month, 11 the grouped registration areas, 12 the next step after accepting
a match, 14 which communities the civil-affairs figures cover; and the history's and the
ledger's own words in English mode."""

import datetime
import re

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from sanlian import stored_text
from sanlian.audit import audit_record
from sanlian.roles import Role
from services.allowances.domain import visit_charge
from tests import factories as f
from tests.browser.conftest import PHONE
from tests.services._allowances_support import done_visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What a resident must never be offered on the request form (item 8).
NOT_FOR_RESIDENTS = ("课业辅导", "形象设计", "养老服务补贴", "热线派单上门服务")


def test_dashboard_client_home_names_the_stats_index_which_lists_every_endpoint(open_tab, db):
    f.UserFactory(username="board", role=Role.DASHBOARD)
    tab = open_tab("newcomer-3-stats-index")
    tab.login("board")
    assert "/api/v1/stats/" in tab.page.inner_text("main")
    tab.shot("home")
    assert tab.axe() == []

    # Item 3: the address the home page names answers a client signed in as this account
    # with every endpoint's URL, each of which answers too. (Read as a client reads it: the
    # browsable rendering is Django REST framework's own page, not a portal page.)
    answer = tab.context.request.get(
        tab.base_url + "/api/v1/stats/", headers={"Accept": "application/json"}
    )
    assert answer.status == 200
    index = answer.json()
    assert {"overview", "communities", "streets", "districts", "weekly", "allowances"} <= set(index)
    for name, entry in index.items():
        assert entry["url"].startswith(tab.base_url + "/api/v1/stats/"), name
        assert entry["description"], name
        answer = tab.context.request.get(entry["url"], headers={"Accept": "application/json"})
        assert answer.status == 200, (name, answer.status)
        assert answer.json(), name


def test_stats_index_is_refused_to_an_organization_member(open_tab, cast):
    tab = open_tab("newcomer-3-stats-refused")
    tab.login("alice")
    answer = tab.context.request.get(
        tab.base_url + "/api/v1/stats/", headers={"Accept": "application/json"}
    )
    assert answer.status == 403


def test_volunteer_home_shows_the_whole_teams_size(open_tab, cast):
    team = f.VolunteerTeamFactory(name="润梅志愿服务队", community=cast.community)
    f.VolunteerFactory(team=team, user=f.UserFactory(username="volunteer", role=Role.VOLUNTEER))
    f.VolunteerFactory.create_batch(8, team=team)
    f.VolunteerFactory.create_batch(3)  # other teams
    tab = open_tab("newcomer-6-volunteer-team", viewport=PHONE)
    tab.login("volunteer")
    text = tab.page.inner_text("main")
    assert "润梅志愿服务队" in text
    assert "9 名队员" in text and "1 名队员" not in text  # item 6
    tab.shot("home")
    assert tab.axe() == []


def _service_types():
    made = {}
    for code, name, mode in (
        ("haircut", "理发", "home"),
        ("day-care", "日间照料", "day_care"),
        ("tutoring", "课业辅导", "virtual"),
        ("image-design", "形象设计", "virtual"),
        ("allowance", "养老服务补贴", "monetary"),
        ("hotline-dispatch", "热线派单上门服务", "virtual"),
    ):
        made[code] = f.ServiceTypeFactory(code=code, name=name, care_mode=mode)
    return made


def _options(tab) -> list[str]:
    return [
        text.strip()
        for text in tab.page.locator("select[name=service_type] option").all_inner_texts()
    ]


def test_residents_are_offered_home_and_day_care_and_hotline_staff_every_service(open_tab, cast):
    _service_types()
    f.ConsentFactory(resident=cast.resident)
    tab = open_tab("newcomer-8-request-services", viewport=PHONE)
    tab.login("grandma")
    tab.goto("/services/requests/new/")
    offered = _options(tab)
    assert "理发" in offered and "日间照料" in offered
    for name in NOT_FOR_RESIDENTS:  # item 8
        assert name not in offered, name
    assert not any(name in tab.page.inner_text("main") for name in NOT_FOR_RESIDENTS)
    tab.shot("resident-form")
    assert tab.axe() == []

    # The hotline staff file what a resident asks for on the phone, allowances included.
    tab = open_tab("newcomer-8-hotline-services")
    tab.login("community")
    tab.goto(f"/services/hotline/residents/{cast.resident.pk}/request/")
    offered = _options(tab)
    assert {"理发", "日间照料", "养老服务补贴", "课业辅导"} <= set(offered)
    tab.shot("hotline-form")
    assert tab.axe() == []


def test_allowance_totals_open_on_the_last_month_with_data(open_tab, cast):
    last_with_data = (timezone.localdate().replace(day=1) - datetime.timedelta(days=70)).replace(
        day=1
    )
    f.SettlementLineFactory(
        statement__organization=cast.organization,
        statement__month=last_with_data,
        visit__request__resident=cast.resident,
        allowance_fen=2600,
    )
    tab = open_tab("newcomer-9-allowance-totals")
    tab.login("civil")
    tab.goto("/allowances/totals/")
    assert tab.page.input_value("input[name=month]") == f"{last_with_data:%Y-%m}"  # item 9
    assert f"{last_with_data:%Y-%m}" in tab.page.inner_text("main h1")
    assert "26.00" in tab.page.inner_text("main")
    assert "form-control" in tab.page.get_attribute("input[name=month]", "class")  # item 10
    tab.shot("last-month-with-data")
    assert tab.axe() == []


def test_registration_groups_150_communities_by_district_and_street_with_search(open_tab, db):
    names = ("小店", "迎泽", "杏花岭", "万柏林", "晋源")
    districts = [f.DistrictFactory(name=f"{name}区") for name in names]
    streets = [f.StreetFactory(district=districts[n % 5], name=f"第{n}街道") for n in range(35)]
    for n in range(150):
        f.CommunityFactory(street=streets[n % 35], name=f"社区{n:03d}号")
    target = "社区077号"  # on 第7街道 (77 % 35), in 杏花岭区 (7 % 5)
    tab = open_tab("newcomer-11-registration-areas")
    tab.goto("/organizations/register/")
    height = tab.page.evaluate("() => document.documentElement.scrollHeight")
    assert height < 3000, height  # item 11: was 6,400 px
    summaries = tab.page.locator("#id_communities-groups summary").all_inner_texts()
    assert len(summaries) == 35
    assert any(s.startswith("杏花岭区 · 第7街道") for s in summaries), summaries[:5]
    tab.shot("grouped")
    assert tab.axe() == []

    tab.page.fill("input[data-choice-search=id_communities-groups]", "077")
    visible = tab.page.locator("#id_communities-groups .form-check:visible")
    assert visible.all_inner_texts() == [target]
    tab.page.check(f"#id_communities-groups label:has-text('{target}')")
    tab.shot("searched")
    assert tab.axe() == []
    # A ticked box stays submitted when a later search hides it.
    tab.page.fill("input[data-choice-search=id_communities-groups]", "no such place")
    assert tab.page.locator("#id_communities-groups .form-check:visible").count() == 0
    checked = tab.page.locator("#id_communities-groups input:checked")
    assert checked.count() == 1 and checked.get_attribute("value") is not None
    tab.page.fill("input[data-choice-search=id_communities-groups]", "")
    groups = tab.page.locator("#id_communities-groups details")
    assert groups.count() == 35
    assert tab.page.locator("#id_communities-groups details[hidden]").count() == 0


def test_accepting_a_match_says_where_to_schedule_it(open_tab, cast):
    offering = f.OfferingFactory(organization=cast.organization, communities=[cast.community])
    match = f.MatchFactory(
        request=f.ServiceRequestFactory(resident=cast.resident, status="matched"),
        offering=offering,
        status="confirmed",
        expires_at=timezone.now() + datetime.timedelta(days=2),
    )
    tab = open_tab("newcomer-12-accept-next-step")
    tab.login("alice")
    tab.goto("/matching/inbox/")
    with tab.page.expect_navigation():
        tab.page.click("main button:has-text('接受')")
    link = tab.page.locator(f".alert a[href='/services/matches/{match.pk}/schedule/']")
    assert link.is_visible()  # item 12: the next step, with its page
    assert "安排上门时间和人员" in link.inner_text()
    tab.shot("accepted")
    assert tab.axe() == []
    link.click()
    tab.page.wait_for_url(re.compile(rf".*/services/matches/{match.pk}/schedule/$"))
    assert tab.page.locator("input[name=scheduled_start]").is_visible()
    tab.shot("schedule-form")
    assert tab.axe() == []


def test_civil_home_and_dashboard_name_the_communities_they_count(open_tab, cast):
    cast.community.pilot_batch = "city"
    cast.community.save()
    f.CommunityFactory(street=cast.east_street)
    tab = open_tab("newcomer-14-scope")
    tab.login("civil")
    home_scope = tab.page.inner_text("[data-testid=figures-scope]")
    assert "全部 3 个社区" in home_scope and "1 个试点社区" in home_scope  # item 14
    # Both organizations count on both pages: one serves a pilot community, one does not.
    entered = tab.page.inner_text("[data-testid=organizations-entered] .stat-value")
    assert entered == "2"
    tab.shot("home")
    assert tab.axe() == []

    tab.goto("/dashboard/")
    board_scope = tab.page.inner_text("[data-testid=dashboard-scope]")
    assert "全部 3 个社区" in board_scope and "试点 1 个" in board_scope
    assert tab.page.inner_text("[data-testid=figure-organizations] .stat-value") == entered
    tab.shot("dashboard")
    assert tab.axe() == []


def test_history_and_ledger_read_in_english_in_english_mode(open_tab, cast):
    statement = f.SettlementStatementFactory(organization=cast.organization)
    with translation.override("en"):  # written while the actor read English
        audit_record(
            actor=cast.civil,
            instance=statement,
            action="status",
            reason=stored_text.text(gettext_noop("审核结算单")),
        )
    visit = done_visit(resident=cast.resident, organization=cast.organization)
    (debit,) = visit_charge(visit=visit)
    day = debit.reason_facts["p"]["day"]
    tab = open_tab("stored-reasons-english")
    tab.context.add_cookies([{"name": "django_language", "value": "en", "url": tab.base_url}])
    tab.login("civil")
    tab.goto("/audit/")
    main = tab.page.inner_text("main")
    assert "Approve statement" in main and "审核结算单" not in main
    tab.shot("audit")
    assert tab.axe() == []
    tab.goto(f"/allowances/accounts/{debit.account_id}/")
    main = tab.page.inner_text("main")
    assert f"Visit on {day}: {visit.request.service_type.name}" in main
    assert "上门服务：" not in main
    tab.shot("ledger")
    assert tab.axe() == []
