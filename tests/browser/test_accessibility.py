"""axe-core on the resident, hotline and dashboard pages; keyboard use; a 375-px phone screen."""

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
    }


@pytest.mark.parametrize("area", ["resident", "hotline", "dashboard"])
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_pages_have_no_serious_accessibility_violations(open_tab, pages, area, viewport):
    username, paths = pages[area]
    size = PHONE if viewport == "phone" else {"width": 1280, "height": 900}
    tab = open_tab(f"a11y-{area}-{viewport}", viewport=size)
    tab.login(username)
    found = {}
    for index, path in enumerate(paths):
        tab.goto(path)
        tab.shot(f"{index}")
        violations = tab.axe()
        if violations:
            found[path] = violations
        if viewport == "phone":
            assert tab.no_horizontal_scroll(), f"{path} is wider than 375 px"
    assert not found, found
