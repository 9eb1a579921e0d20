"""Laydown settings: one module, driven by LAYDOWN_* environment variables.

A bad value stops the start with a message naming the variable (see laydown.core.env).
"""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext_lazy as _

from laydown.core.env import (
    database_settings,
    env_bool,
    env_choice,
    env_counts,
    env_data_dir,
    env_int,
    env_origin,
    env_secret,
    env_str,
    env_time,
    parse_database_url,
    secret_files_check,
    secret_key,
)
from laydown.core.logs import lean_log_records, logging_config

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = env_data_dir("LAYDOWN_DATA_DIR", "./var/")
DEBUG = env_bool("LAYDOWN_DEBUG", False)
SECRET_KEY = secret_key("LAYDOWN_SECRET_KEY", DATA_DIR)
ALLOWED_HOSTS = [h for h in env_str("LAYDOWN_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

DATABASES = {
    "default": database_settings(
        parse_database_url(
            "LAYDOWN_DATABASE_URL",
            env_str("LAYDOWN_DATABASE_URL", f"sqlite:///{DATA_DIR / 'laydown.sqlite3'}"),
        ),
        DATA_DIR,
    )
}

# The ledger: the log's origin (first line of every checkpoint) and its signing key.
LAYDOWN_LOG_ORIGIN = env_origin("LAYDOWN_LOG_ORIGIN", "laydown.localhost/log")
LAYDOWN_LOG_KEY_FILE = DATA_DIR / "log.key"
# Refuse to start while a key in the data directory can be read by others (secret_key is
# checked as it is read above); the log, vault and OpenRosa form keys are checked again as they
# are loaded.
secret_files_check(LAYDOWN_LOG_KEY_FILE, DATA_DIR / "vault.key", DATA_DIR / "openrosa.key")
# How many witnesses must cosign a checkpoint before it is served as the log's checkpoint
# (when witnesses are configured); and whether this process pushes new checkpoints itself
# after each commit (off: `laydown worker` pushes them; on only for a server without one).
LAYDOWN_WITNESS_QUORUM = env_int("LAYDOWN_WITNESS_QUORUM", 1)
LAYDOWN_WITNESS_AUTOPUSH = env_bool("LAYDOWN_WITNESS_AUTOPUSH", False)
# Concurrent single writes of one process share a transaction and a checkpoint
# (laydown.ledger.group); `laydown serve` turns it on.
LAYDOWN_GROUP_COMMIT = env_bool("LAYDOWN_GROUP_COMMIT", False)
# Periodic work of `laydown worker` (laydown.jobs.schedule): a backup every night into
# LAYDOWN_BACKUP_DIR (unset: none) at LAYDOWN_BACKUP_AT (UTC), encrypted to
# LAYDOWN_BACKUP_RECIPIENT (or under LAYDOWN_BACKUP_PASSPHRASE), keeping the newest of each of
# the last N days, weeks and months (LAYDOWN_BACKUP_KEEP); finished import jobs purged after
# LAYDOWN_JOB_RETENTION_DAYS; new checkpoints pushed to witnesses every few seconds.
LAYDOWN_BACKUP_DIR = env_str("LAYDOWN_BACKUP_DIR", "")
LAYDOWN_BACKUP_AT = env_time("LAYDOWN_BACKUP_AT", "02:00")
LAYDOWN_BACKUP_KEEP = env_counts("LAYDOWN_BACKUP_KEEP", "7,5,12", 3)
LAYDOWN_JOB_RETENTION_DAYS = env_int("LAYDOWN_JOB_RETENTION_DAYS", 30, minimum=1)
# A list or dataset export of more rows than this is made by the worker (a file to download
# from the jobs page, kept LAYDOWN_EXPORT_RETENTION_DAYS), not inside the web request.
LAYDOWN_EXPORT_INLINE_MAX = env_int("LAYDOWN_EXPORT_INLINE_MAX", 5000, minimum=0)
LAYDOWN_EXPORT_RETENTION_DAYS = env_int("LAYDOWN_EXPORT_RETENTION_DAYS", 7, minimum=1)
# How long a participant's ID card is valid from its issue: printed on the card as its expiry.
LAYDOWN_ID_CARD_VALID_DAYS = env_int("LAYDOWN_ID_CARD_VALID_DAYS", 730, minimum=1)
LAYDOWN_WITNESS_PUSH_EVERY = env_int("LAYDOWN_WITNESS_PUSH_EVERY", 5, minimum=1)
# A static copy of the public log (checkpoint, tiles, policy) kept by `laydown worker` in
# LAYDOWN_LOG_PUBLISH_DIR and/or the S3-compatible bucket LAYDOWN_LOG_PUBLISH_BUCKET
# (s3://bucket/prefix; unset: none) for a web server or CDN, served at
# LAYDOWN_LOG_PUBLISH_URL (named in the policy file; default https://<log origin>).
LAYDOWN_LOG_PUBLISH_DIR = env_str("LAYDOWN_LOG_PUBLISH_DIR", "")
LAYDOWN_LOG_PUBLISH_BUCKET = env_str("LAYDOWN_LOG_PUBLISH_BUCKET", "")
LAYDOWN_LOG_PUBLISH_URL = env_str("LAYDOWN_LOG_PUBLISH_URL", "").rstrip("/")
# Prometheus metrics at /metrics for the holder of this token (Authorization: Bearer ...);
# unset: /metrics answers 404 (laydown.ops.metrics).
LAYDOWN_METRICS_TOKEN = env_secret("LAYDOWN_METRICS_TOKEN", minimum=24)
# Never send one witness a checkpoint more often than this (seconds; 0: no limit): the public
# witness network asks each log to declare such an interval (docs/verification.md).
LAYDOWN_WITNESS_MIN_INTERVAL = env_int("LAYDOWN_WITNESS_MIN_INTERVAL", 0, minimum=0)
# /readyz fails while a background task has waited over a minute (no `laydown worker` running)
LAYDOWN_READY_NEEDS_WORKER = env_bool("LAYDOWN_READY_NEEDS_WORKER", False)

# Reports: public figures below this count are shown as "<N"; map tiles (empty: no tiles, the
# plain map of site positions alone), e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png
LAYDOWN_PUBLIC_MIN_COUNT = env_int("LAYDOWN_PUBLIC_MIN_COUNT", 5, minimum=1)
LAYDOWN_MAP_TILES = env_str("LAYDOWN_MAP_TILES", "")

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",  # intcomma: figures with the language's thousand separator
    "whitenoise.runserver_nostatic",  # `serve --dev` serves static files as production does
    "django.contrib.staticfiles",
    "django_guid",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "laydown.core",
    "laydown.ledger",
    "laydown.accounts",
    "laydown.vault",
    "laydown.arms",
    "laydown.verification",
    "laydown.tracing",
    "laydown.reports",
    "laydown.assistance",
    "laydown.people",
    "laydown.jobs",
    "laydown.field",
    "laydown.openrosa",
    "laydown.demo",
    "laydown.setup",
    "laydown.ops",
]

# Background jobs (imports) are queued in the database and run by `laydown worker`
# (django-tasks' database backend: no broker). The test suite runs them at once instead,
# but for the tests of the worker itself.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "laydown.accounts.signin.ThrottledModelBackend",
]
PASSWORD_HASHERS = ["laydown.accounts.hashers.LaydownArgon2Hasher"]  # docs/security.md, 15
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:sign_in"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
OTP_TOTP_ISSUER = "Laydown"

