"""Every page a demo user can reach by links renders: no server error, no leaked identifiers.

Logs in as each demo role on a small seeded demo and follows same-site links
breadth-first (GET only, bounded), the way a person clicking around would.
"""

import io
import re
from collections import deque

import pytest
from django.core.management import call_command

from communities.models import Resident
from demo.seed import DEMO_LOGINS

pytestmark = pytest.mark.django_db

_HREF = re.compile(r'href="(/[^"#]*)"')
# Links that end a session, switch language or lead into the admin are not part of a role's journey.
_SKIP = re.compile(r"^/(static|media|admin|i18n|accounts/logout|api/v1/docs)")
MAX_PAGES_PER_ROLE = 60


@pytest.fixture
def demo():
    call_command("seed_demo", "--residents", "60", stdout=io.StringIO())


def _crawl(client) -> dict[str, int]:
    seen: dict[str, int] = {}
    queue = deque(["/"])
    while queue and len(seen) < MAX_PAGES_PER_ROLE:
        url = queue.popleft()
        if url in seen:
            continue
        response = client.get(url)
        seen[url] = response.status_code
        if response.status_code == 200 and "html" in response.get("Content-Type", ""):
            body = response.content.decode()
            queue.extend(
                link.replace("&amp;", "&") for link in _HREF.findall(body) if not _SKIP.match(link)
            )
    return seen


@pytest.mark.parametrize("login", [login.username for login in DEMO_LOGINS])
def test_crawl_every_linked_page_answers_without_server_error(demo, client, login):
    from sanlian.models import User

    client.force_login(User.objects.get(username=login))
    pages = _crawl(client)
    errors = {url: code for url, code in pages.items() if code >= 500}
    assert errors == {}
    assert pages["/"] == 200
    assert len(pages) > 1 or login == "dashboard"


def test_crawl_pages_never_show_full_identifiers(demo, client):
    from sanlian.models import User

    ids = set(Resident.objects.values_list("id_number", flat=True))
    phones = set(Resident.objects.values_list("phone", flat=True))
    for login in ("civil", "street", "community", "org", "resident", "family"):
        client.force_login(User.objects.get(username=login))
        for url, code in _crawl(client).items():
            if code != 200:
                continue
            body = client.get(url).content.decode()
            leaked = [value for value in ids | phones if value and value in body]
            assert leaked == [], f"{login} {url}"
