"""Settings for the test suite: the real settings with test-only speedups.

DATABASE_URL and REDIS_URL still decide the backends, so CI runs the same
suite on PostgreSQL and Redis and a laptop on SQLite.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")
# The test client speaks plain HTTP to "testserver"; production defaults to HTTPS.
os.environ.setdefault("SECURE_SSL", "false")

from sanlian.settings import *  # noqa: F403
from sanlian.settings import VAR_DIR

# Hashing is not under test; the fast hasher keeps logins cheap.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tasks run in-process when enqueued (after commit); tests assert what changed.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = VAR_DIR / "test-media"
# Tests that let reminders go out never write into the development SMS log.
SMS_BACKEND = "file"
SMS_LOG_PATH = VAR_DIR / "test-sms.log"
# A list's count is counted every time: tests add rows and list them again at once.
API_COUNT_CACHE_SECONDS = 0
# Plain HTTP is the test client's, not an operator's opt-out: no startup warning.
PLAIN_HTTP_OPT_OUT = False
