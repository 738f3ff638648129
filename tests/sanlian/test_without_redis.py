"""The web answers while Redis is away: login, the token endpoint, the API, the dashboard.

A private redis-server on a free port (never the shared one) is started, used, and
stopped; the cache falls back to process memory until it is back.
"""

import contextlib
import shutil
import socket
import subprocess
import time

import pytest
import redis
from django.core.cache import cache

from sanlian import cache as cache_module
from tests.api.conftest import client_for

PASSWORD = "correct horse battery staple"
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    def __init__(self, tmp_path):
        self.port, self.dir = free_port(), tmp_path

    def start(self):
        subprocess.run(  # noqa: S603 - fixed arguments, a free port of ours
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "yes", "--dir", str(self.dir),
             "--pidfile", str(self.dir / "redis.pid")],
            check=True, timeout=10,
        )  # fmt: skip
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        for _attempt in range(50):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError("private redis did not start")

    def stop(self):
        with contextlib.suppress(redis.ConnectionError):  # shutdown closes the connection
            redis.Redis(port=self.port, socket_connect_timeout=0.5).shutdown(nosave=True)

    def stored_keys(self) -> list:
        return redis.Redis(port=self.port).keys("*")


@pytest.fixture
def private_redis(settings, tmp_path, monkeypatch):
    server = PrivateRedis(tmp_path)
    server.start()
    monkeypatch.setattr(cache_module, "RETRY_SECONDS", 0.3)
    monkeypatch.setitem(cache_module._state, "away_until", 0.0)
    settings.CACHES = {
        "default": {
            "BACKEND": "sanlian.cache.FallbackRedisCache",
            "LOCATION": f"redis://127.0.0.1:{server.port}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    yield server
    server.stop()


def portal_answers(cast, client) -> None:
    started = time.monotonic()
    response = client.post("/accounts/login/", {"username": "civil", "password": PASSWORD})
    assert response.status_code == 302 and response.url == "/"
    assert client.get("/dashboard/").status_code == 200
    token = client_for().post("/api/v1/auth/token/", {"username": "civil", "password": PASSWORD})
    assert token.status_code == 200
    api = client_for()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    assert api.get("/api/v1/communities/").json()["count"] == 2
    assert api.get("/api/v1/stats/overview/").status_code == 200
    assert time.monotonic() - started < 8


def test_portal_answers_with_redis_up_then_down_then_up(cast, client, private_redis):
    portal_answers(cast, client)
    assert private_redis.stored_keys()  # throttles and figures really went to Redis
    private_redis.stop()
    client.logout()
    portal_answers(cast, client)
    # Lockout still counts while Redis is away (in this process's memory).
    client.logout()
    for _attempt in range(5):
        client.post("/accounts/login/", {"username": "street", "password": "wrong"})
    locked = client.post("/accounts/login/", {"username": "street", "password": PASSWORD})
    assert locked.status_code == 200 and "_auth_user_id" not in client.session
    private_redis.start()
    time.sleep(0.4)  # RETRY_SECONDS, shortened for the test
    cache.set("back", "yes")
    assert b":1:back" in private_redis.stored_keys()


def test_control_plain_redis_cache_fails_the_login(cast, client, settings, private_redis):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{private_redis.port}/0",
        }
    }
    private_redis.stop()
    with pytest.raises(redis.ConnectionError):
        client.post("/accounts/login/", {"username": "civil", "password": PASSWORD})
