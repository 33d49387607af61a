"""Imprint's settings, read from the environment.

Unset, everything runs embedded: SQLite, the database cache, files under media/,
e-mails printed to the console and tasks run at once. The README lists every
variable an operator can set for production.
"""

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item]


DEBUG = env_bool("DJANGO_DEBUG")
SECRET_KEY = os.environ.get(
    "DJANGO_SECRET_KEY", "django-insecure-imprint-development-key-do-not-deploy"
)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
# Set in production: cookies only over HTTPS, HSTS, redirect to HTTPS.
SECURE = env_bool(
    "DJANGO_SECURE", default=not DEBUG and "DJANGO_SECRET_KEY" in os.environ
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "taggit",
    "django_prose_editor",
    "axes",
    "django_tasks_db",
    "publication",
    "authors",
    "regions",
    "themes",
    "articles",
    "editorial",
    "api",
    "reprints",
    "imports",
]

# The header middleware comes before WhiteNoise, so static files and every error
# page (even one raised by the middleware below) carry the security headers.
# Scheduled changes are applied before the page cache answers (a page due to
# change changes first); the page cache answers before anything reads the
# session or the user, and its pages get the security headers (and a CSP with
# no nonce: public pages need none).
# The request checks come before SessionMiddleware (a NUL in the session
# cookie would reach the session query) and before CsrfViewMiddleware (the
# first to read a form body).
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "editorial.middleware.ApplyDueChangesMiddleware",
    "publication.caching.PageCacheMiddleware",
    "django.middleware.common.CommonMiddleware",
    "api.middleware.ApiMiddleware",
    "publication.middleware.RejectNulBytesMiddleware",
    "publication.middleware.RejectUndecodableFormsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "axes.middleware.AxesMiddleware",
    "imports.middleware.WordPressAddressMiddleware",
]

ROOT_URLCONF = "publication.urls"
WSGI_APPLICATION = "publication.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "publication.context_processors.publication",
            ],
        },
    },
]

# Database: SQLite in the project unless DATABASE_URL names another.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers go on while one writer writes; IMMEDIATE transactions take
    # the write lock up front, so a busy database waits (timeout) instead of
    # failing with "database is locked" halfway through a transaction.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
# The test suite's database (default: the database's name after "test_").
if os.environ.get("DATABASE_TEST_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["DATABASE_TEST_NAME"]}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: Redis when configured, else the database, which every process shares.
REDIS_URL = os.environ.get("CACHE_URL") or os.environ.get("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "publication.cache_backends.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "imprint",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "imprint_cache",
            # Django's 300 would keep evicting the keys' versions and the
            # shared lists a page reads (each set counts the table, so not
            # unbounded either).
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }
# The read API's per-client counters: Redis when there is one (every process
# shares them); otherwise each process counts its own, in memory, rather than
# costing every API request database queries.
CACHES["api_limits"] = (
    {**CACHES["default"], "KEY_PREFIX": "imprint-api"}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
)
# Public pages for anonymous readers (publication.caching): checked against
# the versions of what they show on every hit, so they may be kept long. With
# Redis, the default cache itself (every process shares the pages, and a hit
# reads a page with its keys' versions in one round trip); otherwise each
# process keeps its own, in memory, rather than writing the database on every
# miss.
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "3600"))  # 0: off
PAGE_CACHE_IGNORED_COOKIES = env_list("PAGE_CACHE_IGNORED_COOKIES")
CACHES["pages"] = (
    dict(CACHES["default"])
    if REDIS_URL
    else {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "imprint-pages",
        "OPTIONS": {"MAX_ENTRIES": 500},
    }
)
# How long browsers, CDNs and Varnish may keep a public page for anonymous
# readers without asking again.
PUBLIC_MAX_AGE = int(os.environ.get("PUBLIC_MAX_AGE", "300"))
SESSION_ENGINE = "django.contrib.sessions.backends.db"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# django-axes: lock a client and user name pair out after 5 failed logins.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_LOCKOUT_PARAMETERS = [["ip_address", "username"]]
AXES_COOLOFF_TIME = 1  # hours
AXES_RESET_ON_SUCCESS = True
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
AXES_USERNAME_CALLABLE = "publication.logins.axes_username"
# Where a login lands when its "next" is missing or refused as unsafe.
LOGIN_REDIRECT_URL = "admin:index"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English"))]
# The publication's time zone: editors see and enter times in it; the database
# stores UTC.
TIME_ZONE = os.environ.get("IMPRINT_TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = os.environ.get("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_STORAGE = os.environ.get("MEDIA_STORAGE", "filesystem")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Tests and a fresh checkout run without collectstatic: unhashed names then.
WHITENOISE_MANIFEST_STRICT = False
if MEDIA_STORAGE == "s3":
    if not os.environ.get("AWS_STORAGE_BUCKET_NAME"):
        raise ImproperlyConfigured("MEDIA_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME.")
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["AWS_STORAGE_BUCKET_NAME"],
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "custom_domain": os.environ.get("AWS_S3_CUSTOM_DOMAIN") or None,
            "default_acl": None,
            "querystring_auth": False,
            "file_overwrite": False,
        },
    }
