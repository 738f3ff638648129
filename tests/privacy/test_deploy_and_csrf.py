"""The production settings pass `check --deploy`; no view gives up CSRF protection."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.authentication import SessionAuthentication
from rest_framework.views import APIView

from services.models import Match
from tests import factories as f

ROOT = Path(__file__).resolve().parents[2]


def test_check_deploy_is_clean_with_the_documented_production_environment():
    env = {
        key: value
        for key, value in os.environ.items()
        # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for Playwright; no deployment does.
        if key
        not in {
            "DJANGO_SETTINGS_MODULE",
            "SECRET_KEY_FILE",
            "SECURE_HSTS_SECONDS",
            "SECURE_SSL",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    # Nothing but the three required variables: HTTPS is on by default (issue 19).
    env.update(
        DJANGO_SETTINGS_MODULE="sanlian.settings",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(64),  # 50+ random characters, as README asks
        ALLOWED_HOSTS="sanlian.example.org",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_when_https_is_off():
    """The control: the same check does fail on a weaker environment."""
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="sanlian.settings", DEBUG="false")
    env.update(SECRET_KEY=secrets.token_urlsafe(64), SECURE_SSL="false", ALLOWED_HOSTS="x.org")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "security.W008" in result.stderr + result.stdout  # SECURE_SSL_REDIRECT
    assert "sanlian.W001" in result.stderr + result.stdout  # the opt-out is said at start


def _views(resolver: URLResolver, prefix: str = ""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _views(pattern, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def _api_view_class(callback):
    cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    return cls if isinstance(cls, type) and issubclass(cls, APIView) else None


def test_no_view_is_csrf_exempt_and_api_session_auth_enforces_csrf():
    """DRF marks every APIView csrf_exempt; its SessionAuthentication checks CSRF instead,
    so an API view is fine when each session-based authenticator is DRF's own."""
    offenders, api_views = [], 0
    for route, callback in _views(get_resolver()):
        api = _api_view_class(callback)
        if api is None:
            if getattr(callback, "csrf_exempt", False):
                offenders.append(route)
            continue
        api_views += 1
        for authenticator in api().get_authenticators():
            if not isinstance(authenticator, SessionAuthentication):
                continue  # token clients send no cookies: nothing to forge
            if type(authenticator).enforce_csrf is not SessionAuthentication.enforce_csrf:
                offenders.append(f"{route} ({type(authenticator).__name__})")
    assert api_views > 20
    assert offenders == []


@pytest.fixture
def proposed(cast):
    offering = f.OfferingFactory(organization=cast.organization, communities=[cast.community])
    return f.MatchFactory(
        request=f.ServiceRequestFactory(resident=cast.resident),
        offering=offering,
        status=Match.Status.PROPOSED,
    )


def test_session_api_post_without_csrf_token_is_refused(cast, proposed):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(cast.community_staff)
    url = reverse("api:match-confirm", kwargs={"pk": proposed.pk})
    response = browser.post(url, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    proposed.refresh_from_db()
    assert proposed.status == Match.Status.PROPOSED


def test_session_api_post_with_csrf_token_goes_through(cast, proposed):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(cast.community_staff)
    browser.get(reverse("home"))
    token = browser.cookies["csrftoken"].value
    url = reverse("api:match-confirm", kwargs={"pk": proposed.pk})
    response = browser.post(url, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200
    proposed.refresh_from_db()
    assert proposed.status == Match.Status.CONFIRMED


def test_page_post_without_csrf_token_is_refused(cast):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(cast.community_staff)
    url = reverse("communities:resident_consent_withdraw", kwargs={"pk": cast.resident.pk})
    f.ConsentFactory(resident=cast.resident)
    assert browser.post(url, {"reason": "撤回"}).status_code == 403
    assert cast.resident.consents.filter(withdrawn_at__isnull=True).exists()


def test_media_is_never_served_whatever_debug_is(tmp_path):
    """Export files live under MEDIA_ROOT: no URL reaches them, not even with DEBUG on."""
    probe = (
        "import django; django.setup()\n"
        "from django.urls import Resolver404, resolve\n"
        "try:\n"
        "    print(resolve('/media/exports/1/x.xlsx').url_name)\n"
        "except Resolver404:\n"
        "    print('not served')\n"
    )
    for debug in ("1", "0"):
        env = dict(os.environ, DJANGO_SETTINGS_MODULE="sanlian.settings", DEBUG=debug)
        env.update(SECRET_KEY=secrets.token_urlsafe(64), VAR_DIR=str(tmp_path))
        result = subprocess.run(  # noqa: S603 - fixed interpreter and script
            [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert result.stdout.strip() == "not served", (debug, result.stdout + result.stderr)


def test_media_control_the_debug_helper_would_serve_it(settings):
    """Control: the helper urls.py used under DEBUG does map /media/ to the files."""
    from django.conf.urls.static import static

    settings.DEBUG = True
    patterns = static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
    assert patterns and patterns[0].resolve("media/exports/1/x.xlsx") is not None
