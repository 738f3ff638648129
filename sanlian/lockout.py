"""Login lockout: 5 failures lock a username for 15 minutes (MLPS login-failure handling).

Counts live in the shared cache (Redis in production), keyed by the username as
typed, whether or not such an account exists, so a lockout reveals nothing.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache


def _key(username: str) -> str:
    digest = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    return f"login-failures:{digest}"


def login_is_locked(*, username: str) -> bool:
    return cache.get(_key(username), 0) >= settings.LOGIN_FAILURE_LIMIT


def login_failed(*, username: str) -> int:
    """Count one failure; the lock window restarts with each failure."""
    key = _key(username)
    cache.add(key, 0, timeout=settings.LOGIN_LOCKOUT_SECONDS)
    try:
        failures = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=settings.LOGIN_LOCKOUT_SECONDS)
        failures = 1
    cache.touch(key, timeout=settings.LOGIN_LOCKOUT_SECONDS)
    return failures


def login_succeeded(*, username: str) -> None:
    cache.delete(_key(username))
