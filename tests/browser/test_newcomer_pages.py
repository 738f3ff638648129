"""Issue 21: the API docs run under the CSP and pass axe-core (Swagger UI included), and
the 403, 404 and 500 pages are portal pages that pass it too."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_api_docs_and_not_found_page_render_and_pass_axe(open_tab, cast):
    tab = open_tab("newcomer-docs-and-404")
    tab.login("civil")
    tab.goto("/api/v1/docs/")
    tab.page.wait_for_selector("#swagger-ui .information-container", timeout=15_000)
    assert tab.page.locator("#swagger-ui .opblock").count() > 10
    tab.shot("docs")
    assert tab.axe() == []
    # An opened operation (parameters, responses, "Try it out") is Swagger UI too.
    tab.page.click("#swagger-ui .opblock-summary-control >> nth=0")
    tab.page.wait_for_selector("#swagger-ui .opblock.is-open .responses-wrapper")
    tab.shot("docs-open")
    assert tab.axe() == []

    response = tab.page.goto(tab.base_url + "/no-such-page/")
    assert response.status == 404
    # The 404 itself is what Chromium reports; anything else still counts.
    tab.problems = [p for p in tab.problems if "status of 404" not in p]
    assert tab.page.locator("[data-testid=error-home]").is_visible()
    assert tab.page.locator("header .sl-navbar").count() == 1
    tab.shot("404")
    assert tab.axe() == []


def test_forbidden_and_server_error_pages_are_portal_pages_and_pass_axe(open_tab, cast, settings):
    settings.ROOT_URLCONF = "tests.browser.urls_with_error"
    tab = open_tab("newcomer-403-500")
    tab.login("alice")  # organization staff: the audit pages are not theirs
    response = tab.page.goto(tab.base_url + "/audit/")
    assert response.status == 403
    assert tab.page.locator("[data-testid=error-home]").is_visible()
    assert tab.page.locator("header .sl-navbar").count() == 1
    tab.shot("403")
    assert tab.axe() == []

    response = tab.page.goto(tab.base_url + "/test-only/fail/")
    assert response.status == 500
    assert tab.page.locator("a[href='/']").count() >= 1
    tab.shot("500")
    assert tab.axe() == []
    # The statuses themselves are what the test asked for; anything else still counts.
    tab.problems = [
        p
        for p in tab.problems
        if "status of 403" not in p and "status of 500" not in p and "HTTP 500" not in p
    ]