# WordPress exports uploaded in the admin: never in the public media storage.
STORAGES["imports"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {
        "location": os.environ.get("IMPRINT_IMPORTS_DIR")
        or BASE_DIR / "var" / "imports"
    },
}
IMPORT_MAX_BYTES = int(os.environ.get("IMPRINT_IMPORT_MAX_BYTES", 1024**3))
# Images an import downloads: per file, and how long to wait for each.
IMPORT_DOWNLOAD_TIMEOUT = float(os.environ.get("IMPRINT_IMPORT_DOWNLOAD_TIMEOUT", 15))
# The embedded default serves uploaded files itself; behind a web server or with
# object storage, they are served from elsewhere.
SERVE_MEDIA = env_bool("IMPRINT_SERVE_MEDIA", default=MEDIA_STORAGE == "filesystem")
# Uploads: larger files are refused with the limit named.
IMAGE_MAX_BYTES = int(os.environ.get("IMPRINT_IMAGE_MAX_BYTES", 10 * 1024 * 1024))
IMAGE_MAX_PIXELS = int(os.environ.get("IMPRINT_IMAGE_MAX_PIXELS", 40_000_000))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024


def mailers_from_url(url):
    """MAILERS["default"] for smtp://user:password@host:port?tls=1 (or ssl=1)."""
    parts = urlsplit(url)
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    return {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": parts.hostname or "localhost",
            "port": parts.port or (465 if parts.scheme == "smtps" else 25),
            "username": unquote(parts.username or ""),
            "password": unquote(parts.password or ""),
            "use_tls": query.get("tls") in {"1", "true"},
            "use_ssl": parts.scheme == "smtps" or query.get("ssl") in {"1", "true"},
            "timeout": 20,
        },
    }


if os.environ.get("EMAIL_URL"):
    MAILERS = {"default": mailers_from_url(os.environ["EMAIL_URL"])}
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Imprint <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Tasks: run at once in the embedded default; production queues them in the
# database and runs `manage.py db_worker`.
if os.environ.get("TASKS_BACKEND", "immediate") == "database":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
else:
    TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}

# Varnish in front (deploy/varnish/): each Varnish to purge when something
# changes, comma-separated (every Varnish on every host); unset, none is purged.
VARNISH_URLS = env_list("VARNISH_URLS")
# "soft" keeps the purged pages as stale copies Varnish serves only while Django
# is down; "hard" drops them.
VARNISH_PURGE = os.environ.get("VARNISH_PURGE", "soft")
if VARNISH_PURGE not in {"soft", "hard"}:
    raise ImproperlyConfigured("VARNISH_PURGE must be soft or hard.")

# Security headers on every response.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    # The hash is the base stylesheet django-prose-editor's bundle (Tiptap) injects;
    # a browser test fails if an upgrade changes it.
    "style-src": [
        CSP.SELF,
        CSP.NONCE,
        "'sha256-PlumsSlvJ7vvWzjqibGAYKq92O3y/4JTxWWsWJvyUYA='",
    ],
    "img-src": [CSP.SELF, "data:", "blob:"]
    + (
        [f"https://{os.environ['AWS_S3_CUSTOM_DOMAIN']}"]
        if os.environ.get("AWS_S3_CUSTOM_DOMAIN")
        else []
    )
    + (
        ["https:"]
        if MEDIA_STORAGE == "s3" and not os.environ.get("AWS_S3_CUSTOM_DOMAIN")
        else []
    ),
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
# No script reads the CSRF cookie (forms carry the token; neither the admin's
# JavaScript nor django-prose-editor's reads it), so scripts may not.
CSRF_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = SECURE and env_bool("DJANGO_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = int(
    os.environ.get("DJANGO_HSTS_SECONDS", 31536000 if SECURE else 0)
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
if env_bool("DJANGO_BEHIND_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Errors go to stderr with the request path (django.request logs it).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "formatter": "plain",
        },
    },
    "root": {"handlers": ["stderr"], "level": "WARNING"},
    "loggers": {
        "django": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "imprint": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}

# Reprint and contact forms: limits per client address and for everyone.
# Per client (an IPv4 address or an IPv6 /64), in sliding windows.
REPRINT_RATE_PER_10_MIN = int(os.environ.get("REPRINT_RATE_PER_10_MIN", "5"))
REPRINT_RATE_PER_DAY = int(os.environ.get("REPRINT_RATE_PER_DAY", "20"))
# Not a limit: above this many submissions of a form in the last hour, from
# everyone, new ones are still taken but held for review, and the editors get
# one digest an hour instead of one e-mail each.
REPRINT_RATE_GLOBAL_PER_HOUR = int(
    os.environ.get("REPRINT_RATE_GLOBAL_PER_HOUR", "300")
)
REPRINT_MIN_FILL_SECONDS = int(os.environ.get("REPRINT_MIN_FILL_SECONDS", "3"))
# How many proxies in front append to X-Forwarded-For (0: use REMOTE_ADDR).
REPRINT_TRUSTED_PROXIES = int(os.environ.get("REPRINT_TRUSTED_PROXIES", "0"))
# Requests per minute one client may make to the read API (0: no limit).
API_RATE_PER_MINUTE = int(os.environ.get("API_RATE_PER_MINUTE", "300"))

# The publication itself, until an editor fills in its identity in the admin.
PUBLICATION_NAME = os.environ.get("IMPRINT_PUBLICATION_NAME", "Imprint Review")
SITE_URL = os.environ.get("IMPRINT_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

TAGGIT_CASE_INSENSITIVE = True
# Tag addresses are /tags/<slug>/ with an ASCII slug: "Été" becomes "ete".
TAGGIT_STRIP_UNICODE_WHEN_SLUGIFYING = True
