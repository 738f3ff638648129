"""Password reset by e-mail (issue 19): the whole flow, and the ways it could be abused.

Alice has an account with an e-mail address; "nobody@example.org" belongs to no one.
"""

import datetime
import re

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from sanlian.api.tokens import token_for_login
from sanlian.models import User

NEW = "Taiyuan-Care-2027!"
OLD = "correct horse battery staple"
RESET = "/accounts/password/reset/"


@pytest.fixture
def alice(cast):
    User.objects.filter(pk=cast.member.pk).update(email="alice@example.org")
    cast.member.refresh_from_db()
    return cast.member


def _ask(client, email, **extra):
    return client.post(RESET, {"email": email}, **extra)


def _link(message) -> str:
    return re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", message.body).group(1)


def _set(client, link, password=NEW):
    page = client.get(link, follow=True)  # Django swaps the token for a session marker
    return client.post(
        page.redirect_chain[-1][0] if page.redirect_chain else link,
        {"new_password1": password, "new_password2": password},
    )


def test_full_flow_mails_a_link_that_sets_the_password(client, alice):
    response = _ask(client, "ALICE@example.org")
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["alice@example.org"]
    done = _set(client, _link(mail.outbox[0]))
    assert done.status_code == 302 and done["Location"] == reverse("password_reset_complete")
    alice.refresh_from_db()
    assert alice.check_password(NEW) and not alice.check_password(OLD)
    login = Client().post("/accounts/login/", {"username": "alice", "password": NEW})
    assert login.status_code == 302


def test_reset_ends_other_sessions_and_api_tokens_and_lifts_a_forced_change(client, alice):
    User.objects.filter(pk=alice.pk).update(must_change_password=True)
    elsewhere = Client()
    elsewhere.force_login(alice)
    User.objects.filter(pk=alice.pk).update(must_change_password=False)
    assert elsewhere.get("/").status_code == 200
    token = token_for_login(user=alice)
    User.objects.filter(pk=alice.pk).update(must_change_password=True)
    _ask(client, "alice@example.org")
    _set(client, _link(mail.outbox[0]))
    assert not Token.objects.filter(user=alice).exists()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/v1/organizations/").status_code == 401
    response = elsewhere.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    alice.refresh_from_db()
    assert not alice.must_change_password  # the password is now the user's own


def test_control_without_a_reset_the_other_session_and_token_live_on(alice):
    """Control: the two checks above would see a session or token that survived."""
    elsewhere = Client()
    elsewhere.force_login(alice)
    token = token_for_login(user=alice)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/v1/organizations/").status_code == 200
    assert elsewhere.get("/").status_code == 200


def test_the_answer_is_the_same_whether_or_not_the_account_exists(alice):
    known, unknown = _ask(Client(), "alice@example.org"), _ask(Client(), "nobody@example.org")
    assert len(mail.outbox) == 1  # only the real account got mail
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    page_known = Client().get(known["Location"]).content
    page_unknown = Client().get(unknown["Location"]).content
    strip = lambda html: re.sub(rb"[A-Za-z0-9]{64}", b"<csrf>", html)  # noqa: E731 - per request
    assert strip(page_known) == strip(page_unknown)


def test_requests_from_one_address_are_limited_whatever_x_forwarded_for_says(alice, settings):
    settings.PASSWORD_RESET_ADDRESS_LIMIT = 3
    client = Client()
    answers = [
        _ask(client, f"guess{i}@example.org", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}").status_code
        for i in range(5)
    ]
    assert answers == [302, 302, 302, 429, 429]
    refused = _ask(client, "alice@example.org", HTTP_X_FORWARDED_FOR="198.51.100.9")
    assert refused.status_code == 429 and "请求过于频繁" in refused.content.decode()
    assert mail.outbox == []  # nothing went out once the address was over its budget


def test_control_a_trusted_proxy_makes_each_forwarded_address_a_client_of_its_own(alice, settings):
    """Control: where the header is trusted, the same requests are not throttled, so the
    test above would catch a throttle that read X-Forwarded-For from the client."""
    settings.PASSWORD_RESET_ADDRESS_LIMIT = 3
    settings.TRUSTED_PROXIES = 1
    client = Client()
    answers = [
        _ask(client, f"guess{i}@example.org", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}").status_code
        for i in range(5)
    ]
    assert answers == [302] * 5


def test_one_account_gets_a_limited_number_of_mails_and_the_same_answer(alice, settings):
    settings.PASSWORD_RESET_ACCOUNT_LIMIT = 2
    answers = [
        _ask(Client(REMOTE_ADDR=f"192.0.2.{i}"), "alice@example.org").status_code for i in range(4)
    ]
    assert answers == [302] * 4  # never says "too many for this account"
    assert len(mail.outbox) == 2


def test_a_used_link_is_refused(client, alice):
    _ask(client, "alice@example.org")
    link = _link(mail.outbox[0])
    _set(client, link)
    again = Client()
    response = _set(again, link, password="Another-Pass-2028!")
    assert response.status_code == 200 and b"reset-invalid" in again.get(link, follow=True).content
    alice.refresh_from_db()
    assert alice.check_password(NEW)


def test_an_expired_link_is_refused_and_a_fresh_one_works(alice, settings, monkeypatch):
    settings.PASSWORD_RESET_TIMEOUT = 60 * 60
    uid = urlsafe_base64_encode(force_bytes(alice.pk))
    issued = timezone.now() - datetime.timedelta(minutes=61)
    monkeypatch.setattr(default_token_generator, "_now", lambda: issued.replace(tzinfo=None))
    stale = default_token_generator.make_token(alice)
    monkeypatch.undo()
    fresh = default_token_generator.make_token(alice)
    stale_client = Client()
    _set(stale_client, f"{RESET}{uid}/{stale}/")
    alice.refresh_from_db()
    assert alice.check_password(OLD)
    _set(Client(), f"{RESET}{uid}/{fresh}/")  # control: the same flow with a live link
    alice.refresh_from_db()
    assert alice.check_password(NEW)


def test_the_pages_speak_both_languages(client, alice):
    zh = client.get(RESET).content.decode()
    assert "找回密码" in zh
    client.post(reverse("set_language"), {"language": "en", "next": RESET})
    en = client.get(RESET).content.decode()
    assert "找回密码" not in en and "password" in en.lower()
    assert reverse("password_reset") in Client().get("/accounts/login/").content.decode()
