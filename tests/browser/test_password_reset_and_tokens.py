"""Issue 19: password reset by e-mail and the API token pages, in a browser (axe-core)."""

import re

import pytest
from django.core import mail

from sanlian.api.tokens import token_fingerprint, token_for_login
from sanlian.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW = "Taiyuan-Care-2027!"


def test_forgotten_password_reset_by_e_mail(open_tab, cast):
    User.objects.filter(pk=cast.member.pk).update(email="alice@example.org")
    tab = open_tab("password-reset")
    tab.goto("/accounts/login/")
    tab.page.get_by_role("link", name="忘记密码？").click()
    tab.page.fill("input[name=email]", "alice@example.org")
    tab.shot("1-request")
    assert tab.axe() == []
    tab.page.click("main button[type=submit]")
    tab.page.wait_for_selector("[data-testid=reset-sent]")
    tab.shot("2-sent")
    assert tab.axe() == []
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", mail.outbox[0].body)
    tab.goto(link.group(1))
    tab.page.fill("input[name=new_password1]", NEW)
    tab.page.fill("input[name=new_password2]", NEW)
    tab.shot("3-new-password")
    assert tab.axe() == []
    tab.page.click("main button[type=submit]")
    tab.page.wait_for_selector("[data-testid=reset-complete]")
    tab.shot("4-complete")
    assert tab.axe() == []
    tab.goto(link.group(1))  # the link worked once
    tab.page.wait_for_selector("[data-testid=reset-invalid]")
    tab.shot("5-used-link")
    tab.login("alice", NEW)


def test_token_pages_list_and_revoke_without_showing_keys(open_tab, cast):
    mine = token_for_login(user=cast.member)
    theirs = token_for_login(user=cast.other_member)
    tab = open_tab("tokens")
    tab.login("alice")
    tab.page.get_by_role("link", name="API令牌").click()
    row = tab.page.locator(f"tr[data-token='{token_fingerprint(mine)}']")
    row.wait_for()
    assert mine.key not in tab.page.content()
    tab.shot("1-mine")
    assert tab.axe() == []
    row.get_by_role("button").click()
    tab.page.wait_for_selector("[data-testid=no-tokens]")
    tab.shot("2-revoked")
    staff = open_tab("tokens-staff")
    staff.login("civil")
    staff.goto("/accounts/tokens/all/")
    staff.page.locator(f"tr[data-token='{token_fingerprint(theirs)}']").wait_for()
    assert theirs.key not in staff.page.content()
    staff.shot("1-all")
    assert staff.axe() == []
