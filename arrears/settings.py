"""arrears settings: one file, driven by the environment, with embedded defaults that work after checkout.

Every variable read here is listed with its default in README.md.
"""

import os
import sys
import warnings
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name, default):
    return os.getenv(name, default).strip().lower() in ("1", "true", "yes", "on")


def envint(name, default):
    return int(os.getenv(name, default))


def envfloat(name, default):
    return float(os.getenv(name, default))


def envlist(name, default):
    return [item.strip() for item in os.getenv(name, default).split(",") if item.strip()]


def secret(name, default=""):
    """A secret from NAME, or from the file named by NAME_FILE (container secrets)."""
    path = os.getenv(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return os.getenv(name, default)


DEVELOPMENT_SECRET = "arrears-development-secret-do-not-use-in-production"  # noqa: S105 - warned about below

DEBUG = envbool("DEBUG", "false")
SECRET_KEY = secret("SECRET_KEY", DEVELOPMENT_SECRET)
# Key material for national IDs at rest (AES-GCM) and their lookup hashes (HMAC); derived from
# SECRET_KEY when not set, so a demo works, but production sets its own and keeps it stable.
DATA_ENCRYPTION_KEY = secret("DATA_ENCRYPTION_KEY", "")
TESTING = "pytest" in sys.modules or envbool("ARREARS_TESTING", "false")

if SECRET_KEY == DEVELOPMENT_SECRET and not TESTING:
    warnings.warn(
        "arrears is running with the development SECRET_KEY: set SECRET_KEY (or SECRET_KEY_FILE) "
        "before any real data goes in.",
        stacklevel=1,
    )

DATA_DIR = Path(os.getenv("ARREARS_DATA_DIR", BASE_DIR / "var"))
DATA_DIR.mkdir(parents=True, exist_ok=True)

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")
SITE_ROOT = os.getenv("SITE_ROOT", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "huey.contrib.djhuey",
    "arrears.core",
    "arrears.portfolio",
    "arrears.ledger",
    "arrears.payments",
    "arrears.imports",
    "arrears.api",
    "arrears.webhooks",
    "arrears.arrangements",
    "arrears.portal",
    "arrears.disputes",
    "arrears.analytics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "arrears.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "arrears.api.middleware.ApiCallAuditMiddleware",
    "arrears.core.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "arrears.urls"
WSGI_APPLICATION = "arrears.wsgi.application"
AUTH_USER_MODEL = "core.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "arrears" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: embedded SQLite by default, PostgreSQL (or any dj-database-url URL) via DATABASE_URL.
DATABASE_URL = os.getenv("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=envint("DB_CONN_MAX_AGE", "60"))}
    DATABASES["default"]["TEST"] = {"NAME": os.getenv("TEST_DATABASE_NAME") or None}
    if DATABASES["default"]["ENGINE"].endswith("postgresql"):
        # Parameters bound by the server, and statements prepared once per connection after a few uses:
        # the hot paths (payments, placements) then skip parsing and planning on every call.
        options = DATABASES["default"].setdefault("OPTIONS", {})
        options["server_side_binding"] = envbool("DB_SERVER_SIDE_BINDING", "true")
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.getenv("SQLITE_PATH", str(DATA_DIR / "arrears.sqlite3")),
            "OPTIONS": {
                # IMMEDIATE takes the write lock at BEGIN, so concurrent writers queue on the busy
                # timeout instead of failing with "database is locked" on lock upgrade.
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA foreign_keys=ON; PRAGMA cache_size=-64000;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background work: Django's task API with Huey as the engine. SQLite queue by default (kept apart
# from the application database), Redis when REDIS_URL is set; inline in tests.
REDIS_URL = os.getenv("REDIS_URL", "")
HUEY_IMMEDIATE = envbool("HUEY_IMMEDIATE", "true" if TESTING else "false")
if REDIS_URL:
    # Every task leaves a record of its state (Django's task API); on Redis they expire, or the
    # queue's memory would grow with every payment's webhook.
    HUEY = {"huey_class": "huey.RedisExpireHuey", "name": "arrears", "url": REDIS_URL, "immediate": HUEY_IMMEDIATE,
            "expire_time": envint("TASK_RECORDS_KEEP_SECONDS", "86400")}
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "arrears",
        "filename": os.getenv("HUEY_SQLITE_PATH", str(DATA_DIR / "huey.sqlite3")),
        "immediate": HUEY_IMMEDIATE,
    }
HUEY["consumer"] = {"workers": envint("WORKER_THREADS", "2"), "worker_type": "thread"}
TASKS = {
    "default": {
        "BACKEND": "huey.contrib.djhuey.tasks_backend.HueyBackend",
        "OPTIONS": {"enqueue_on_commit": True},
    },
    # The same queue, enqueueing at once: for work that must be queued before its transaction
    # commits (the event dispatcher hands out events it is claiming).
    "now": {"BACKEND": "huey.contrib.djhuey.tasks_backend.HueyBackend", "OPTIONS": {"enqueue_on_commit": False}},
}

# How long the domain-event dispatcher gathers commits before handing them to subscribers (seconds):
# the delay an event may wait, against one task per window instead of one per transaction.
EVENT_DISPATCH_WINDOW_SECONDS = envfloat("EVENT_DISPATCH_WINDOW_SECONDS", "0" if TESTING else "0.2")

# The shared cache counts API calls per key for rate limits: Redis in production, so every web
# process counts together; files next to the database for the demo; memory in tests.
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "arrears.core.redis_cache.ArrearsRedisCache", "LOCATION": REDIS_URL,
                          "KEY_PREFIX": "arrears"}}
    # Sessions are read on every page and written seldom: read from Redis, kept in the database too so
    # that a Redis restart signs nobody out.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
elif TESTING:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                          "LOCATION": str(DATA_DIR / "cache")}}

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Argon2 stays the production hasher; tests create many users and need not pay for it.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Languages of the product; the debtor's preferred language picks theirs.
LANGUAGE_CODE = os.getenv("LANGUAGE_CODE", "en")
LANGUAGES = [
    ("en", _("English")),
    ("el", _("Greek")),
    ("pl", _("Polish")),
    ("es", _("Spanish")),
    ("ru", _("Russian")),
]
LOCALE_PATHS = [BASE_DIR / "arrears" / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"  # stored and computed in UTC; shown in the viewer's or debtor's zone
# The collections business day is taken in this zone (nightly DPD, buckets, promise checks).
BUSINESS_TIME_ZONE = os.getenv("BUSINESS_TIME_ZONE", "Europe/Athens")
# Fixes the business date (YYYY-MM-DD) for demos and reproducible runs; empty means today.
BUSINESS_DATE = os.getenv("BUSINESS_DATE", "")

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.getenv("STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# E-mail goes to the console unless EMAIL_HOST names an SMTP server.
if os.getenv("EMAIL_HOST"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.getenv("EMAIL_HOST"),
                "port": envint("EMAIL_PORT", "25"),
                "username": os.getenv("EMAIL_HOST_USER", ""),
                "password": secret("EMAIL_HOST_PASSWORD", ""),
                "use_tls": envbool("EMAIL_USE_TLS", "false"),
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
# The debtor portal: the servicer's name on every page, and how long a debtor's session lives idle.
PORTAL_BRAND_NAME = os.getenv("PORTAL_BRAND_NAME", "arrears")
PORTAL_IDLE_SECONDS = envint("PORTAL_IDLE_SECONDS", "900")

# Online payment: "test" is the local test provider (no real money; the demo and tests), "stripe" the real one.
# The test provider is the default only with the development key: a real installation that forgot to choose
# must not let debtors "pay" with test cards.
PAYMENT_PROVIDER = os.getenv("PAYMENT_PROVIDER", "test" if SECRET_KEY == DEVELOPMENT_SECRET else "stripe")
STRIPE_SECRET_KEY = secret("STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = secret("STRIPE_WEBHOOK_SECRET", "")
STRIPE_PUBLISHABLE_KEY = os.getenv("STRIPE_PUBLISHABLE_KEY", "")  # public by design: Stripe.js in the browser
TEST_PSP_SECRET = secret("TEST_PSP_SECRET", "")

# Text messages: "console" logs them until an SMS channel is configured; tests keep them in memory.
SMS_BACKEND = os.getenv("SMS_BACKEND", "locmem" if TESTING else "console")
DEFAULT_FROM_EMAIL = os.getenv("DEFAULT_FROM_EMAIL", "arrears <noreply@localhost>")

# Security headers. CSP is Django's own; nothing inline, everything vendored and same-origin.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", "false")
# Behind a proxy that ends HTTPS and says so in X-Forwarded-Proto: addresses the portal gives out (such as
# the card provider's return address) must then start with https.
if envbool("BEHIND_HTTPS_PROXY", "false"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", str(8 * 3600))
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.getenv("LOG_LEVEL", "INFO")},
    # The worker (run_huey) attaches its own handler to "huey"; propagating too would print each line twice.
    "loggers": {"huey": {"level": "INFO", "propagate": False}},
}
