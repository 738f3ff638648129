"""API tokens expire and idle out (issue 19, finding 10)."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from sanlian.api.domain import dashboard_token_issue
from sanlian.models import TokenActivity

PASSWORD = "correct horse battery staple"
EXPIRED = "令牌已过期，请重新获取。"


def _refused(response) -> bool:
    # 401 with the token challenge: token authentication comes first (sanlian/settings.py).
    return (
        response.status_code == 401
        and response.headers.get("WWW-Authenticate") == "Token"
        and response.json()["detail"] == EXPIRED
    )


def _client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _age(token: Token, **delta) -> None:
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - datetime.timedelta(**delta))


def _idle(token: Token, **delta) -> None:
    TokenActivity.objects.update_or_create(
        token=token, defaults={"last_used_at": timezone.now() - datetime.timedelta(**delta)}
    )


@pytest.fixture
def dashboard(cast) -> Token:
    return dashboard_token_issue(name="大屏", issued_by=cast.civil)


def test_dashboard_token_works_then_expires_after_thirty_days(dashboard):
    assert _client(dashboard.key).get("/api/v1/stats/overview/").status_code == 200
    _age(dashboard, days=29)
    assert _client(dashboard.key).get("/api/v1/stats/overview/").status_code == 200
    _age(dashboard, days=31)
    assert _refused(_client(dashboard.key).get("/api/v1/stats/overview/"))
    assert not Token.objects.filter(pk=dashboard.pk).exists()  # gone, not just refused


def test_dashboard_token_idles_out_after_seven_days_unused(dashboard):
    _idle(dashboard, days=6)
    assert _client(dashboard.key).get("/api/v1/stats/overview/").status_code == 200
    assert TokenActivity.objects.get(
        token=dashboard
    ).last_used_at > timezone.now() - datetime.timedelta(minutes=1)
    _idle(dashboard, days=8)
    assert _refused(_client(dashboard.key).get("/api/v1/stats/overview/"))


def _staff_token(client=None) -> str:
    client = client or APIClient()
    response = client.post("/api/v1/auth/token/", {"username": "street", "password": PASSWORD})
    return response.json()["token"]


def test_staff_token_idles_out_like_a_session_and_login_gives_a_new_one(cast):
    key = _staff_token()
    token = Token.objects.get(key=key)
    assert _client(key).get("/api/v1/residents/").status_code == 200
    _idle(token, minutes=31)
    assert _refused(_client(key).get("/api/v1/residents/"))
    fresh = _staff_token()
    assert fresh != key and _client(fresh).get("/api/v1/residents/").status_code == 200


def test_staff_token_lifetime_is_hours_not_days(cast):
    key = _staff_token()
    token = Token.objects.get(key=key)
    _age(token, hours=13)
    _idle(token, minutes=1)  # in use all along: the lifetime still ends it
    assert _refused(_client(key).get("/api/v1/residents/"))


def test_control_without_expiry_the_old_token_would_still_read_residents(cast, settings):
    """Control: the tests above see an old token go on working when lifetimes allow it."""
    settings.API_TOKEN_LIFETIME_HOURS = 24 * 365
    settings.API_TOKEN_IDLE_MINUTES = 60 * 24 * 365
    key = _staff_token()
    token = Token.objects.get(key=key)
    _age(token, days=40)
    _idle(token, days=40)
    assert _client(key).get("/api/v1/residents/").status_code == 200
    assert _staff_token() == key  # a login reuses a token still in force
