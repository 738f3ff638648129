"""Issue 21, item 10: no select on the main pages shows Django's `---------`; the empty
choice says what it means, in the reader's language."""

import re

import pytest
from django.test import Client

from reporting.navigation import menu_for
from sanlian.roles import Role
from tests import factories as f

DASHES = "---------"
EMPTY_OPTION = re.compile(r'<option value=""[^>]*>([^<]*)</option>')


def _users(cast):
    worker = f.SocialWorkerFactory(
        user=f.UserFactory(role=Role.SOCIAL_WORKER), organization=cast.organization
    )
    return [
        cast.civil,
        cast.street_staff,
        cast.community_staff,
        cast.member,
        cast.resident.user,
        cast.family,
        worker.user,
    ]


def _pages(user) -> list[str]:
    return [item.url for item in menu_for(user) if not item.url.startswith("/admin/")]


def _empty_labels(client: Client, path: str) -> list[str]:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    html = response.content.decode()
    assert DASHES not in html, path
    return EMPTY_OPTION.findall(html)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "words"),
    [("zh-hans", {"请选择…", "（不选）", "全部"}), ("en", {"Please choose…", "(none)", "All"})],
)
def test_no_select_on_the_main_pages_shows_dashes(cast, language, words):
    seen: set[str] = set()
    pages = 0
    anonymous = Client()
    anonymous.cookies["django_language"] = language
    for path in ("/organizations/register/", "/accounts/login/"):
        seen.update(_empty_labels(anonymous, path))
    for user in _users(cast):
        client = Client()
        client.force_login(user)
        client.cookies["django_language"] = language
        for path in _pages(user):
            seen.update(_empty_labels(client, path))
            pages += 1
    assert pages > 40
    # Required selects ask for a choice, optional ones say none, filters say all.
    assert words <= seen, seen
    other = {"zh-hans": "请选择…", "en": "Please choose…"}
    assert not (set(other.values()) - {other[language]}) & seen


@pytest.mark.django_db
def test_an_empty_choice_of_a_form_says_please_choose(cast):
    """The control: the registration form's category select leads with "请选择…"."""
    html = Client().get("/organizations/register/").content.decode()
    category = re.search(r'<select name="category"[^>]*>\s*<option value=""[^>]*>([^<]*)<', html)
    assert category is not None and category.group(1) == "请选择…"
