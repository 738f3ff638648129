import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from sanlian.roles import Role
from tests import factories as f

PASSWORD = "correct horse battery staple"


def _login(client, username, password=PASSWORD):
    return client.post("/accounts/login/", {"username": username, "password": password})


@pytest.mark.django_db
def test_login_locks_after_five_failures_without_telling_whether_user_exists(client):
    f.UserFactory(username="alice")
    for _ in range(5):
        assert _login(client, "alice", "wrong").status_code == 200
    locked = _login(client, "alice")  # right password, but locked
    assert SESSION_KEY not in client.session
    assert "15分钟" in locked.content.decode()
    for _ in range(5):
        _login(client, "nobody-by-this-name", "wrong")
    ghost = _login(client, "nobody-by-this-name")
    assert ghost.content.decode().count("15分钟") == locked.content.decode().count("15分钟")


@pytest.mark.django_db
def test_login_lock_expires_and_success_resets_the_count(client, settings):
    from django.core.cache import cache

    f.UserFactory(username="alice")
    for _ in range(4):
        _login(client, "alice", "wrong")
    assert _login(client, "alice").status_code == 302
    client.logout()
    for _ in range(4):
        _login(client, "alice", "wrong")
    assert _login(client, "alice").status_code == 302  # the count restarted at the success
    client.logout()
    for _ in range(5):
        _login(client, "alice", "wrong")
    assert _login(client, "alice").status_code == 200
    cache.clear()  # what the 15-minute expiry does
    assert _login(client, "alice").status_code == 302


@pytest.mark.django_db
def test_login_rotates_the_session_key_and_logout_invalidates_it(client):
    f.UserFactory(username="alice")
    client.get("/accounts/login/")
    client.session.save()
    before = client.session.session_key
    assert _login(client, "alice").status_code == 302
    after = client.session.session_key
    assert after and after != before
    client.post("/accounts/logout/")
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=after).exists()
    assert client.get("/").status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("Short1!", False),  # too short
        ("alllowercaseletters", False),  # one class
        ("lowercase123456", False),  # two classes
        ("Taiyuan-Care-77", True),
        ("Sanlian-demo-2026", True),
    ],
)
def test_staff_passwords_need_length_and_three_classes(password, ok):
    staff = f.UserFactory.build(username="staffer", role=Role.STREET_STAFF)
    if ok:
        validate_password(password, user=staff)
    else:
        with pytest.raises(ValidationError):
            validate_password(password, user=staff)


@pytest.mark.django_db
def test_resident_passwords_are_not_held_to_staff_rules():
    resident = f.UserFactory.build(username="grandpa", role=Role.RESIDENT)
    validate_password("lowercase123456", user=resident)


@pytest.mark.django_db
def test_every_response_carries_security_headers(client):
    response = client.get("/accounts/login/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert "script-src 'self'" in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_signed_in_pages_are_never_cached(client):
    client.force_login(f.UserFactory(username="alice"))
    response = client.get("/")
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_session_expires_after_thirty_idle_minutes(settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
