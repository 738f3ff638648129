"""Issue 21's newcomer items a person sees, in a browser, with screenshots and axe-core:
2 ISO date inputs, 4 the audit page, 10 filter bars, 13 upcoming visits first, 15 the
registration form after an error, 16 stored sentences in the reader's language."""

import datetime
import re

import pytest
from django.utils import timezone

from sanlian.audit import audit_record
from services.notifications.escalations import escalation_checkin_overdue
from tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_matching_week_is_an_iso_date_and_audit_page_reads_as_words(open_tab, cast):
    offering = f.OfferingFactory(organization=cast.organization, communities=[cast.community])
    audit_record(actor=cast.civil, instance=offering, action="create", after={"weekly_capacity": 5})
    tab = open_tab("newcomer-items-street-civil")
    tab.login("street")
    tab.goto("/matching/")
    week = tab.page.input_value("input[name=week_start]")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", week), week  # item 2
    tab.shot("2-matching-week")
    assert tab.axe() == []
    tab.logout()

    tab.login("civil")
    tab.goto("/audit/")
    main = tab.page.inner_text("main")
    assert "每周服务人次" in main and "weekly_capacity" not in main  # item 4: words, not names
    assert "---------" not in tab.page.inner_html("main form")  # item 10
    tab.shot("4-audit")
    assert tab.axe() == []


def test_staff_visit_list_starts_with_upcoming_visits(open_tab, cast):
    offering = f.OfferingFactory(organization=cast.organization, communities=[cast.community])
    now = timezone.now()
    for days in (120, 110, 100):
        f.VisitFactory(
            request=f.ServiceRequestFactory(resident=cast.resident),
            offering=offering,
            scheduled_start=now - datetime.timedelta(days=days),
            status="completed",
        )
    upcoming = f.VisitFactory(
        request=f.ServiceRequestFactory(resident=cast.resident),
        offering=offering,
        scheduled_start=now + datetime.timedelta(days=2),
    )
    tab = open_tab("newcomer-items-visits")
    tab.login("alice")
    tab.goto("/services/visits/")
    first = tab.page.locator("main table tbody tr").first
    assert f"/services/visits/{upcoming.pk}/" in first.inner_html()  # item 13
    assert "---------" not in tab.page.inner_html("main form")  # item 10
    tab.shot("13-upcoming-first")
    assert tab.axe() == []


def test_registration_error_keeps_the_fields_and_says_why_passwords_are_blank(open_tab, cast):
    # Item 15: the other fields stay; passwords are never sent back in a page, so the form
    # says why they are empty instead of clearing them silently.
    tab = open_tab("newcomer-items-register")
    tab.goto("/organizations/register/")
    tab.page.fill("input[name=name]", "新来的服务社")
    tab.page.fill("input[name=credit_code]", "not a code")
    tab.page.fill("input[name=username]", "newcomer")
    tab.page.fill("input[name=password]", "a long enough passphrase 42")
    tab.page.fill("input[name=password_again]", "a long enough passphrase 42")
    with tab.page.expect_navigation():
        tab.page.click("main form button[type=submit]")
    assert tab.page.locator(".invalid-feedback, .is-invalid").count() > 0
    assert tab.page.input_value("input[name=name]") == "新来的服务社"
    assert tab.page.input_value("input[name=username]") == "newcomer"
    assert tab.page.locator("[data-testid=password-cleared]").is_visible()
    assert "passphrase" not in tab.page.content()
    tab.shot("15-fields-kept")
    assert tab.axe() == []


def test_stored_sentences_read_in_english_in_english_mode(open_tab, cast):
    offering = f.OfferingFactory(organization=cast.organization, communities=[cast.community])
    visit = f.VisitFactory(request=f.ServiceRequestFactory(resident=cast.resident))
    escalation_checkin_overdue(visit=visit)
    tab = open_tab("newcomer-items-english")
    tab.context.add_cookies([{"name": "django_language", "value": "en", "url": tab.base_url}])
    tab.login("community")
    tab.goto("/notifications/")
    main = tab.page.inner_text("main")
    assert "Visit not checked in" in main and "超时未签到" not in main  # item 16
    tab.shot("16-notifications-english")
    assert tab.axe() == []
    tab.logout()

    f.MatchFactory(
        request=f.ServiceRequestFactory(resident=cast.resident),
        offering=offering,
        status="confirmed",
        reason="同社区；独居",
        reason_facts=[{"t": "同社区", "p": {}}, {"t": "独居", "p": {}}],
    )
    tab.login("alice")
    tab.goto("/matching/inbox/")
    main = tab.page.inner_text("main")
    assert "same community; Living alone" in main and "同社区" not in main
    tab.shot("16-match-reason-english")
    assert tab.axe() == []
