"""The fault suite needs PostgreSQL (workers share the committed test database) and the
redis-server binary (each test starts its own); without them it is skipped, never faked."""

import os

import pytest
from django.db import connection

from tests.faults.harness import REDIS_SERVER, PrivateRedis


@pytest.fixture
def requirements(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("needs DATABASE_URL on PostgreSQL (worker processes share the test database)")
    if not os.path.exists(REDIS_SERVER):
        pytest.skip("needs redis-server (the Debian package redis-server)")


@pytest.fixture
def private_redis(requirements, tmp_path):
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()
