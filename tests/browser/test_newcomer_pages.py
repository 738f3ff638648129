"""Issue 21: the API docs run under the CSP, and error pages are portal pages (axe-core)."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_api_docs_and_not_found_page_render_and_pass_axe(open_tab, cast):
    tab = open_tab("newcomer-docs-and-404")
    tab.login("civil")
    tab.goto("/api/v1/docs/")
    tab.page.wait_for_selector("#swagger-ui .information-container", timeout=15_000)
    assert tab.page.locator("#swagger-ui .opblock").count() > 10
    tab.shot("docs")
    docs_violations = tab.axe()

    response = tab.page.goto(tab.base_url + "/no-such-page/")
    assert response.status == 404
    # The 404 itself is what Chromium reports; anything else still counts.
    tab.problems = [p for p in tab.problems if "status of 404" not in p]
    assert tab.page.locator("[data-testid=error-home]").is_visible()
    assert tab.page.locator("header .sl-navbar").count() == 1
    tab.shot("404")
    assert tab.axe() == []
    # Swagger UI's own widget still fails colour contrast on its method badges and nests a
    # button in its operation summaries; the page around it (language, title) must not add
    # anything. Tracked in the report of issue 21, item 1.
    assert {v["id"] for v in docs_violations} <= {"color-contrast", "nested-interactive"}
