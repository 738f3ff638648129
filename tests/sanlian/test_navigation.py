import re

import pytest
from django.urls import reverse

from reporting import navigation
from reporting.navigation import FLAT_MENU_MAX, NavItem, menu_for, menu_sections
from sanlian.roles import Role
from tests import factories as f


def _nav_labels(response) -> list[str]:
    """The link texts of the main menu, in order."""
    html = response.content.decode()
    start = html.index('class="navbar-nav sl-menu"')
    menu = html[start : html.index("</nav>", start)]
    pattern = r'class="(?:nav-link|dropdown-item)[^"]*"[^>]*>([^<]+)</a>'
    return [label.strip() for label in re.findall(pattern, menu)]


@pytest.fixture
def fake_menu(monkeypatch):
    monkeypatch.setattr(
        navigation,
        "MENU",
        (
            NavItem("首页", "home", frozenset(Role)),
            NavItem("审核组织", "home", frozenset({Role.CIVIL_AFFAIRS})),
            NavItem("我的服务", "home", frozenset({Role.RESIDENT, Role.FAMILY})),
            NavItem("未上线页面", "no-such-page", frozenset(Role)),
        ),
    )


def test_navigation_shows_only_the_roles_items(client, cast, fake_menu):
    client.force_login(cast.civil)
    assert _nav_labels(client.get(reverse("home"))) == ["首页", "审核组织"]
    client.force_login(cast.resident.user)
    assert _nav_labels(client.get(reverse("home"))) == ["首页", "我的服务"]


def test_navigation_skips_items_whose_page_does_not_exist(cast, fake_menu):
    labels = [item.label for item in menu_for(cast.member)]
    assert labels == ["首页"]


def test_navigation_admin_link_only_for_superusers(cast):
    superuser = f.UserFactory(username="root", role=Role.CIVIL_AFFAIRS, is_superuser=True)
    assert "admin:index" in [item.url_name for item in menu_for(superuser)]
    assert "admin:index" not in [item.url_name for item in menu_for(cast.civil)]


@pytest.mark.parametrize("who", ["civil", "street_staff", "community_staff", "member", "family"])
def test_navigation_real_menu_matches_menu_for(client, cast, who):
    user = getattr(cast, who)
    client.force_login(user)
    shown = _nav_labels(client.get(reverse("home")))
    assert shown == [str(item.label) for item in menu_for(user)]
    assert all(item.allows(user) for item in menu_for(user))


def test_navigation_marks_current_page(client, cast):
    client.force_login(cast.civil)
    html = client.get(reverse("home")).content.decode()
    assert re.search(r'class="nav-link active" href="/" aria-current="page"', html)


def test_navigation_shows_user_and_role_and_logout_form(client, cast):
    client.force_login(cast.street_staff)
    html = client.get(reverse("home")).content.decode()
    assert "街道办工作人员" in html
    assert str(cast.street_staff) in html
    assert f'method="post" action="{reverse("logout")}"' in html


def test_navigation_hidden_for_anonymous_visitors(client, db):
    html = client.get(reverse("login")).content.decode()
    assert "nav-link" not in html
    assert 'action="/accounts/logout/"' not in html


def test_navigation_long_menus_fold_into_sections_short_ones_stay_flat(cast):
    staff_sections = menu_sections(menu_for(cast.civil))
    assert len(menu_for(cast.civil)) > FLAT_MENU_MAX
    assert staff_sections[0].label == ""  # the home page stays a plain link
    assert any(len(section.items) > 1 and section.label for section in staff_sections)
    items = [item for section in staff_sections for item in section.items]
    assert items == menu_for(cast.civil)
    resident_sections = menu_sections(menu_for(cast.resident.user))
    assert all(section.label == "" for section in resident_sections)


def test_navigation_sections_render_as_dropdowns_for_staff(client, cast):
    client.force_login(cast.civil)
    html = client.get(reverse("home")).content.decode()
    assert 'data-bs-toggle="dropdown"' in html
    assert "组织与社区" in html
    client.force_login(cast.resident.user)
    html = client.get(reverse("home")).content.decode()
    assert 'data-bs-toggle="dropdown"' not in html


def test_navigation_marks_the_section_holding_the_current_page(client, cast):
    client.force_login(cast.civil)
    html = client.get(reverse("indicators:community_list")).content.decode()
    assert re.search(r'class="nav-link dropdown-toggle active"[^>]*>组织与社区<', html)
    assert not re.search(r'class="nav-link dropdown-toggle active"[^>]*>养老服务<', html)


@pytest.mark.parametrize(
    "who", ["civil", "street_staff", "community_staff", "member", "family", "other_street_staff"]
)
def test_navigation_predicate_items_agree_with_their_pages(client, cast, who):
    """An item gated by a predicate is shown exactly when its page lets the user in."""
    user = getattr(cast, who)
    client.force_login(user)
    for item in navigation.MENU:
        if item.allowed is None or not item.url:
            continue
        status = client.get(item.url).status_code
        assert (status != 403) is item.allows(user), (item.url_name, status)
