"""Settings for Sanlian, read from the environment.

With nothing set, the portal runs on SQLite with a file-system Celery transport
so a fresh checkout needs no servers. DATABASE_URL and REDIS_URL switch to
PostgreSQL and Redis; see the README for every variable.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: str) -> bool:
    return os.getenv(name, default).strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: str) -> int:
    return int(os.getenv(name, default))


def envsecret(name: str, default: str = "") -> str:
    """A secret from NAME, or from the file named by NAME_FILE (docker secrets)."""
    path = os.getenv(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return os.getenv(name, default)


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.getenv(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG", "false")
SECRET_KEY = envsecret("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-used-with-debug-on"  # noqa: S105

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")
SITE_URL = os.getenv("SITE_URL", "http://127.0.0.1:8000")
VAR_DIR = Path(os.getenv("VAR_DIR", str(BASE_DIR / "var")))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Django's widget templates, found by FORM_RENDERER below beside the portal's own.
    "django.forms",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "sanlian",
    "communities",
    "organizations",
    "socialworkers",
    "services",
    "casework",
    "projects",
    "activities",
    "reporting",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "sanlian.locale.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "sanlian.password_change.PasswordChangeRequiredMiddleware",
    "sanlian.security.SecurityHeadersMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "sanlian.urls"
WSGI_APPLICATION = "sanlian.wsgi.application"
ASGI_APPLICATION = "sanlian.asgi.application"
AUTH_USER_MODEL = "sanlian.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "reporting.context_processors.navigation",
                "reporting.context_processors.unread_notifications",
            ],
        },
    },
]
# Widgets render through the project's templates, so templates/django/forms/widgets/ can
# word the empty choice of every select ("请选择…", not Django's `---------`; issue 21).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# SQLite by default so a checkout runs at once; DATABASE_URL for PostgreSQL.
DATABASES = {
    "default": dj_database_url.parse(
        os.getenv("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=envint("DB_CONN_MAX_AGE", "60"),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web server, worker and beat share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
# A PostgreSQL streaming replica for statistics reads (sanlian/routers.py); optional.
if os.getenv("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.getenv("DATABASE_REPLICA_URL"),
        conn_max_age=envint("DB_CONN_MAX_AGE", "60"),
        conn_health_checks=True,
    )
    # Tests have no replica: the alias reads the test copy of default.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["sanlian.routers.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.getenv("REDIS_URL", "")
if REDIS_URL:
    # Degrades to process memory while Redis is away (sanlian/cache.py); short socket timeouts
    # so a stalled Redis costs a request at most about a second.
    CACHES = {
        "default": {
            "BACKEND": "sanlian.cache.FallbackRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "socket_connect_timeout": envint("CACHE_TIMEOUT_SECONDS", "1"),
                "socket_timeout": envint("CACHE_TIMEOUT_SECONDS", "1"),
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

SESSION_ENGINE = "django.contrib.sessions.backends.db"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "sanlian.passwords.StaffPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.getenv("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = Path(os.getenv("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"

EMAIL_BACKEND = os.getenv("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.getenv("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", "25")
EMAIL_HOST_USER = os.getenv("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = envsecret("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", "false")
DEFAULT_FROM_EMAIL = os.getenv("DEFAULT_FROM_EMAIL", "sanlian@localhost")
# Seconds an SMTP connect or answer may take; a mail server that never answers would
# otherwise hold its sender (and the worker process) for good.
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", "10")

# Celery: Redis when REDIS_URL is set; otherwise a file-system transport, so the
# demo's worker and beat are real processes without any server.
CELERY_FILESYSTEM_DIR = VAR_DIR / "celery"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_FILESYSTEM_DIR / "queue"),
        "data_folder_out": str(CELERY_FILESYSTEM_DIR / "queue"),
        "processed_folder": str(CELERY_FILESYSTEM_DIR / "processed"),
        "store_processed": False,
        # Exchange tables; kombu's default is "control" in the working directory.
        "control_folder": str(CELERY_FILESYSTEM_DIR / "control"),
    }
    # kombu does not create these; the web process, worker and beat all need them.
    for _folder in ("queue", "processed", "control"):
        (CELERY_FILESYSTEM_DIR / _folder).mkdir(parents=True, exist_ok=True)
# A web request that enqueues while the broker is away gives up after a few seconds; the
# job stays "queued" and the requeue sweep (sanlian/job_queue.py) sends it later.
CELERY_BROKER_CONNECTION_TIMEOUT = envint("CELERY_BROKER_CONNECTION_TIMEOUT", "2")
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 0.5,
}
# Jobs still "queued" this long after they were started are sent to the broker again.
JOB_REQUEUE_AFTER_SECONDS = envint("JOB_REQUEUE_AFTER_SECONDS", "60")
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", "false")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# The database scheduler, sending only while it holds a lease, so a second beat is a standby.
CELERY_BEAT_SCHEDULER = "sanlian.beat:SingleBeatScheduler"
BEAT_LEASE_SECONDS = envint("BEAT_LEASE_SECONDS", "45")
CELERY_BEAT_SCHEDULE: dict = {}  # filled in by sanlian.celery, the one place for schedules

# Reverse proxies in front of the portal that append to X-Forwarded-For (nginx, a load
# balancer): 0 ignores the header, since a client can write anything into it. The
# lockout, the throttles and the access log take the client address from it
# (sanlian/client_address.py).
TRUSTED_PROXIES = envint("TRUSTED_PROXIES", "0")
# API token lifetimes (sanlian/api/tokens.py): from issue, and idle since last use.
DASHBOARD_TOKEN_LIFETIME_DAYS = envint("DASHBOARD_TOKEN_LIFETIME_DAYS", "30")
DASHBOARD_TOKEN_IDLE_DAYS = envint("DASHBOARD_TOKEN_IDLE_DAYS", "7")
API_TOKEN_LIFETIME_HOURS = envint("API_TOKEN_LIFETIME_HOURS", "12")
API_TOKEN_IDLE_MINUTES = envint("API_TOKEN_IDLE_MINUTES", "30")
# Password reset by e-mail (sanlian/password_reset.py): how long the link in the mail
# works, and how many reset requests one client address and one e-mail address may make
# an hour (beyond the address limit the page says so; beyond the account limit no mail
# goes out, and the page says the same as always, so it tells nobody who has an account).
PASSWORD_RESET_TIMEOUT = 60 * envint("PASSWORD_RESET_TIMEOUT_MINUTES", "60")
PASSWORD_RESET_ADDRESS_LIMIT = envint("PASSWORD_RESET_ADDRESS_LIMIT", "10")
PASSWORD_RESET_ACCOUNT_LIMIT = envint("PASSWORD_RESET_ACCOUNT_LIMIT", "3")

REST_FRAMEWORK = {
    # Token first: DRF answers a missing or bad credential with the first class's challenge,
    # so clients get 401 + "WWW-Authenticate: Token" (HTTP, and the schema) instead of 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "sanlian.api.tokens.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Signed in and not a dashboard client; dashboards get /api/v1/stats/ only.
    "DEFAULT_PERMISSION_CLASSES": ["sanlian.api.permissions.IsPortalUser"],
    "DEFAULT_FILTER_BACKENDS": [
        # django-filter's, with strict ids and bounded dates (sanlian/api/filters.py).
        "sanlian.api.filters.ApiFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    # Documents each operation's error statuses too (sanlian/api/schema.py).
    "DEFAULT_SCHEMA_CLASS": "sanlian.api.schema.ErrorDocumentingSchema",
    # JSON with a nesting limit (deep bodies are a 400, not a RecursionError); forms as usual.
    "DEFAULT_PARSER_CLASSES": [
        # JSON only, the API's contract (a JSON REST API under /api/v1/): a form body cannot
        # say null or an empty list, so the schema of a JSON body does not describe it.
        "sanlian.api.parsers.BoundedJSONParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "sanlian.api.pagination.StandardPagination",
    "EXCEPTION_HANDLER": "sanlian.api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "sanlian.api.throttling.AnonRateThrottle",
        "sanlian.api.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.getenv("API_THROTTLE_ANON", "60/min"),
        "user": os.getenv("API_THROTTLE_USER", "600/min"),
        "login": os.getenv("API_THROTTLE_LOGIN", "10/min"),
        "registration": os.getenv("API_THROTTLE_REGISTRATION", "20/hour"),
    },
    "NUM_PROXIES": TRUSTED_PROXIES,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Sanlian API",
    "DESCRIPTION": (
        "三社联动 portal API v1 (README.md, docs/architecture.md). Authenticate with a token "
        "from POST /api/v1/auth/token/, sent as `Authorization: Token <key>` (not `Bearer`), "
        "or with the portal's session. Aggregate figures: GET /api/v1/stats/."
    ),
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    # Deep links put an <a> inside each operation's toggle button, which screen readers
    # cannot reach (axe: nested-interactive); the operation ids stay in the page.
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Choice sets that share a field name with another, named once each.
    "ENUM_NAME_OVERRIDES": {
        "OrganizationCategoryEnum": "organizations.models.Category",
        "ServiceTargetKindEnum": "projects.models.ServiceTarget.Kind",
    },
}

# HTTPS-only settings are on whenever DEBUG is off, unless SECURE_SSL=false says the
# portal runs on a plain-HTTP intranet (sanlian.checks then warns at every start).
SECURE_SSL = envbool("SECURE_SSL", "false" if DEBUG else "true")
PLAIN_HTTP_OPT_OUT = not DEBUG and not SECURE_SSL
SECURE_SSL_REDIRECT = SECURE_SSL
SESSION_COOKIE_SECURE = SECURE_SSL
CSRF_COOKIE_SECURE = SECURE_SSL
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", "31536000" if SECURE_SSL else "0")
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_SSL
SECURE_HSTS_PRELOAD = SECURE_SSL
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE_SSL else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", str(30 * 60))
SESSION_SAVE_EVERY_REQUEST = True  # the 30-minute timeout counts from the last request
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
LOGIN_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", "5")
LOGIN_LOCKOUT_SECONDS = envint("LOGIN_LOCKOUT_SECONDS", str(15 * 60))
# Failures from one client address (any usernames) before that address is locked too.
LOGIN_ADDRESS_FAILURE_LIMIT = envint("LOGIN_ADDRESS_FAILURE_LIMIT", "20")
CONTENT_SECURITY_POLICY = os.getenv("CONTENT_SECURITY_POLICY", "") or None

LOG_LEVEL = os.getenv("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Social work (casework/): an ability assessment is due again this many months after it
# took effect; a case is reviewed every CASE_REVIEW_DAYS. Callbacks sample this share (%) of
# each organization's completed visits a week, CALLBACK_LOW_RATED_PERCENT of those of an
# organization whose mean rating over 90 days is below CALLBACK_LOW_RATING.
ASSESSMENT_VALID_MONTHS = envint("ASSESSMENT_VALID_MONTHS", "12")
ASSESSMENT_DUE_SOON_DAYS = envint("ASSESSMENT_DUE_SOON_DAYS", "30")
# A visit log that flags a change in the resident's condition makes a reassessment due
# within this many days of the visit.
ASSESSMENT_CHANGE_DAYS = envint("ASSESSMENT_CHANGE_DAYS", "14")
CASE_REVIEW_DAYS = envint("CASE_REVIEW_DAYS", "90")
CALLBACK_SAMPLE_PERCENT = envint("CALLBACK_SAMPLE_PERCENT", "10")
CALLBACK_LOW_RATED_PERCENT = envint("CALLBACK_LOW_RATED_PERCENT", "30")
CALLBACK_LOW_RATING = float(os.getenv("CALLBACK_LOW_RATING", "3.5"))

# Field visit verification (services/care/verification.py): a check-in or check-out more
# than VISIT_VERIFY_RADIUS_M from the resident's address is off site; a check-in earlier
# than VISIT_EARLY_CHECKIN_MINUTES before the start, or a visit shorter than this share of
# its duration, is flagged for review. Nothing is refused.
VISIT_VERIFY_RADIUS_M = envint("VISIT_VERIFY_RADIUS_M", "300")
VISIT_EARLY_CHECKIN_MINUTES = envint("VISIT_EARLY_CHECKIN_MINUTES", "30")
VISIT_MIN_DURATION_SHARE = float(os.getenv("VISIT_MIN_DURATION_SHARE", "0.5"))
# A step queued on a phone offline keeps the phone's time; one that reaches the portal more
# than this many minutes after (or before) that time is flagged (services/care/domain/sync.py).
VISIT_SYNC_GAP_MINUTES = envint("VISIT_SYNC_GAP_MINUTES", "240")

# Matching and reminders (see services/).
MATCH_PROPOSAL_TTL_HOURS = envint("MATCH_PROPOSAL_TTL_HOURS", "48")

# Reminders (services/notifications/reminders.py): the offsets used when staff saved no policy.
REMINDER_OFFSETS_MINUTES = [int(v) for v in envlist("REMINDER_OFFSETS_MINUTES", "1440,60")]
# 500 per batch: a claim, a load and a recorded outcome cost ~20 ms whatever the size
# (docs/benchmarks.md). Senders: how many worker processes send at once in a backlog
# (each claims disjoint batches); one per worker process is the useful most.
REMINDER_BATCH_SIZE = envint("REMINDER_BATCH_SIZE", "500")
REMINDER_SENDERS = envint("REMINDER_SENDERS", "2")
REMINDER_MAX_ATTEMPTS = envint("REMINDER_MAX_ATTEMPTS", "5")
# A claim still "sending" after this long belongs to a dead worker and is taken over.
REMINDER_CLAIM_TIMEOUT_SECONDS = envint("REMINDER_CLAIM_TIMEOUT_SECONDS", "300")
REMINDER_PLAN_AHEAD_HOURS = envint("REMINDER_PLAN_AHEAD_HOURS", "48")
# Reminders falling due within this many seconds are also enqueued with their due time as
# ETA (on scheduling or moving a visit, and by each sweep), so they go out on time, not at
# beat's next tick. Two beat periods: one missed tick leaves no gap. 0 leaves it to the sweep.
REMINDER_ETA_AHEAD_SECONDS = envint("REMINDER_ETA_AHEAD_SECONDS", "120")
# SMS: "file" appends one line per message to SMS_LOG_PATH; "http" posts to SMS_HTTP_URL.
SMS_BACKEND = os.getenv("SMS_BACKEND", "file")
SMS_LOG_PATH = Path(os.getenv("SMS_LOG_PATH", str(VAR_DIR / "sms.log")))
SMS_HTTP_URL = os.getenv("SMS_HTTP_URL", "")
SMS_HTTP_KEY = envsecret("SMS_HTTP_KEY")
SMS_HTTP_TIMEOUT_SECONDS = envint("SMS_HTTP_TIMEOUT_SECONDS", "10")
# A sender renews its claims this often while it works (heartbeat), and hands back what it
# has not started after REMINDER_BATCH_SECONDS, so a slow channel never lets a live claim
# reach REMINDER_CLAIM_TIMEOUT_SECONDS (checked below).
REMINDER_HEARTBEAT_SECONDS = envint("REMINDER_HEARTBEAT_SECONDS", "15")
REMINDER_BATCH_SECONDS = envint("REMINDER_BATCH_SECONDS", "30")
# Circuit breaker per channel (services/notifications/channel_health.py): after this many
# failed sends in a row the channel pauses, staff are alerted, and it is tried again later.
CHANNEL_BREAKER_FAILURES = envint("CHANNEL_BREAKER_FAILURES", "3")
CHANNEL_BREAKER_PAUSE_SECONDS = envint("CHANNEL_BREAKER_PAUSE_SECONDS", "120")
# A queue of its own for e-mail senders (empty: the default queue), for a worker of its own.
REMINDER_EMAIL_QUEUE = os.getenv("REMINDER_EMAIL_QUEUE", "")
if REMINDER_HEARTBEAT_SECONDS + max(EMAIL_TIMEOUT, SMS_HTTP_TIMEOUT_SECONDS) >= (
    REMINDER_CLAIM_TIMEOUT_SECONDS
):
    raise ImproperlyConfigured(
        "REMINDER_CLAIM_TIMEOUT_SECONDS must exceed REMINDER_HEARTBEAT_SECONDS plus the "
        "longest channel timeout, or a live sender's claim could be taken over."
    )
_VISIBILITY_TIMEOUT = CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600)
if REDIS_URL and _VISIBILITY_TIMEOUT <= 2 * REMINDER_ETA_AHEAD_SECONDS:
    # Redis hands an ETA task still waiting after the visibility timeout to another worker.
    raise ImproperlyConfigured(
        "REMINDER_ETA_AHEAD_SECONDS must stay below half the broker's visibility_timeout."
    )
# Non-urgent SMS wait outside "HH:MM-HH:MM" (local time); empty disables quiet hours.
SMS_QUIET_HOURS = os.getenv("SMS_QUIET_HOURS", "21:00-08:00")
ESCALATION_CHECKIN_GRACE_MINUTES = envint("ESCALATION_CHECKIN_GRACE_MINUTES", "30")
ESCALATION_UNMATCHED_DAYS = envint("ESCALATION_UNMATCHED_DAYS", "3")
# Lets an isolated worker (the reminder kill test) use a queue of its own on a shared Redis.
CELERY_TASK_DEFAULT_QUEUE = os.getenv("CELERY_TASK_DEFAULT_QUEUE", "celery")

# Privacy (communities/privacy.py): a resident who withdrew consent is anonymised after this grace.
ANONYMISE_AFTER_DAYS = 30
# Searches by a full ID-card or phone number per staff member and hour; each is logged
# with its purpose. The hotline finds a caller by the last 4 digits or name without limit.
IDENTIFIER_SEARCHES_PER_HOUR = envint("IDENTIFIER_SEARCHES_PER_HOUR", "20")

# Exports (reporting/exports.py): a built file is removed this long after it was finished.
EXPORT_RETENTION_HOURS = envint("EXPORT_RETENTION_HOURS", "72")

# API lists (sanlian/api/pagination.py): how long the `count` of a list is reused; 0 = always count.
API_COUNT_CACHE_SECONDS = envint("API_COUNT_CACHE_SECONDS", "30")
# Deepest `?page=` of an API list; deeper pages answer 400 and point to `?cursor=`.
API_MAX_PAGE = envint("API_MAX_PAGE", "100")
# bench/api.py's floor view (bench/views.py) at /bench/; never on in production.
BENCHMARK_VIEWS = envbool("BENCHMARK_VIEWS", "false")
