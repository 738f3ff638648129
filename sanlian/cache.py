"""A Redis cache that degrades to process memory while Redis is away.

The web must answer without Redis (login, the API, dashboards): what lives in the cache
is either recomputed (figures, list counts) or short-lived (login-failure counts,
throttles). While Redis is away each process keeps them in its own memory, so a lockout
or a throttle counts per process until Redis is back: weaker, not off. A failed call
marks Redis away for RETRY_SECONDS, so requests do not each wait for a connect timeout.
"""

import logging
import time

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

RETRY_SECONDS = 5.0
_AWAY = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError)
# Shared by every cache instance of the process (instances are per thread).
_state = {"away_until": 0.0}


def redis_cache_away() -> bool:
    return time.monotonic() < _state["away_until"]


class FallbackRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._memory = LocMemCache("sanlian-redis-fallback", {"TIMEOUT": params.get("TIMEOUT")})

    def _either(self, name: str, *args, **kwargs):
        if not redis_cache_away():
            try:
                return getattr(super(), name)(*args, **kwargs)
            except _AWAY as error:
                if not redis_cache_away():
                    logger.warning("cache: Redis unreachable, using process memory (%s)", error)
                _state["away_until"] = time.monotonic() + RETRY_SECONDS
        return getattr(self._memory, name)(*args, **kwargs)

    def add(self, *args, **kwargs):
        return self._either("add", *args, **kwargs)

    def get(self, *args, **kwargs):
        return self._either("get", *args, **kwargs)

    def set(self, *args, **kwargs):
        return self._either("set", *args, **kwargs)

    def touch(self, *args, **kwargs):
        return self._either("touch", *args, **kwargs)

    def delete(self, *args, **kwargs):
        return self._either("delete", *args, **kwargs)

    def get_many(self, *args, **kwargs):
        return self._either("get_many", *args, **kwargs)

    def has_key(self, *args, **kwargs):
        return self._either("has_key", *args, **kwargs)

    def incr(self, *args, **kwargs):
        return self._either("incr", *args, **kwargs)

    def set_many(self, *args, **kwargs):
        return self._either("set_many", *args, **kwargs)

    def delete_many(self, *args, **kwargs):
        return self._either("delete_many", *args, **kwargs)

    def clear(self, *args, **kwargs):
        return self._either("clear", *args, **kwargs)
