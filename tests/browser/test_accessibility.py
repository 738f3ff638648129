"""axe-core on the resident, hotline, dashboard and browsable API pages; a 375-px phone screen."""

import pytest

from tests import factories as f
from tests.browser.conftest import PHONE
from tests.dashboard.conftest import served

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pages(cast):
    served(cast.community, 5)
    request = f.ServiceRequestFactory(resident=cast.resident)
    return {
        "resident": (
            "grandma",
            ["/", "/services/my/", "/services/requests/new/", f"/services/requests/{request.pk}/"],
        ),
        "hotline": ("community", ["/services/hotline/", "/services/requests/"]),
        "dashboard": ("street", ["/dashboard/", "/exports/"]),
        # DRF's browsable API, as a person clicking the README's links sees it.
        "api": (
            "civil",
            ["/api/v1/", "/api/v1/stats/", "/api/v1/stats/overview/", "/api/v1/ledger-entries/"],
        ),
        # A resource that takes POST shows the raw-data form too.
        "api-form": ("grandma", ["/api/v1/requests/", f"/api/v1/requests/{request.pk}/"]),
    }


@pytest.mark.parametrize("area", ["resident", "hotline", "dashboard", "api", "api-form"])
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_pages_have_no_serious_accessibility_violations(open_tab, pages, area, viewport):
    username, paths = pages[area]
    size = PHONE if viewport == "phone" else {"width": 1280, "height": 900}
    tab = open_tab(f"a11y-{area}-{viewport}", viewport=size)
    tab.login(username)
    found = {}
    for index, path in enumerate(paths):
        tab.goto(path)
        if path.startswith("/api/"):
            # The portal's page (language, landmarks, menu), not DRF's Bootstrap 3 one.
            assert tab.page.locator("html[lang] header .sl-navbar").count() == 1
            assert tab.page.locator("main [data-testid=api-response]").count() == 1
        tab.shot(f"{index}")
        violations = tab.axe()
        if violations:
            found[path] = violations
        if viewport == "phone":
            assert tab.no_horizontal_scroll(), f"{path} is wider than 375 px"
    assert not found, found