# API tokens that authenticated are kept this many seconds per process (0: looked up every
# time); a revocation, deactivation or change of roles drops them at once on this machine and
# within this time elsewhere (laydown.accounts.token_cache).
LAYDOWN_TOKEN_CACHE_SECONDS = env_int("LAYDOWN_TOKEN_CACHE_SECONDS", 5)

# Throttling of failed sign-ins (laydown.accounts.signin): past this many failures on one
# account (4x from one address) each further try waits 1, 2, 4 ... s, at most 15 minutes.
LAYDOWN_SIGNIN_FAILURE_LIMIT = env_int("LAYDOWN_SIGNIN_FAILURE_LIMIT", 5, minimum=1)
SILENCED_SYSTEM_CHECKS: list[str] = []

MIDDLEWARE = [
    "django_guid.middleware.guid_middleware",  # the request id (X-Request-ID), in every log line
    "laydown.core.request_log.RequestLogMiddleware",  # one line per request
    "laydown.ops.health.HealthMiddleware",  # /healthz, /readyz: before host checks and sessions
    "laydown.ops.metrics.MetricsMiddleware",  # /metrics (with the token); counts the others
    "laydown.openrosa.middleware.OpenRosaAnswersMiddleware",  # /openrosa/: OpenRosa answers only
    "django.middleware.security.SecurityMiddleware",
    "laydown.ledger.fast.PublicLogMiddleware",  # /log/proof/N, /log/checkpoint: skip the rest
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "laydown.accounts.context.ProgrammeLocaleMiddleware",  # its time zone, default language
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "laydown.accounts.language.UserLanguageMiddleware",  # the signed-in user's language
    "django.contrib.messages.middleware.MessageMiddleware",
    "laydown.core.text_guard.TextGuardMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "laydown.core.security.SecurityHeadersMiddleware",
]
# API calls with a bearer token and no session cookie (laydown.ops.api_front): MIDDLEWARE
# without what only pages and sessions need, in the same order.
API_MIDDLEWARE = [
    "django_guid.middleware.guid_middleware",
    "laydown.core.request_log.RequestLogMiddleware",
    "laydown.ops.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "laydown.ops.api_front.NoSession",  # Vary: Cookie as SessionMiddleware says it
    "django.middleware.locale.LocaleMiddleware",  # error messages in the caller's language
    "django.middleware.common.CommonMiddleware",
    "laydown.ops.api_front.UserSeen",  # the anonymous user: no session
    "laydown.core.text_guard.TextGuardMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "laydown.core.security.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "laydown.urls"
WSGI_APPLICATION = "laydown.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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
                "laydown.accounts.context.programme",
            ],
        },
    }
]

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("az", _("Azerbaijani")),
    ("hy", _("Armenian")),
    ("ru", _("Russian")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["laydown.formats"]  # one date format per language (laydown/formats)
# Every number a page shows has the language's thousand separator (1 234 in az, hy, ru; 1,234 in
# English); identifiers that are numbers (a record's index, a year, coordinates, a value in an
# input or an attribute) are shown with `|unlocalize`. Form inputs are not localized.
USE_THOUSAND_SEPARATOR = True
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # `laydown serve` collects into it; WhiteNoise reads it
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "laydown.core.static.StaticStorage"},
}
# Files not collected yet are served from the apps' static folders (short cache); collected
# ones under their hashed names, cached for a year (immutable).
WHITENOISE_USE_FINDERS = True

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG and env_bool("LAYDOWN_HTTPS", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Behind TLS (LAYDOWN_HTTPS): redirect plain HTTP and tell browsers to use HTTPS only (HSTS).
# Preloading (LAYDOWN_HSTS_PRELOAD) commits the whole domain for years: the owner's decision.
SECURE_SSL_REDIRECT = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = 31_536_000 if SESSION_COOKIE_SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SESSION_COOKIE_SECURE
SECURE_HSTS_PRELOAD = env_bool("LAYDOWN_HSTS_PRELOAD", False)
# Error reports (the DEBUG page, error e-mails) hide what the environment copied into
# request.META holds: laydown.core.security.ExceptionReporterFilter.
DEFAULT_EXCEPTION_REPORTER_FILTER = "laydown.core.security.ExceptionReporterFilter"
if not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS.append("security.W021")  # preloading is opt-in, as said above
if env_bool("LAYDOWN_PROXY_HTTPS_HEADER", False):
    # Only behind a proxy that sets X-Forwarded-Proto itself (and drops the client's own).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_AGE = 8 * 3600  # one working shift; sign in (and pass the second factor) again
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# The request id: a proxy's X-Request-ID (a UUID or 32 hex digits, as nginx's $request_id) is
# kept, anything else replaced by a new one; returned in the response's X-Request-ID.
DJANGO_GUID = {"GUID_HEADER_NAME": "X-Request-ID", "VALIDATE_GUID": True, "EXPOSE_HEADER": False}

# Logs: one JSON object a line on stderr (LAYDOWN_LOG_FORMAT=text for people reading a terminal),
# each with the time, level, logger, message and the request id of the request it belongs to.
LAYDOWN_LOG_FORMAT = env_choice("LAYDOWN_LOG_FORMAT", "json", ("json", "text"))  # as laydown.server
LOGGING = logging_config(LAYDOWN_LOG_FORMAT)
lean_log_records()  # what no line shows is not gathered for each record
