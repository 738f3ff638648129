"""A phone-sized screen (375×740), the keyboard, and the language switch, in a real browser."""

import pytest

from tests import factories as f
from tests.browser.conftest import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_resident_asks_for_a_visit_on_a_phone_with_the_keyboard_only(open_tab, cast):
    f.ServiceTypeFactory(name="测血压")
    f.ConsentFactory(resident=cast.resident)
    tab = open_tab("phone", viewport=PHONE)
    tab.login("grandma")
    page = tab.page
    tab.goto("/services/requests/new/")
    # The skip link is the first stop of the Tab key and leads to the form.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('skip-link')")
    page.keyboard.press("Enter")
    page.focus("select[name=service_type]")
    page.keyboard.press("ArrowDown")
    page.focus("input[name=preferred_days][value='0']")
    page.keyboard.press("Space")
    tab.shot("1-request-form")
    assert tab.no_horizontal_scroll()
    page.focus("main form button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab.shot("2-requested")
    assert cast.resident.requests.get().service_type.name == "测血压"
    assert tab.no_horizontal_scroll()
    # The menu opens from its toggler on a phone.
    page.click("button.navbar-toggler")
    page.wait_for_selector("#main-nav.show")
    tab.shot("3-menu")


def test_language_switch_keeps_the_page_and_changes_the_words(open_tab, cast):
    tab = open_tab("language")
    tab.login("street")
    tab.goto("/dashboard/")
    assert "数据看板" in tab.page.inner_text("h1")
    tab.page.click("button[name=language][value=en]")
    tab.page.wait_for_load_state()
    assert tab.page.url.endswith("/dashboard/")
    assert tab.page.get_attribute("html", "lang") == "en"
    assert "Sign out" in tab.page.inner_text("header") or "Log out" in tab.page.inner_text("header")
    tab.shot("1-english")
    tab.page.click("button[name=language][value=zh-hans]")
    tab.page.wait_for_load_state()
    assert tab.page.get_attribute("html", "lang") == "zh-Hans"
