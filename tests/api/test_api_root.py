"""GET /api/v1/ lists the API's resources (issue 21: a browser user lands there first)."""

import pytest
from rest_framework.test import APIClient


@pytest.mark.django_db
def test_api_index_lists_every_resource_and_each_link_answers(cast):
    anonymous = APIClient()
    index = anonymous.get("/api/v1/", HTTP_HOST="testserver").json()
    for name in ("ledger-entries", "matches", "visits", "stats", "schema", "docs", "auth/token"):
        assert index[name] == f"http://testserver/api/v1/{name}/", name
    # An index of addresses, no data: a person signed out sees the same list.
    client = APIClient()
    client.force_authenticate(cast.civil)
    assert client.get("/api/v1/").json() == index
    for name, url in index.items():
        if name in ("auth/token", "docs"):
            continue
        assert client.get(url, HTTP_ACCEPT="application/json").status_code == 200, name
    # The resources still refuse the signed-out caller; only the index is open.
    assert anonymous.get(index["ledger-entries"]).status_code == 401


@pytest.mark.django_db
def test_api_index_in_a_browser_is_the_portal_page(cast):
    client = APIClient()
    client.force_login(cast.civil)
    html = client.get("/api/v1/stats/", HTTP_ACCEPT="text/html").content.decode()
    assert '<html lang="zh-Hans">' in html and 'data-testid="api-response"' in html
    assert "Django REST framework" not in html and "---------" not in html
