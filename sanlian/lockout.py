"""Login lockout for every way in: the login page, the admin login and the API token.

5 failures lock a username for 15 minutes (MLPS login-failure handling), and
LOGIN_ADDRESS_FAILURE_LIMIT failures from one client address lock that address, so
spraying one password over many usernames is as slow as guessing one account's.
Counts live in the shared cache (Redis in production). The username is counted as
typed, whether or not such an account exists, so a lockout reveals nothing; a
success clears the username's count only, never the address's (one valid account
must not reset an attacker's budget).
"""

import hashlib

from django.conf import settings
from django.core.cache import cache

from sanlian.client_address import client_address


def _digest(value: str) -> str:
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]


def _keys(username: str, address: str) -> tuple[str, str]:
    return f"login-failures:{_digest(username)}", f"login-failures-from:{_digest(address)}"


def _count(key: str) -> int:
    cache.add(key, 0, timeout=settings.LOGIN_LOCKOUT_SECONDS)
    try:
        failures = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=settings.LOGIN_LOCKOUT_SECONDS)
        failures = 1
    cache.touch(key, timeout=settings.LOGIN_LOCKOUT_SECONDS)
    return failures


def login_is_locked(*, username: str, request) -> bool:
    by_name, by_address = _keys(username, client_address(request))
    return (
        cache.get(by_name, 0) >= settings.LOGIN_FAILURE_LIMIT
        or cache.get(by_address, 0) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT
    )


def login_failed(*, username: str, request) -> None:
    """Count one failure for the username and for the address; each window restarts."""
    for key in _keys(username, client_address(request)):
        _count(key)


def login_succeeded(*, username: str, request) -> None:
    cache.delete(_keys(username, client_address(request))[0])
