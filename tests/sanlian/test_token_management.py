"""API tokens listed and revoked by their owner (page and API) and by civil-affairs staff.

Alice (organization) and Charlie (the other organization) each hold a token; the key is
shown only when issued, never on these pages or in this API.
"""

import datetime

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from sanlian.api.tokens import token_fingerprint, token_for_login
from sanlian.models import AuditEntry, TokenActivity, User

API = "/api/v1/auth/tokens/"
OLD = "correct horse battery staple"


@pytest.fixture
def tokens(cast):
    return token_for_login(user=cast.member), token_for_login(user=cast.other_member)


def _api(token) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def _page(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_owner_lists_own_token_with_its_times_and_never_the_key(cast, tokens):
    mine, theirs = tokens
    TokenActivity.objects.create(token=mine, last_used_at=timezone.now())
    body = _api(mine).get(API).json()
    assert [row["id"] for row in body] == [token_fingerprint(mine)]
    row = body[0]
    lifetime = datetime.datetime.fromisoformat(row["expires_at"]) - mine.created
    assert lifetime == datetime.timedelta(hours=12)
    assert row["last_used"] and row["idle_expires_at"] and row["expired"] is False
    html = _page(cast.member).get("/accounts/tokens/").content.decode()
    assert token_fingerprint(mine) in html and token_fingerprint(theirs) not in html
    for key in (mine.key, theirs.key):
        assert key not in html and key not in str(body)


def test_owner_revokes_own_token_by_api_and_it_stops_working(cast, tokens):
    mine, _theirs = tokens
    client = _api(mine)
    assert client.delete(f"{API}{token_fingerprint(mine)}/").status_code == 204
    assert not Token.objects.filter(pk=mine.pk).exists()
    assert client.get(API).status_code == 401
    assert AuditEntry.objects.filter(object_id=str(cast.member.pk), reason="吊销API令牌").exists()


def test_another_users_token_is_not_found_by_api_or_page_and_stays(cast, tokens):
    mine, theirs = tokens
    response = _api(mine).delete(f"{API}{token_fingerprint(theirs)}/")
    assert response.status_code == 404
    page = _page(cast.member).post(f"/accounts/tokens/{token_fingerprint(theirs)}/revoke/")
    assert page.status_code == 404
    sneaky = _page(cast.member).post(
        f"/accounts/tokens/{token_fingerprint(theirs)}/revoke/", {"from": "all"}
    )
    assert sneaky.status_code == 404
    assert Token.objects.filter(pk=theirs.pk).exists()
    assert _api(theirs).get(API).status_code == 200
    assert _page(cast.member).get("/accounts/tokens/all/").status_code == 403


def test_control_the_same_requests_on_the_owners_token_revoke_it(cast, tokens):
    """Control: the 404s above are about whose token it is, not a broken route."""
    mine, _theirs = tokens
    page = _page(cast.member).post(f"/accounts/tokens/{token_fingerprint(mine)}/revoke/")
    assert page.status_code == 302
    assert not Token.objects.filter(pk=mine.pk).exists()


def test_civil_affairs_lists_and_revokes_anyones_token(cast, tokens):
    _mine, theirs = tokens
    staff = _page(cast.civil)
    html = staff.get("/accounts/tokens/all/").content.decode()
    assert token_fingerprint(theirs) in html and theirs.key not in html
    response = staff.post(f"/accounts/tokens/{token_fingerprint(theirs)}/revoke/", {"from": "all"})
    assert response.status_code == 302
    assert not Token.objects.filter(pk=theirs.pk).exists()
    assert _api(theirs).get(API).status_code == 401


def test_an_expired_token_is_listed_as_expired(cast, tokens):
    mine, _theirs = tokens
    Token.objects.filter(pk=mine.pk).update(created=timezone.now() - datetime.timedelta(days=2))
    html = _page(cast.member).get("/accounts/tokens/").content.decode()
    assert "已过期" in html


def test_an_administrator_set_password_forces_a_change_and_ends_tokens(cast, tokens, client):
    mine, _theirs = tokens
    admin = User.objects.create_superuser("root", "root@example.org", "Root-Pass-2027!")
    client.force_login(admin)
    new = "Set-By-Admin-2027!"
    response = client.post(
        f"/admin/sanlian/user/{cast.member.pk}/password/",
        {"password1": new, "password2": new, "usable_password": "true"},
    )
    assert response.status_code == 302
    member = User.objects.get(pk=cast.member.pk)
    assert member.check_password(new) and member.must_change_password
    assert not Token.objects.filter(pk=mine.pk).exists()
    user = Client()
    user.post("/accounts/login/", {"username": member.username, "password": new})
    assert user.get("/")["Location"] == "/accounts/password/"


def test_control_a_user_changing_their_own_password_is_not_forced_again(cast, client):
    client.force_login(cast.member)
    new = "Own-Choice-2027!"
    client.post(
        "/accounts/password/",
        {"old_password": OLD, "new_password1": new, "new_password2": new},
    )
    assert not User.objects.get(pk=cast.member.pk).must_change_password
    assert client.get("/").status_code == 200


def test_a_user_added_in_the_admin_with_a_password_must_change_it(client, db):
    admin = User.objects.create_superuser("root", "root@example.org", "Root-Pass-2027!")
    client.force_login(admin)
    password = "First-Pass-2027!"
    client.post(
        "/admin/sanlian/user/add/",
        {
            "username": "newcomer",
            "password1": password,
            "password2": password,
            "usable_password": "true",
            "role": "resident",
            "display_name": "新人",
            "phone": "",
        },
    )
    assert User.objects.get(username="newcomer").must_change_password


def test_token_list_costs_a_fixed_number_of_queries(cast, tokens, django_assert_max_num_queries):
    mine, _theirs = tokens
    TokenActivity.objects.create(token=mine, last_used_at=timezone.now())
    with django_assert_max_num_queries(2):  # the token's own lookup, then the list
        assert _api(mine).get(API).status_code == 200
