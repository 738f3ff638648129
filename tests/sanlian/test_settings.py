"""sanlian/settings.py reads its environment: each test imports it afresh in a
subprocess with exactly the variables it names."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Printed as JSON by the child; only plain values cross the process boundary.
PROBE = """
import json
from sanlian import settings as s
print(json.dumps({
    "engine": s.DATABASES["default"]["ENGINE"],
    "db_name": str(s.DATABASES["default"]["NAME"]),
    "db_host": s.DATABASES["default"].get("HOST", ""),
    "broker": s.CELERY_BROKER_URL,
    "transport_options": s.CELERY_BROKER_TRANSPORT_OPTIONS,
    "cache": s.CACHES["default"]["BACKEND"],
    "cache_location": s.CACHES["default"].get("LOCATION", ""),
    "secret_key": s.SECRET_KEY,
    "debug": s.DEBUG,
    "language": s.LANGUAGE_CODE,
    "time_zone": s.TIME_ZONE,
    "ssl_redirect": s.SECURE_SSL_REDIRECT,
    "allowed_hosts": s.ALLOWED_HOSTS,
}))
"""


def load_settings(tmp_path, **env) -> subprocess.CompletedProcess:
    clean_env = {"PATH": os.environ["PATH"], "VAR_DIR": str(tmp_path / "var"), **env}
    return subprocess.run(  # noqa: S603 - fixed interpreter and script
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=clean_env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def loaded(tmp_path, **env) -> dict:
    result = load_settings(tmp_path, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_settings_nothing_set_uses_sqlite_and_filesystem_broker(tmp_path):
    s = loaded(tmp_path, DEBUG="1")

    assert s["engine"] == "django.db.backends.sqlite3"
    assert s["db_name"] == str(ROOT / "db.sqlite3")
    assert s["broker"] == "filesystem://"
    assert s["transport_options"]["data_folder_in"] == str(tmp_path / "var/celery/queue")
    assert s["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    # The folders exist before any worker or web process enqueues a task.
    assert (tmp_path / "var/celery/queue").is_dir()
    assert (tmp_path / "var/celery/processed").is_dir()
    assert s["transport_options"]["control_folder"] == str(tmp_path / "var/celery/control")


def test_settings_urls_switch_to_postgresql_and_redis(tmp_path):
    s = loaded(
        tmp_path,
        DEBUG="1",
        DATABASE_URL="postgres://sanlian:pw@db.internal:5432/sanlian",
        REDIS_URL="redis://cache.internal:6379/2",
    )

    assert s["engine"] == "django.db.backends.postgresql"
    assert (s["db_host"], s["db_name"]) == ("db.internal", "sanlian")
    assert s["broker"] == "redis://cache.internal:6379/2"
    assert s["cache"] == "sanlian.cache.FallbackRedisCache"  # Redis, memory while it is away
    assert s["cache_location"] == "redis://cache.internal:6379/2"
    assert not (tmp_path / "var/celery").exists()


def test_settings_debug_off_without_secret_key_refuses_to_start(tmp_path):
    result = load_settings(tmp_path)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY must be set" in result.stderr


def test_settings_secret_key_file_is_read(tmp_path):
    key_file = tmp_path / "secret_key"
    key_file.write_text("from-a-docker-secret\n", encoding="utf-8")

    s = loaded(tmp_path, SECRET_KEY_FILE=str(key_file), SECRET_KEY="ignored-when-file-given")

    assert s["secret_key"] == "from-a-docker-secret"
    assert s["debug"] is False


def test_settings_language_and_time_zone_are_chinese(tmp_path):
    s = loaded(tmp_path, DEBUG="1")

    assert s["language"] == "zh-hans"
    assert s["time_zone"] == "Asia/Shanghai"


def test_settings_production_variables_are_honoured(tmp_path):
    s = loaded(
        tmp_path,
        SECRET_KEY="k" * 50,
        SECURE_SSL="true",
        ALLOWED_HOSTS="sanlian.example.org, www.sanlian.example.org",
    )

    assert s["debug"] is False
    assert s["ssl_redirect"] is True
    assert s["allowed_hosts"] == ["sanlian.example.org", "www.sanlian.example.org"]


def test_settings_https_is_on_by_default_with_debug_off(tmp_path):
    assert loaded(tmp_path, SECRET_KEY="k" * 50)["ssl_redirect"] is True
    # The explicit opt-out of a plain-HTTP intranet, and development, stay on HTTP.
    assert loaded(tmp_path, SECRET_KEY="k" * 50, SECURE_SSL="false")["ssl_redirect"] is False
    assert loaded(tmp_path, DEBUG="1")["ssl_redirect"] is False


def test_settings_refuse_an_eta_window_redis_would_hand_out_twice(tmp_path):
    redis = {"DEBUG": "1", "REDIS_URL": "redis://cache.internal:6379/2"}
    # Redis gives an ETA task still waiting after visibility_timeout (3,600 s) to a second
    # worker: a window of half that or more is refused at start.
    result = load_settings(tmp_path, **redis, REMINDER_ETA_AHEAD_SECONDS="1800")
    assert result.returncode != 0
    assert "REMINDER_ETA_AHEAD_SECONDS must stay below" in result.stderr
    assert loaded(tmp_path, **redis, REMINDER_ETA_AHEAD_SECONDS="1799")["broker"]
    # Without Redis (the file-system transport) there is no visibility timeout to outlast.
    assert loaded(tmp_path, DEBUG="1", REMINDER_ETA_AHEAD_SECONDS="1800")["broker"]
