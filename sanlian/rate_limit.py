"""A per-key budget of uses in a fixed window, kept in the shared cache (Redis in production)."""

import hashlib

from django.core.cache import cache


def rate_limit_take(*, scope: str, key: str, limit: int, seconds: int) -> bool:
    """Count one use of `scope` by `key`; False once more than `limit` were used in the window.

    The window starts at the first use and does not slide; refused uses count too, so
    hammering on does not reopen it early.
    """
    cache_key = f"rate:{scope}:{hashlib.sha256(key.encode()).hexdigest()[:32]}"
    cache.add(cache_key, 0, timeout=seconds)
    try:
        used = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=seconds)
        used = 1
    return used <= limit
