"""cocity settings: every value comes from an environment variable; the defaults give the
embedded setup (SQLite under ./var, database task queue, English and Spanish).

See README.md ("Configuration") for the table of variables.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(env("COCITY_VAR_DIR", str(Path.cwd() / "var"))).resolve()

COCITY_ENV = env("COCITY_ENV", "development")  # development | demo | production
PRODUCTION = COCITY_ENV == "production"
DEMO_MODE = COCITY_ENV == "demo" or env_bool("COCITY_DEMO")
DEBUG = env_bool("DEBUG", default=False)


def _secret_key() -> str:
    key = env("SECRET_KEY")
    if PRODUCTION:
        # what Django's deployment check calls a strong key, enforced instead of warned about
        if len(key) < 50 or len(set(key)) < 5 or key.startswith("django-insecure-"):
            raise ImproperlyConfigured(
                "SECRET_KEY must be set when COCITY_ENV=production: at least 50 characters of "
                "which at least 5 differ, e.g. python -c 'import secrets; "
                "print(secrets.token_urlsafe(50))'."
            )
        return key
    if key:
        return key
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rules.apps.AutodiscoverRulesConfig",
    # before allauth and drf_spectacular: core's templates override theirs (allauth's layouts and
    # elements, the Redoc page) so every page has the site's layout
    "cocity.core",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "cocity.needs",
    "cocity.deliberation",
    "cocity.cocreation",
    "cocity.budgeting",
    "cocity.sensing",
    "cocity.investment",
    "cocity.equity",
]

MIDDLEWARE = [
    # first: /healthz and /readyz answer probes over plain HTTP, whatever the Host header
    "cocity.core.health.ProbeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # the Content-Security-Policy header on every response (settings below)
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "cocity.core.middleware.RequestLogMiddleware",
    # anonymous visitors' public pages from a short-lived cache (cocity/core/page_cache.py)
    "cocity.core.page_cache.AnonymousPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # before any view (and CSRF): input no database or XML can hold is refused in one place
    "cocity.core.middleware.UnsafeTextMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "cocity.core.middleware.LanguageMemoryMiddleware",
    "cocity.core.middleware.DomainErrorMiddleware",
]

ROOT_URLCONF = "cocity.urls"
WSGI_APPLICATION = "cocity.wsgi.application"
AUTH_USER_MODEL = "core.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cocity.core.context_processors.cocity",
            ],
        },
    }
]

# --- Database --------------------------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'cocity.sqlite3'}")
if DATABASE_URL.startswith("sqlite:") and ":memory:" not in DATABASE_URL:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
_db: dict[str, Any] = dict(dj_database_url.parse(DATABASE_URL, conn_max_age=60))
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db["OPTIONS"] = {
        # WAL lets readers work while one writer writes; IMMEDIATE takes the write lock when a
        # transaction starts (so the audit append sees the last entry); the timeout bounds how
        # long a writer waits for it (then "database is locked"). Connections persist
        # (conn_max_age above), as on PostgreSQL.
        # synchronous=FULL: in WAL mode NORMAL survives a crash of the process but may lose the
        # last commits on power loss; FULL syncs the WAL on every commit, so an acknowledged
        # report survives power loss too (its cost: bench/RESULTS.md).
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }
else:
    _db["CONN_HEALTH_CHECKS"] = True
_db["ATOMIC_REQUESTS"] = False
_db.setdefault("TEST", {})
DATABASES = {"default": _db}

# --- Cache -----------------------------------------------------------------------------------
# Shared by every worker and process: rate-limit counters (logins, sign-ups, anonymous votes,
# statements and reports) must add up across them. Redis when REDIS_URL is set, else a table in
# the database (created by migration core 0008, so wherever ``migrate`` runs).
REDIS_URL = env("REDIS_URL")
CACHES: dict[str, Any] = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "cocity_cache",
            "OPTIONS": {"MAX_ENTRIES": 20000},
        }
    )
}

# Rendered public pages for anonymous visitors (cocity/core/page_cache.py): in each process's
# memory, for a few seconds; 0 turns the cache off
CACHES["pages"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pages"}
COCITY_PAGE_CACHE_SECONDS = int(env("COCITY_PAGE_CACHE_SECONDS", "10"))

# --- Authentication (django-allauth, email login) -------------------------------------------
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
# Mandatory: a sign-up answers "check your e-mail" whether or not the address already has an
# account (allauth then mails its owner instead), so sign-up never reveals who is registered.
ACCOUNT_EMAIL_VERIFICATION = env("COCITY_EMAIL_VERIFICATION", "mandatory")
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGOUT_ON_GET = False
# Brute force and bots: allauth counts in the shared default cache, in every environment
# (the demo too). "ip" counts per client address, "key" per account (the e-mail address).
ACCOUNT_RATE_LIMITS: dict[str, str] | bool = {
    "login": env("COCITY_RATE_LOGIN", "30/m/ip"),
    "login_failed": env("COCITY_RATE_LOGIN_FAILED", "10/m/ip,5/5m/key"),
    "signup": env("COCITY_RATE_SIGNUP", "5/m/ip,20/h/ip"),
    "reset_password": "20/m/ip,5/m/key",
}
# a field only bots fill in: such a sign-up "succeeds" without creating anything
ACCOUNT_SIGNUP_FORM_HONEYPOT_FIELD = "website"
ACCOUNT_FORMS = {"signup": "cocity.core.forms.SignupForm"}
# Client addresses: REMOTE_ADDR, unless this many reverse proxies (which set X-Forwarded-For and
# drop what clients send) stand in front; then the address the outermost one saw.
COCITY_TRUSTED_PROXY_COUNT = int(env("COCITY_TRUSTED_PROXY_COUNT", "0"))
ALLAUTH_TRUSTED_PROXY_COUNT = COCITY_TRUSTED_PROXY_COUNT
# Two-factor sign-in (TOTP, allauth.mfa) for anyone who turns it on at /accounts/2fa/; the
# account pages offer it to officials, moderators and administrators.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env("COCITY_NAME", "Villaverde del Río") + " · cocity"
# Anonymous contributions, counted per client address ("ip") and per conversation ("scope")
# by cocity.core.throttle: N per s(econd), m(inute), h(our) or d(ay).
COCITY_RATE_LIMITS: dict[str, dict[str, str]] = {
    "participant": {"ip": env("COCITY_RATE_ANON_PARTICIPANT", "10/h"), "scope": "300/h"},
    "vote": {"ip": env("COCITY_RATE_ANON_VOTE", "300/h"), "scope": "3000/h"},
    "statement": {"ip": env("COCITY_RATE_ANON_STATEMENT", "10/h"), "scope": "100/h"},
    "report": {"ip": env("COCITY_RATE_ANON_REPORT", "10/h")},
    "token": {"ip": env("COCITY_RATE_TOKEN", "20/m"), "scope": "5/5m"},
}
LOGIN_REDIRECT_URL = "/"
LOGIN_URL = "account_login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# --- Email -----------------------------------------------------------------------------------
EMAIL_URL = env("EMAIL_URL")  # smtp://user:pass@host:587 ; empty = each e-mail is a log line
if EMAIL_URL.startswith("smtp"):
    from urllib.parse import unquote, urlparse

    _mail = urlparse(EMAIL_URL)
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _mail.hostname or "localhost"
    EMAIL_PORT = _mail.port or 25
    EMAIL_HOST_USER = unquote(_mail.username or "")
    EMAIL_HOST_PASSWORD = unquote(_mail.password or "")
    EMAIL_USE_TLS = _mail.scheme == "smtp+tls"
else:
    EMAIL_BACKEND = "cocity.core.mail.LogEmailBackend"
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "cocity <noreply@localhost>")
#: Where people and client-app developers write to the city (Open311 discovery ``contact``).
CONTACT_EMAIL = env("COCITY_CONTACT_EMAIL", parseaddr(DEFAULT_FROM_EMAIL)[1])

# --- Internationalisation --------------------------------------------------------------------
LANGUAGE_CODE = env("COCITY_LANGUAGE", "en")
_LANG_NAMES = {"en": _("English"), "es": _("Spanish")}
LANGUAGES = [(code, _LANG_NAMES.get(code, code)) for code in env_list("COCITY_LANGUAGES", "en,es")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
# unambiguous dates in every language ("5 Dec 2026" / "5 dic 2026"): cocity/formats/<lang>/
FORMAT_MODULE_PATH = ["cocity.formats"]
TIME_ZONE = env("TIME_ZONE", "Europe/Madrid")
USE_TZ = True

# --- Static files (whitenoise; no CDN at run time) -------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise serves from finders here
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
# Leaflet's JS/CSS come from the django-leaflet package's static files (no CDN). The package is
# not an installed app: its admin module needs GDAL, and only its files are used.
_leaflet = importlib.util.find_spec("leaflet")
STATICFILES_DIRS = (
    [str(Path(_leaflet.origin).parent / "static")] if _leaflet and _leaflet.origin else []
)

# --- REST API --------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_SCHEMA_CLASS": "cocity.core.schema.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "cocity.core.pagination.Pages",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "cocity.core.errors.problem_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "cocity API",
    "DESCRIPTION": "The co-created city: areas, departments, organisations, audit log and more.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ReportStatusEnum": "cocity.needs.models.Status",
        "ReportPinKindEnum": "cocity.needs.map.PIN_KIND_KEYS",
        "KindEnum": "cocity.core.models.Area.Kind",  # the areas' (its name before the pins')
        "StatementStatusEnum": "cocity.deliberation.models.Statement.Status",
        "InitiativeStageEnum": "cocity.cocreation.models.Stage",
    },
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

# --- Background tasks (django-tasks API) -----------------------------------------------------
TASK_BACKEND = env("COCITY_TASK_BACKEND", "database")  # database | immediate | dotted path
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
TASKS = {
    "default": {
        "BACKEND": _TASK_BACKENDS.get(TASK_BACKEND, TASK_BACKEND),
        "QUEUES": ["default"],
    }
}
#: /healthz fails when a task ready to run has waited longer than this (seconds)
HEALTH_TASK_MAX_AGE = int(env("COCITY_HEALTH_TASK_MAX_AGE", "300"))
# The Celery backend (COCITY_TASK_BACKEND=cocity.core.task_backends.CeleryBackend): one broker
# URL, read by the app servers (which enqueue) and by `celery -A cocity.celery_app worker`.
# Keep it in another Redis database than the cache (see docs/operations.md).
COCITY_CELERY_BROKER = env("COCITY_CELERY_BROKER") or REDIS_URL or "redis://127.0.0.1:6379/0"
# Seconds before a task a worker took but did not acknowledge (the worker died) is delivered
# again. Must exceed the longest task and the longest deferral (run_after) in use.
COCITY_CELERY_VISIBILITY_TIMEOUT = int(env("COCITY_CELERY_VISIBILITY_TIMEOUT", "300"))
# The built-in scheduler of periodic jobs (core/scheduling.py): `cocity serve` runs it unless
# COCITY_SCHEDULER=off (then run the jobs' commands from cron); it looks for due jobs every
# COCITY_SCHEDULER_TICK seconds; COCITY_SCHEDULE changes single jobs: "sensors-check=off,
# opendata-publish=04:15,invest-tick=10m" (off, a daily HH:MM, or seconds with s, m or h).
COCITY_SCHEDULER = env("COCITY_SCHEDULER", "on").strip().lower() not in {"off", "0", "false", "no"}
COCITY_SCHEDULER_TICK = max(1, int(env("COCITY_SCHEDULER_TICK", "30")))
COCITY_SCHEDULE = env("COCITY_SCHEDULE")

# --- cocity ----------------------------------------------------------------------------------
COCITY_NAME = env("COCITY_NAME", "Villaverde del Río")
# equity alerts: a district whose share of an open process's participants falls below this
# fraction of its share of residents (or is projected to by the close) raises an alert, once
# the process has at least COCITY_EQUITY_ALERT_MIN_PARTICIPANTS attributed participants
COCITY_EQUITY_ALERT_FRACTION = float(env("COCITY_EQUITY_ALERT_FRACTION", "0.5"))
COCITY_EQUITY_ALERT_MIN_PARTICIPANTS = int(env("COCITY_EQUITY_ALERT_MIN_PARTICIPANTS", "20"))
# a page finding the stored equity snapshot older than this queues a refresh (seconds)
COCITY_EQUITY_REFRESH_SECONDS = int(env("COCITY_EQUITY_REFRESH_SECONDS", "900"))
# the MQTT broker devices publish to (cocity mqtt-bridge; cocity serve starts it when set)
MQTT_URL = env("MQTT_URL")
MQTT_CLIENT_ID = env("MQTT_CLIENT_ID", "cocity-bridge")
# how the SMS gateway proves who it is: key (an Open311 key in X-Api-Key), twilio, hmac
COCITY_SMS_PROVIDER = env("COCITY_SMS_PROVIDER", "key")
if COCITY_SMS_PROVIDER not in {"key", "twilio", "hmac"}:
    raise ImproperlyConfigured("COCITY_SMS_PROVIDER is one of key, twilio, hmac.")
COCITY_SMS_SECRET = env("COCITY_SMS_SECRET")  # Twilio's auth token, or the HMAC secret
# how pledged money is collected: a class with request/collected/refund (docs/investment.md)
COCITY_PAYMENT_BACKEND = env("COCITY_PAYMENT_BACKEND", "cocity.investment.payments.OfflineBackend")
# Outgoing SMS (voting codes of participatory budgets): the dotted path of a backend class;
# the default writes each message to the log, like e-mail without SMTP.
COCITY_SMS_BACKEND = env("COCITY_SMS_BACKEND", "cocity.budgeting.sms.LogSmsBackend")
# The currency amounts are shown in (an ISO 4217 code such as EUR, USD, GBP).
COCITY_CURRENCY = env("COCITY_CURRENCY", "EUR").upper()
COCITY_TILE_URL = env("COCITY_TILE_URL")  # e.g. https://tiles.example.org/{z}/{x}/{y}.png
COCITY_TILE_ATTRIBUTION = env("COCITY_TILE_ATTRIBUTION", "")
# Scheme and host the site is reached at (e.g. https://participa.example.org): e-mails, sent by
# workers with no request to read the host from, carry links built on it. Required in production.
COCITY_BASE_URL = env("COCITY_BASE_URL", "" if PRODUCTION else "http://127.0.0.1:8000").rstrip("/")
# Open data (/open-data/): the H3 resolution reports are coarsened to, the smallest count a
# published cell may hold, the privacy budget of each weekly differentially private release, and
# the publisher's IRI in the catalogue (e.g. the city's DIR3 IRI at datos.gob.es)
COCITY_OPENDATA_H3_RESOLUTION = int(env("COCITY_OPENDATA_H3_RESOLUTION", "7"))
COCITY_OPENDATA_MIN_COUNT = int(env("COCITY_OPENDATA_MIN_COUNT", "10"))
COCITY_OPENDATA_EPSILON = float(env("COCITY_OPENDATA_EPSILON", "1.0"))
# how many releases of each dataset are kept: `cocity opendata publish` deletes older ones
COCITY_OPENDATA_KEEP_RELEASES = int(env("COCITY_OPENDATA_KEEP_RELEASES", "52"))
COCITY_OPENDATA_PUBLISHER = env(
    "COCITY_OPENDATA_PUBLISHER",
    "http://datos.gob.es/recurso/sector-publico/org/Organismo/L00000000",
)
if not 0 <= COCITY_OPENDATA_H3_RESOLUTION <= 9:
    raise ImproperlyConfigured("COCITY_OPENDATA_H3_RESOLUTION is 0 to 9 (reports are stored at 9).")
if COCITY_OPENDATA_MIN_COUNT < 1 or COCITY_OPENDATA_EPSILON <= 0:
    raise ImproperlyConfigured(
        "COCITY_OPENDATA_MIN_COUNT is at least 1, COCITY_OPENDATA_EPSILON > 0."
    )
if COCITY_OPENDATA_KEEP_RELEASES < 1:
    raise ImproperlyConfigured("COCITY_OPENDATA_KEEP_RELEASES is at least 1.")

# --- Security (check --deploy clean under COCITY_ENV=production) -----------------------------
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_SSL_REDIRECT = PRODUCTION and env_bool("COCITY_SSL_REDIRECT", True)
# Trust a proxy's header for "this request came over HTTPS" only when told that a proxy sets it
# (and strips it from clients): otherwise any client could claim HTTPS.
_PROXY_SSL_HEADER = env("COCITY_PROXY_SSL_HEADER")  # e.g. X-Forwarded-Proto
if _PROXY_SSL_HEADER:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _PROXY_SSL_HEADER.upper().replace("-", "_"), "https")
SECURE_HSTS_SECONDS = int(env("COCITY_HSTS_SECONDS", "31536000" if PRODUCTION else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): our own scripts, styles and images only, no inline
# script or style (templates carry none; style changes made by scripts through the CSSOM are
# allowed), no plugins, no framing, forms post only to us. Map tiles come from the tile server's
# origin when COCITY_TILE_URL names one.
_tile = urlsplit(COCITY_TILE_URL or "")
# Leaflet's {s} subdomains (a.tiles…, b.tiles…) become a wildcard host
_TILE_ORIGIN = f"{_tile.scheme}://{_tile.netloc.replace('{s}', '*')}" if _tile.netloc else ""
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *([_TILE_ORIGIN] if _TILE_ORIGIN else [])],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}
SILENCED_SYSTEM_CHECKS: list[str] = []

# --- Logging: one JSON object per line --------------------------------------------------------
LOG_LEVEL = env("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "cocity.core.logging.JsonFormatter"},
    },
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["stderr"], "level": LOG_LEVEL},
    "loggers": {
        "django.server": {"level": "WARNING"},
        "cocity.request": {"level": env("COCITY_REQUEST_LOG_LEVEL", "INFO")},
    },
}
