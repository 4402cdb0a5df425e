"""The hub's one settings module, read from the environment and failing loudly on bad values.

Defaults give the embedded set-up (SQLite in ./var, django-q2 on the ORM broker) so ``make demo`` needs
no services. Production sets DATABASE_URL (PostgreSQL), REDIS_URL (the django-q2 broker), SECRET_KEY or
SECRET_KEY_FILE, DEBUG=false and ALLOWED_HOSTS. Every variable is listed in docs/configuration.md.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from hub.env import envbool, envfile, envint, envlist, envsecret, envsize

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("ORCHESTRATE_VAR_DIR", BASE_DIR / "var"))

DEBUG = envbool("DEBUG", False)

_secret = envsecret("SECRET_KEY")
if not _secret:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY (or SECRET_KEY_FILE) is required when DEBUG is off: set it to a long random value, "
            "e.g. export SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))'), "
            "or set DEBUG=true on a development machine"
        )
    _secret = "insecure-development-key-only-for-debug-mode-do-not-use-in-production-0123456789"  # noqa: S105
SECRET_KEY = _secret
TOKEN_HMAC_KEY = envsecret("TOKEN_HMAC_KEY")  # keys the stored token digests; defaults to SECRET_KEY
# Keys that encrypt integration secrets at rest: comma-separated, the first encrypts, all decrypt (rotation:
# "new,old", then `manage.py reencrypt_secrets`, then "new"). Defaults to SECRET_KEY. See docs/webhooks.md.
ORCHESTRATE_ENCRYPTION_KEYS = [
    key.strip() for key in (envsecret("ORCHESTRATE_ENCRYPTION_KEY") or "").split(",") if key.strip()
]
# Hub-wide webhook secrets, for organisation-wide hooks; a project's own secret (admin) replaces them.
GITHUB_WEBHOOK_SECRET = envsecret("GITHUB_WEBHOOK_SECRET")
GITLAB_WEBHOOK_TOKEN = envsecret("GITLAB_WEBHOOK_TOKEN")
CIRCLECI_WEBHOOK_SECRET = envsecret("CIRCLECI_WEBHOOK_SECRET")

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = os.environ.get("SITE_URL", "http://localhost:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served by the hub: /api/docs/ works offline
    "hub.workers",  # before django_q: its qcluster command (the cluster restarted whole) is the one run
    "django_q",
    "hub.outbox",
    "hub.projects",
    "hub.runs",
    "hub.failures",
    "hub.flaky",
    "hub.api",
    "hub.integrations",
    "hub.webhooks",
    "hub.operations",
    "hub.response",
    "hub.metrics",
    "hub.dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "hub.unavailable.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "hub.urls"
# The dashboard signs people in with Django's sessions (hub/dashboard); the admin keeps its own page.
LOGIN_URL = "dashboard:login"
LOGIN_REDIRECT_URL = "dashboard:projects"
LOGOUT_REDIRECT_URL = "dashboard:login"
WSGI_APPLICATION = "hub.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]


def _database(url: str) -> dict:
    try:
        config = dj_database_url.parse(url, conn_max_age=envint("DB_CONN_MAX_AGE", 60))
    except Exception as exc:  # dj-database-url raises bare ValueError/KeyError on bad schemes
        # Not the URL itself: it may hold the database's password.
        raise ImproperlyConfigured(
            f"DATABASE_URL cannot be parsed ({exc}): use sqlite:///PATH or postgres://USER:PASSWORD@HOST:PORT/NAME"
        ) from None
    engine = config["ENGINE"]
    if engine == "django.db.backends.sqlite3":
        # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock when a transaction
        # starts, so concurrent uploads queue on the busy timeout instead of failing with "database is
        # locked" when a read lock cannot be upgraded.
        config["CONN_MAX_AGE"] = 0 if config["NAME"] == ":memory:" else config["CONN_MAX_AGE"]
        config["OPTIONS"] = {
            "timeout": envint("SQLITE_BUSY_TIMEOUT", 60),
            "transaction_mode": "IMMEDIATE",
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-8000;"
            ),
        }
    elif engine == "django.db.backends.postgresql":
        config.setdefault("OPTIONS", {})
        config["CONN_HEALTH_CHECKS"] = True
    else:
        raise ImproperlyConfigured(
            f"DATABASE_URL must be sqlite:// or postgres://, not {engine.rpartition('.')[2]}"
        )
    test_name = os.environ.get("TEST_DATABASE_NAME")
    if engine == "django.db.backends.sqlite3" and not test_name:
        # A file, not Django's shared in-memory default: tests then exercise WAL and real locking.
        test_name = str(VAR_DIR / "test.sqlite3")
    config["TEST"] = {"NAME": test_name or None}
    return config


DATABASE_URL = envsecret("DATABASE_URL") or ""  # or DATABASE_URL_FILE, since it holds the password
if not DATABASE_URL:
    VAR_DIR.mkdir(parents=True, exist_ok=True)  # the embedded default lives in ./var
    DATABASE_URL = f"sqlite:///{VAR_DIR / 'hub.sqlite3'}"
DATABASES = {"default": _database(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Upload limits. Django's own 2.5 MB body limit would reject a 10k-case report, so the ingest views read
# the body themselves against these bounds (and say which limit was hit); everything else keeps Django's.
REPORT_MAX_BYTES = envsize("REPORT_MAX_BYTES", 64 << 20)  # a report as sent (compressed or not)
REPORT_MAX_DECOMPRESSED_BYTES = envsize("REPORT_MAX_DECOMPRESSED_BYTES", 512 << 20)
ARTIFACT_MAX_BYTES = envsize("ARTIFACT_MAX_BYTES", 512 << 20)
MULTIPART_MAX_FILES = envint("MULTIPART_MAX_FILES", 200, minimum=1)
MULTIPART_MAX_BYTES = envsize("MULTIPART_MAX_BYTES", 1 << 30)  # a whole multipart body, every file in it
DATA_UPLOAD_MAX_NUMBER_FILES = MULTIPART_MAX_FILES
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # larger multipart files spool to a temporary file
INGEST_BATCH_SIZE = envint("INGEST_BATCH_SIZE", 5000, minimum=100)
RETENTION_DAYS = envint("RETENTION_DAYS", 180)  # 0 keeps everything
# Your failure-category rules (YAML, docs/failures.md), tried before the built-in ones; checked at start.
FAILURE_RULES_FILE = envfile("FAILURE_RULES_FILE")

# Tokenless upload with OpenID Connect ID tokens from GitHub Actions, GitLab CI and CircleCI (docs/oidc.md).
OIDC_ENABLED = envbool("OIDC_ENABLED", True)
OIDC_AUDIENCES = envlist("OIDC_AUDIENCES", [SITE_URL])  # a project's settings oidc.audiences replace it
OIDC_JWKS_TTL = envint("OIDC_JWKS_TTL", 3600, minimum=60)  # seconds the issuers' keys are cached
OIDC_JWKS_MIN_REFRESH = envint("OIDC_JWKS_MIN_REFRESH", 60)  # at most one key fetch per issuer this often
OIDC_LEEWAY = envint("OIDC_LEEWAY", 60)  # seconds of clock skew allowed on exp, nbf and iat
OIDC_HTTP_TIMEOUT = envint("OIDC_HTTP_TIMEOUT", 10, minimum=1)
WEBHOOK_MAX_BYTES = envsize("WEBHOOK_MAX_BYTES", 25 << 20)  # GitHub caps its payloads at 25 MB
WEBHOOK_RETENTION_DAYS = envint("WEBHOOK_RETENTION_DAYS", 30)  # deliveries kept for replay; 0 keeps all
QUARANTINE_DAYS = envint("QUARANTINE_DAYS", 30, minimum=1)  # a quarantine entry's expiry when none is given
# The hub acting at providers (docs/operators.md): operators' actions, reconciliation, failed jobs' logs.
PROVIDER_TIMEOUT = envint("PROVIDER_TIMEOUT", 20, minimum=1)  # seconds per provider API request
PROVIDER_MAX_RATE_LIMIT_WAIT = envint("PROVIDER_MAX_RATE_LIMIT_WAIT", 30)  # seconds; longer limits fail
RECONCILE_EVERY_MINUTES = envint("RECONCILE_EVERY_MINUTES", 10)  # 0 turns reconciliation off
RECONCILE_AFTER_MINUTES = envint("RECONCILE_AFTER_MINUTES", 30, minimum=1)  # a run unchanged this long
RECONCILE_BATCH = envint("RECONCILE_BATCH", 50, minimum=1)  # runs asked about per pass
MONITOR_SWEEP_MINUTES = envint("MONITOR_SWEEP_MINUTES", 1)  # how often due monitors are polled; 0: never
# Test results from the artifacts of a run the monitor found (docs/monitor.md#test-results-from-artifacts):
# which artifacts (names, `*` matching anything), which files in them, and the bounds (named in refusals).
MONITOR_ARTIFACT_NAMES = envlist("MONITOR_ARTIFACT_NAMES", ["*test*", "*junit*", "*report*", "*result*"])
MONITOR_REPORT_GLOBS = envlist("MONITOR_REPORT_GLOBS", ["**/*.xml", "**/*.trx"])
MONITOR_ARTIFACT_MAX_BYTES = envsize("MONITOR_ARTIFACT_MAX_BYTES", 64 << 20)  # one artifact as downloaded
MONITOR_ARTIFACTS_MAX_TOTAL_BYTES = envsize(
    "MONITOR_ARTIFACTS_MAX_TOTAL_BYTES", 256 << 20
)  # report files, a run
MONITOR_ARTIFACTS_PER_RUN = envint(
    "MONITOR_ARTIFACTS_PER_RUN", 10
)  # artifacts fetched per run at most; 0: none
# Live pages (docs/dashboard.md#live-updates): streams held per process, how long one lasts before the
# browser reconnects, how often SQLite's change cursor is polled, and how long changes are kept.
LIVE_MAX_STREAMS = envint("LIVE_MAX_STREAMS", 24)
LIVE_STREAM_SECONDS = envint("LIVE_STREAM_SECONDS", 300, minimum=1)
LIVE_HEARTBEAT_SECONDS = envint("LIVE_HEARTBEAT_SECONDS", 15, minimum=1)
LIVE_POLL_MS = envint("LIVE_POLL_MS", 100, minimum=10)
LIVE_KEEP_SECONDS = envint("LIVE_KEEP_SECONDS", 3600, minimum=60)
JOB_LOG_MAX_BYTES = envsize("JOB_LOG_MAX_BYTES", 1 << 20)  # a failed job's log tail kept (before gzip)
# A run no provider describes (only the agent reported it) completes once its jobs said they finished and
# nothing arrived for this long (docs/runs.md); 0 leaves such runs in progress.
RUN_IDLE_COMPLETE_SECONDS = envint("RUN_IDLE_COMPLETE_SECONDS", 1800)
if 0 < RUN_IDLE_COMPLETE_SECONDS < 60:
    raise ImproperlyConfigured(
        f"RUN_IDLE_COMPLETE_SECONDS={RUN_IDLE_COMPLETE_SECONDS} is too short for jobs to report: "
        "set 60 or more, or 0 to turn idle completion off"
    )

# django-q2. The ORM broker needs no service (the embedded default); REDIS_URL switches to Redis.
# `retry` must exceed `timeout`, or a slow task is handed to a second worker while the first still runs.
REDIS_URL = os.environ.get("REDIS_URL") or None
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(
        "REDIS_URL must start with redis://, rediss:// or unix://, e.g. redis://localhost:6379/0"
    )
Q_TIMEOUT = envint("Q_TIMEOUT", 300, minimum=1)
Q_RETRY = envint("Q_RETRY", Q_TIMEOUT + 60, minimum=2)
if Q_RETRY <= Q_TIMEOUT:
    raise ImproperlyConfigured(f"Q_RETRY ({Q_RETRY}) must be greater than Q_TIMEOUT ({Q_TIMEOUT})")
Q_CLUSTER = {
    "name": os.environ.get("Q_CLUSTER_NAME", "orchestrate"),
    "workers": envint("Q_WORKERS", 2, minimum=1),
    "timeout": Q_TIMEOUT,
    "retry": Q_RETRY,
    "max_attempts": envint("Q_MAX_ATTEMPTS", 3, minimum=1),
    "ack_failures": True,
    "save_limit": envint("Q_SAVE_LIMIT", 1000),
    "catch_up": False,
    "label": "Task queue",
    "poll": 0.2,
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"
# /metrics (docs/metrics.md): answered only to a bearer of METRICS_TOKEN or from METRICS_ALLOWED_IPS
# (addresses or networks, e.g. 10.0.0.0/8); with neither set it answers no one.
METRICS_TOKEN = envsecret("METRICS_TOKEN")
METRICS_ALLOWED_IPS = envlist("METRICS_ALLOWED_IPS", [])
# Work owed (docs/operators.md): recorded with what owes it, swept back onto the queue when a worker or
# the broker loses it. A claim's lease must outlive the task timeout, or a slow task would count as lost.
OWED_SWEEP_MINUTES = envint("OWED_SWEEP_MINUTES", 1)  # 0 turns the sweep off
OWED_LEASE_SECONDS = envint("OWED_LEASE_SECONDS", Q_RETRY, minimum=2)
if OWED_LEASE_SECONDS <= Q_TIMEOUT:
    raise ImproperlyConfigured(
        f"OWED_LEASE_SECONDS ({OWED_LEASE_SECONDS}) must be greater than Q_TIMEOUT ({Q_TIMEOUT})"
    )
OWED_MAX_ATTEMPTS = envint("OWED_MAX_ATTEMPTS", 5, minimum=1)
OWED_RETRY_BACKOFF_SECONDS = envint("OWED_RETRY_BACKOFF_SECONDS", 30, minimum=1)  # doubles per attempt
# Owed work of one batchable consumer (an upload's analysis) a worker takes in one pass when behind.
OWED_BATCH_SIZE = envint("OWED_BATCH_SIZE", 20, minimum=1)
OWED_SWEEP_BATCH = envint("OWED_SWEEP_BATCH", 500, minimum=1)  # re-enqueued per sweep at most
OWED_KEEP_DONE_DAYS = envint("OWED_KEEP_DONE_DAYS", 7, minimum=1)  # done work kept to answer redeliveries

# Fix jobs (hub.response): bounded attempts, doubling backoff with jitter, a resume pass every minute.
FIX_JOB_MAX_ATTEMPTS = envint("FIX_JOB_MAX_ATTEMPTS", 5, minimum=1)
FIX_JOB_BACKOFF_SECONDS = envint("FIX_JOB_BACKOFF_SECONDS", 30, minimum=1)  # doubles per attempt, +-25%
FIX_JOB_RESUME_MINUTES = envint("FIX_JOB_RESUME_MINUTES", 1)  # 0 turns the resume pass off
FIXER_POLL_MINUTES = envint("FIXER_POLL_MINUTES", 10)  # looking for fix pull requests whose webhook was lost
FIXER_PULL_REQUEST_HOURS = envint("FIXER_PULL_REQUEST_HOURS", 6, minimum=1)  # then the fix job fails
FIX_JOB_LEASE_SECONDS = envint("FIX_JOB_LEASE_SECONDS", Q_RETRY, minimum=2)  # a worker's hold on an attempt
if FIX_JOB_LEASE_SECONDS <= Q_TIMEOUT:
    raise ImproperlyConfigured(
        f"FIX_JOB_LEASE_SECONDS ({FIX_JOB_LEASE_SECONDS}) must be greater than Q_TIMEOUT ({Q_TIMEOUT})"
    )

# Email notifications (hub.response.channels.email) go through Django's email backend. Without EMAIL_HOST
# messages are written to the worker's output (the console backend) rather than sent.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = envint("EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = envsecret("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", True)
EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL exclude each other: set one to false")
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 30, minimum=1)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "orchestrate@localhost")

Q_SYNC = envbool("Q_SYNC", False)  # run tasks inline (tests); never in production
if Q_SYNC:
    Q_CLUSTER["sync"] = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "hub.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "hub.api.permissions.TokenAllowsMethod",
    ],
    "DEFAULT_PAGINATION_CLASS": "hub.api.pagination.DefaultCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "hub.api.schema.HubAutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.UserRateThrottle",
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.ScopedRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": os.environ.get("THROTTLE_USER", "5000/hour"),
        "anon": os.environ.get("THROTTLE_ANON", "100/hour"),
        "uploads": os.environ.get("THROTTLE_UPLOADS", "6000/hour"),
        "reads": os.environ.get("THROTTLE_READS", "5000/hour"),
    },
    "EXCEPTION_HANDLER": "hub.api.errors.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Orchestrate hub API",
    "DESCRIPTION": "CI runs, jobs and test results; report ingest for the agent.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from the hub's static files (drf-spectacular-sidecar), not a CDN, so the docs page works
    # without internet access and sends nothing to a third party.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "RunStatusEnum": "hub.runs.models.RunStatus",
        "ResultStatusEnum": "hub.runs.models.ResultStatus",
        "ConclusionEnum": "hub.runs.models.Conclusion",
        "ProviderEnum": "hub.projects.models.Provider",
        "TestStateEnum": "hub.flaky.models.TestState",
        "FailureCategoryEnum": "hub.failures.models.Category",
        "FailureClassificationEnum": "hub.failures.models.Classification",
        "FixStateEnum": "hub.response.models.FixState",
        "EffectStateEnum": "hub.response.models.EffectState",
    },
}

# Rate-limit counters live in the cache: shared through Redis when the hub runs as several processes,
# per process in the embedded set-up.
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "hub"}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Production hardening; `manage.py check --deploy` is clean when DEBUG is off and HTTPS is terminated
# in front of the hub (set SECURE_SSL_REDIRECT=false if a proxy already redirects; docs/deploy.md).
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    if not SECURE_SSL_REDIRECT:
        # The proxy in front redirects plain HTTP, which is what the check asks of the hub.
        SILENCED_SYSTEM_CHECKS = ["security.W008"]
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", True)
    SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
