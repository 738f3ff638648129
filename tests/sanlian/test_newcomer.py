"""What a newcomer tripped over (issue 21, items 1–17): one test per fix."""

import re

from django.test import RequestFactory
from django.utils import translation
from django.views import defaults
from rest_framework.test import APIClient

from sanlian.roles import Role
from tests import factories as f

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)


# 1: Swagger UI under the CSP


def test_api_docs_page_has_no_inline_script_and_serves_its_start_up_script(client, db):
    page = client.get("/api/v1/docs/")
    html = page.content.decode()
    assert "script-src 'self'" in page["Content-Security-Policy"]
    assert not INLINE_SCRIPT.search(html)
    script_url = re.search(r'<script src="([^"]*script[^"]*)"', html).group(1)
    script = client.get(script_url.replace("&amp;", "&"))
    assert script["Content-Type"].startswith("application/javascript")
    assert "/api/v1/schema/" in script.content.decode()


# 3: /api/v1/stats/ index


def test_stats_index_lists_every_stats_endpoint(db):
    client = APIClient()
    client.force_authenticate(f.UserFactory(role=Role.CIVIL_AFFAIRS))
    body = client.get("/api/v1/stats/").json()
    assert body["overview"]["url"] == "http://testserver/api/v1/stats/overview/"
    assert set(body) >= {"communities", "streets", "districts", "weekly", "allowances"}
    for entry in body.values():
        assert client.get(entry["url"]).status_code == 200


def test_stats_index_is_closed_to_organizations(db):
    client = APIClient()
    client.force_authenticate(f.UserFactory(role=Role.ORGANIZATION))
    assert client.get("/api/v1/stats/").status_code == 403


# 5: error pages in the portal's layout and the reader's language


def test_403_page_has_the_menu_and_a_way_home(client, cast):
    client.force_login(cast.member)
    response = client.get("/audit/")
    html = response.content.decode()
    assert response.status_code == 403
    assert 'class="navbar' in html and 'data-testid="current-user"' in html
    assert "您没有权限查看这个页面" in html and 'href="/" data-testid="error-home"' in html


def test_404_page_speaks_english_to_an_english_reader(client, db):
    client.force_login(f.UserFactory(role=Role.CIVIL_AFFAIRS))
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/no-such-page/").content.decode()
    assert "We cannot find this page." in html and "Back to the home page" in html
    assert '<html lang="en">' in html


def test_500_page_renders_without_the_database(django_assert_num_queries, db):
    request = RequestFactory().get("/")
    with translation.override("zh-hans"), django_assert_num_queries(0):
        response = defaults.server_error(request)
    html = response.content.decode()
    assert response.status_code == 500
    assert "服务器出了点问题" in html and 'href="/"' in html and "sl-navbar" in html
