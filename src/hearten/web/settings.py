"""Django settings, all derived from :mod:`hearten.config`."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url

from hearten.config import load_settings
from hearten.files import keep_private

HEARTEN = load_settings()
PACKAGE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = HEARTEN.secret_key
DEBUG = HEARTEN.debug
ALLOWED_HOSTS = list(HEARTEN.allowed_hosts)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "hearten.trials",
    "hearten.messaging",
    "hearten.surveys",
    "hearten.interventions",
    "hearten.hr",
    "hearten.process",
    "hearten.analysis",
    "hearten.reports",
    "hearten.web",
    "hearten.web.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "hearten.web.twofactor.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "hearten.web.api.usage.AuditMiddleware",  # every use of an API token, audited
    "hearten.web.api.problems.JsonErrors",  # the API's errors as JSON, even Django's own
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",  # last: it turns a locked-out sign-in into a 429 page
]

ROOT_URLCONF = "hearten.web.urls"
WSGI_APPLICATION = "hearten.web.wsgi.application"

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
                "hearten.web.navigation.menu",
            ],
        },
    }
]


def _private_database_file(path: Path) -> Path:
    """The SQLite file, made mode 0600 before SQLite first opens it (its -wal and -shm files
    take the same mode); left as it is when this account may not change it."""
    try:
        return keep_private(path)
    except PermissionError:
        return path  # SQLite reports what this account can and cannot do with it


def _database() -> dict[str, Any]:
    if HEARTEN.database_url:
        # No per-request health check: it costs a round trip on every request (a fifth of
        # the survey pages' time under load, by py-spy); a connection broken by a database
        # restart fails one request and is then replaced.
        return dict(dj_database_url.parse(HEARTEN.database_url, conn_max_age=60))
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(_private_database_file(HEARTEN.sqlite_path)),
        # Keep each thread's connection between requests: opening one costs more than most
        # requests (the pragmas run on every open).
        "CONN_MAX_AGE": 60,
        "OPTIONS": {
            # WAL lets readers work while one writer writes; IMMEDIATE takes the write
            # lock at the start of a transaction so concurrent writers wait (up to the
            # timeout) instead of failing half-way.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
    }


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # zxcvbn's estimate of how guessable it is (repeats, keyboard runs, dates, common words,
    # the user's own details, the names below): "aaaaaaaaaaaa" passes the rules above alone.
    {"NAME": "django_zxcvbn_password_validator.ZxcvbnPasswordValidator"},
]
PASSWORD_MINIMAL_STRENGTH = 3  # of 0-4: "safely unguessable" by zxcvbn's measure
PASSWORD_EXTRA_DICTIONARY = ["hearten", "wellbeing", "recognition", "letters"]
# Argon2id (argon2-cffi) for new and changed passwords; PBKDF2 still reads older hashes and
# Django upgrades them at the next sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Sign-in throttling (django-axes): five failures for one username from one address lock that
# pair out for 15 minutes; every attempt is logged. Axes needs the request, so it is checked
# first and the model backend does the checking of the password.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The visitor's own address as the trusted HTTPS proxy reports it, so a stranger elsewhere
# cannot lock a user out (behind one proxy every connection comes from the proxy).
AXES_CLIENT_IP_CALLABLE = "hearten.web.proxy.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "hearten/locked_out.html"
AXES_VERBOSE = False

OTP_TOTP_ISSUER = "Hearten"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = HEARTEN.static_root
STATIC_ROOT.mkdir(exist_ok=True)  # `hearten serve` collects static files here
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_AGE = 8 * 60 * 60  # a working day
if HEARTEN.base_url.startswith("https://"):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_SSL_REDIRECT = False  # the TLS proxy in front redirects; see the deployment guide
# The scheme comes from the server (waitress or gunicorn), which believes X-Forwarded-Proto
# from HEARTEN_TRUSTED_PROXY alone (hearten.web.proxy); Django's SECURE_PROXY_SSL_HEADER is
# left unset because it would believe that header from anyone.
CSRF_TRUSTED_ORIGINS = [HEARTEN.base_origin]

# Content-Security-Policy (django-csp): only this site's own scripts, styles, images and
# forms; no inline script anywhere. The stored trial report embeds its stylesheet (it is a
# file that also works offline), so its view alone allows inline styles, never scripts.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}


# E-mail over SMTP (HEARTEN_SMTP_*), sent by `hearten worker` from the database task queue.
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = HEARTEN.smtp_host
EMAIL_PORT = HEARTEN.smtp_port
EMAIL_HOST_USER = HEARTEN.smtp_user
EMAIL_HOST_PASSWORD = HEARTEN.smtp_password
EMAIL_USE_TLS = HEARTEN.smtp_security == "starttls"
EMAIL_USE_SSL = HEARTEN.smtp_security == "ssl"
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = HEARTEN.mail_from
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
