"""Browser tests: Playwright driving Debian's headless Chromium against pytest-django's live_server.

Every page fails the test on an HTTP 5xx answer or a browser console error. Each step
can be saved as a PNG under screenshots/ (gitignored) for a person to look at.
"""

import datetime
import os
import re
import time
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
ROOT = Path(__file__).resolve().parents[2]
AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe" / "axe.min.js").read_text()
SCREENSHOTS = ROOT / "screenshots"
PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's password
PHONE = {"width": 375, "height": 740}
# The journeys schedule a visit "later today" and check in on the day: a test that starts
# this close to local midnight waits for the new day instead of scheduling into the past.
MIDNIGHT_MARGIN = datetime.timedelta(minutes=6)


@pytest.fixture(autouse=True)
def _clear_of_midnight():
    from django.utils import timezone

    now = timezone.localtime()
    midnight = (now + datetime.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    if midnight - now < MIDNIGHT_MARGIN:
        time.sleep((midnight - now).total_seconds() + 5)


DESKTOP = {"width": 1280, "height": 900}

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - the skip below says why
    sync_playwright = None


def _skip_reason() -> str | None:
    if sync_playwright is None:
        return "the playwright Python package is not installed (pip install -e '.[test]')"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium fonts-noto-cjk)"
    return None


@pytest.fixture(scope="session")
def browser():
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    # Django's async-safety check trips on Playwright's event loop in this thread;
    # the live server runs in a thread of its own, so the check has nothing to guard here.
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()
    if before is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


class Tab:
    """One browser context (one person) with the failure collectors attached."""

    def __init__(self, browser, base_url: str, name: str, viewport: dict):
        self.context = browser.new_context(viewport=viewport, locale="zh-CN")
        self.context.set_default_timeout(10_000)
        self.page = self.context.new_page()
        self.base_url = base_url
        self.name = name
        self.problems: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.on("response", self._response)

    def _console(self, message) -> None:
        if message.type == "error":
            self.problems.append(f"console error on {self.page.url}: {message.text}")

    def _response(self, response) -> None:
        if response.status >= 500:
            self.problems.append(f"HTTP {response.status} for {response.url}")

    def goto(self, path: str):
        response = self.page.goto(self.base_url + path)
        assert response is not None and response.status < 400, (path, response and response.status)
        return response

    def login(self, username: str, password: str = PASSWORD) -> None:
        self.goto("/accounts/login/")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", password)
        self.page.click("main button[type=submit]")
        self.page.wait_for_url(re.compile(r"^(?!.*accounts/login).*$"))

    def logout(self) -> None:
        self.page.click("header form[action$='/accounts/logout/'] button")
        self.page.wait_for_url(re.compile(r".*/accounts/login/.*"))

    def shot(self, step: str) -> None:
        SCREENSHOTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{self.name}-{step}.png"), full_page=True)

    def axe(self) -> list[dict]:
        """Serious and critical accessibility violations of the current page (axe-core)."""
        # Evaluated through the DevTools protocol, which the page's CSP does not govern (an
        # injected <script> would be refused); axe-core is test tooling, not a static file.
        self.page.evaluate(AXE_SOURCE)
        result = self.page.evaluate(
            "async () => await axe.run(document, {resultTypes: ['violations']})"
        )
        return [
            {
                "id": v["id"],
                "impact": v["impact"],
                "help": v["help"],
                "nodes": [n["target"] for n in v["nodes"]][:5],
            }
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]

    def no_horizontal_scroll(self) -> bool:
        return self.page.evaluate(
            "() => document.documentElement.scrollWidth <= window.innerWidth + 1"
        )

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def open_tab(browser, live_server):
    tabs: list[Tab] = []

    def make(name: str, *, viewport: dict = DESKTOP) -> Tab:
        tab = Tab(browser, live_server.url, name, viewport)
        tabs.append(tab)
        return tab

    yield make
    problems = [problem for tab in tabs for problem in tab.problems]
    for tab in tabs:
        tab.close()
    assert not problems, "\n".join(problems)
