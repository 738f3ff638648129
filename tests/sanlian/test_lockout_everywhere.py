"""One lockout for every way in, by username and by client address (issue 19, findings 1-2)."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import RequestFactory
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from sanlian.api.throttling import LoginRateThrottle
from sanlian.client_address import client_address
from sanlian.models import Role
from tests import factories as f

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
ATTACKER = "203.0.113.7"


def _site_login(client, username, password=PASSWORD, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


def _admin_login(client, username, password=PASSWORD):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password})


def _token(client, username, password=PASSWORD, **extra):
    return client.post("/api/v1/auth/token/", {"username": username, "password": password}, **extra)


@pytest.fixture
def admin_user(db):
    return f.UserFactory(username="root", role=Role.CIVIL_AFFAIRS, is_staff=True, is_superuser=True)


def test_admin_login_locks_after_five_failures(client, admin_user):
    for _ in range(5):
        assert _admin_login(client, "root", "guess").status_code == 200
    refused = _admin_login(client, "root")
    assert SESSION_KEY not in client.session
    assert "15分钟" in refused.content.decode()
    assert client.get("/communities/residents/").status_code == 302  # still signed out


def test_admin_login_control_four_failures_then_the_right_password_gets_in(client, admin_user):
    """Control: the brute-force test above would see an admin login that works."""
    for _ in range(4):
        _admin_login(client, "root", "guess")
    assert _admin_login(client, "root").status_code == 302
    assert int(client.session[SESSION_KEY]) == admin_user.pk


@pytest.mark.parametrize("way_in", ["site", "admin", "token"])
def test_failures_anywhere_lock_every_way_in(client, admin_user, way_in):
    for _ in range(5):
        _site_login(client, "root", "guess")
    if way_in == "site":
        _site_login(client, "root")
        assert SESSION_KEY not in client.session
    elif way_in == "admin":
        _admin_login(client, "root")
        assert SESSION_KEY not in client.session
    else:
        assert _token(APIClient(), "root").status_code == 429
        assert not Token.objects.filter(user=admin_user).exists()


def test_password_spraying_from_one_address_is_stopped(client, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 20
    victim = f.UserFactory(username="victim")
    for n in range(40):
        _site_login(client, f"user{n:02d}", "Password123", REMOTE_ADDR=ATTACKER)
    _site_login(client, "victim", REMOTE_ADDR=ATTACKER)
    assert SESSION_KEY not in client.session
    # The address is locked, not the account: its owner elsewhere signs in.
    _site_login(client, "victim", REMOTE_ADDR="198.51.100.20")
    assert int(client.session[SESSION_KEY]) == victim.pk


def test_password_spraying_control_a_per_username_lock_alone_lets_it_through(client, settings):
    """Control: with an address limit the spray never reaches, the attacker gets in."""
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 1000
    f.UserFactory(username="victim")
    for n in range(40):
        _site_login(client, f"user{n:02d}", "Password123", REMOTE_ADDR=ATTACKER)
    _site_login(client, "victim", REMOTE_ADDR=ATTACKER)
    assert SESSION_KEY in client.session


def test_token_spraying_from_one_address_is_stopped(settings, monkeypatch):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 20
    # The per-address rate throttle would stop it sooner; this is about the lockout.
    monkeypatch.setattr(LoginRateThrottle, "rate", "1000/min", raising=False)
    f.UserFactory(username="victim")
    api = APIClient(REMOTE_ADDR=ATTACKER)
    for n in range(20):
        assert _token(api, f"user{n:02d}", "Password123").status_code == 401
    assert _token(api, "victim").status_code == 429
    assert not Token.objects.exists()


def _rotating(api, path, n, payload):
    return [
        api.post(
            path, payload(i), HTTP_X_FORWARDED_FOR=f"10.0.{i // 250}.{i % 250 + 1}"
        ).status_code
        for i in range(n)
    ]


TOKEN = ("/api/v1/auth/token/", lambda i: {"username": f"spray{i}", "password": "x"})
REGISTER = ("/api/v1/organizations/", lambda i: {})


@pytest.mark.parametrize(("path", "payload"), [TOKEN, REGISTER], ids=["token", "registration"])
def test_rotating_x_forwarded_for_does_not_escape_the_throttles(path, payload):
    statuses = _rotating(APIClient(), path, 25, payload)
    assert 429 in statuses
    assert statuses.index(429) <= 20


@pytest.mark.parametrize(("path", "payload"), [TOKEN, REGISTER], ids=["token", "registration"])
def test_with_one_trusted_proxy_the_header_names_the_client(settings, path, payload):
    """Control: behind one trusted proxy each header is another client, so none is throttled."""
    settings.TRUSTED_PROXIES = 1
    statuses = _rotating(APIClient(), path, 25, payload)
    assert 429 not in statuses


@pytest.mark.parametrize(
    ("trusted", "forwarded", "expected"),
    [
        (0, "1.2.3.4", "127.0.0.1"),
        (1, "1.2.3.4", "1.2.3.4"),
        (1, "6.6.6.6, 1.2.3.4", "1.2.3.4"),  # the client wrote 6.6.6.6; the proxy 1.2.3.4
        (2, "6.6.6.6, 1.2.3.4, 10.0.0.2", "1.2.3.4"),
        (3, "1.2.3.4", "1.2.3.4"),
        (1, "", "127.0.0.1"),
    ],
)
def test_client_address_trusts_only_the_configured_proxies(settings, trusted, forwarded, expected):
    settings.TRUSTED_PROXIES = trusted
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


def test_drf_counts_the_same_proxies(settings):
    from rest_framework.settings import api_settings

    assert api_settings.NUM_PROXIES == settings.TRUSTED_PROXIES == 0
