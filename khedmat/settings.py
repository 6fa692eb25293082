"""Khedmat settings: one file, everything read from the environment (see .env.example)."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from khedmat.config import (
    ConfigError,
    cache_from_url,
    database_from_url,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_str,
    file_storage,
    session_engine,
    task_backend,
)

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = Path(env_str("KHEDMAT_HOME", str(Path.cwd())) or ".").resolve()
VAR_DIR = BASE_DIR / "var"

DEBUG = env_bool("KHEDMAT_DEBUG", False)

SECRET_KEY = env_str("KHEDMAT_SECRET_KEY") or ""
if not SECRET_KEY:
    if not DEBUG:
        raise ConfigError(
            "KHEDMAT_SECRET_KEY is not set; set it to a long random string (or KHEDMAT_DEBUG=1 "
            "for development)."
        )
    SECRET_KEY = "insecure-development-key-only-for-KHEDMAT_DEBUG"  # noqa: S105

# Keys sealing personal data at rest (khedmat.core.crypto): "id:base64 of 32 bytes", comma-separated,
# the first seals and all open (rotation: put the new key first, run `khedmat rotate_data_keys`).
# Unset: one key derived from the secret key (`check --deploy` warns outside debug).
KHEDMAT_DATA_KEYS = env_list("KHEDMAT_DATA_KEYS")
# Key of the blind indexes (keyed digests that find sealed national codes and mobiles); base64 of
# 32 bytes. Unset: derived from the secret key. Changing it means rebuilding the indexes.
KHEDMAT_BLIND_INDEX_KEY = env_str("KHEDMAT_BLIND_INDEX_KEY") or ""
# Key of the backup archives (khedmat backup / restore): base64 of 32 bytes, kept apart from the
# database and its backups. Unset: derived from the secret key (`check --deploy` warns).
KHEDMAT_BACKUP_KEY = env_str("KHEDMAT_BACKUP_KEY") or ""
# pg_dump and pg_restore for backups of a PostgreSQL database (default: found on PATH).
KHEDMAT_PG_DUMP = env_str("KHEDMAT_PG_DUMP") or ""
KHEDMAT_PG_RESTORE = env_str("KHEDMAT_PG_RESTORE") or ""

ALLOWED_HOSTS = env_list("KHEDMAT_ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    if not DEBUG:
        raise ConfigError(
            "KHEDMAT_ALLOWED_HOSTS is not set; list the host names this site answers to, "
            "comma-separated."
        )
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
CSRF_TRUSTED_ORIGINS = env_list("KHEDMAT_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",  # serves the API docs' Swagger UI from static files, not a CDN
    "django_otp",
    "khedmat.site.apps.AuthenticatorDevicesConfig",
    "django_tasks",
    "khedmat.site.apps.TasksDatabaseConfig",
    "khedmat.core",
    "khedmat.jobs",  # first of ours: its tick handlers (task recovery) run before the others
    "khedmat.accounts",
    "khedmat.calendars",
    "khedmat.sla",
    "khedmat.notifications",
    "khedmat.integrations",
    "khedmat.catalog",
    "khedmat.tickets",
    "khedmat.processes",
    "khedmat.surveys",
    "khedmat.search",
    "khedmat.knowledge",
    "khedmat.complaints",
    "khedmat.cmdb",
    "khedmat.changes",
    "khedmat.itsm",
    "khedmat.reports",
    "khedmat.retention",
    "khedmat.desk",
    "khedmat.portal",
    "khedmat.site",
]

# Django's ModelBackend, the signed-in user's row read by SQL compiled once per process.
AUTHENTICATION_BACKENDS = ["khedmat.accounts.backends.AccountBackend"]

MIDDLEWARE = [
    # first: X-Forwarded-Proto counts only from a trusted proxy (KHEDMAT_TRUSTED_PROXIES)
    "khedmat.core.middleware.TrustedProxyProtoMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "khedmat.core.middleware.PrivatePagesNoStoreMiddleware",
    "khedmat.core.middleware.LoginRequiredMiddleware",
    "khedmat.accounts.middleware.StaffSecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "khedmat.core.middleware.SessionTimeoutMiddleware",
    "khedmat.core.security.StaffAccessMiddleware",  # after the timeout: a live session's staff
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "khedmat.core.security.PermissionsPolicyMiddleware",
    "khedmat.core.security.ApiContentTypeMiddleware",
]

ROOT_URLCONF = "khedmat.urls"
WSGI_APPLICATION = "khedmat.wsgi.application"
ASGI_APPLICATION = "khedmat.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "khedmat.core.context_processors.locale",
            ],
            "builtins": ["khedmat.core.templatetags.khedmat"],
        },
    }
]

DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'khedmat.sqlite3'}") or ""
# PostgreSQL plans a repeated query once per connection (server-side binding and prepared
# statements). Turn off behind PgBouncer older than 1.21 in transaction mode.
KHEDMAT_DB_PREPARED_STATEMENTS = env_bool("KHEDMAT_DB_PREPARED_STATEMENTS", True)
# PostgreSQL: a kept connection that connected or passed a check less than this many seconds ago
# is used without the `SELECT 1` Django sends before each request (khedmat.core.dbbackend);
# 0 checks before every request.
KHEDMAT_DB_CHECK_SECONDS = env_int("KHEDMAT_DB_CHECK_SECONDS", 10, minimum=0)
DATABASES = {
    "default": database_from_url(DATABASE_URL, prepared_statements=KHEDMAT_DB_PREPARED_STATEMENTS)
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:home"
# Staff passwords (applicants log in by SMS code), ASVS 2.1: 12 to 128 characters (runs of spaces
# count as one), not like the user's name or e-mail, not one of 20,000 common passwords, not in a
# breach corpus; no composition rules (no "must contain a digit"), no expiry.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "khedmat.accounts.passwords.LengthValidator",
        "OPTIONS": {"min_length": 12, "max_length": 128},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "khedmat.accounts.passwords.BreachedPasswordValidator"},
]
# The breached-password check (khedmat.accounts.passwords): a Pwned-Passwords-style range API,
# asked with only the first five hex digits of the password's SHA-1 (k-anonymity). Empty: off
# (the common-password list still applies). Unreachable: the password is accepted and a warning
# logged. E.g. https://api.pwnedpasswords.com/range/
KHEDMAT_BREACHED_PASSWORD_URL = env_str("KHEDMAT_BREACHED_PASSWORD_URL", "") or ""
KHEDMAT_BREACHED_PASSWORD_TIMEOUT = env_int("KHEDMAT_BREACHED_PASSWORD_TIMEOUT", 3, minimum=1)
# Staff second factor: "required" (default), or "optional" (demo only: staff may enrol).
KHEDMAT_STAFF_2FA = env_choice("KHEDMAT_STAFF_2FA", "required", {"required", "optional"})
# Hours an administrator's authenticator enrolment link stays valid (it is used once).
KHEDMAT_STAFF_2FA_LINK_HOURS = env_int("KHEDMAT_STAFF_2FA_LINK_HOURS", 48, minimum=1)
# Lockout after this many failed logins for one account (or one address) within the window.
KHEDMAT_LOGIN_MAX_FAILURES = env_int("KHEDMAT_LOGIN_MAX_FAILURES", 5, minimum=1)
KHEDMAT_LOGIN_LOCKOUT_MINUTES = env_int("KHEDMAT_LOGIN_LOCKOUT_MINUTES", 15, minimum=1)
# Proxies in front of the app (nginx = 1); the client address is then read from X-Forwarded-For.
KHEDMAT_TRUSTED_PROXY_COUNT = env_int("KHEDMAT_TRUSTED_PROXY_COUNT", 0, minimum=0)
# Applicant login by SMS code (khedmat.accounts.otp): a code lives this many seconds and dies
# after this many wrong tries; at most one code per mobile per RESEND seconds, and per hour at most
# PER_MOBILE_HOUR codes to one mobile and PER_IP_HOUR codes asked from one address.
KHEDMAT_OTP_TTL_SECONDS = env_int("KHEDMAT_OTP_TTL_SECONDS", 120, minimum=30)
KHEDMAT_OTP_MAX_ATTEMPTS = env_int("KHEDMAT_OTP_MAX_ATTEMPTS", 5, minimum=1)
KHEDMAT_OTP_RESEND_SECONDS = env_int("KHEDMAT_OTP_RESEND_SECONDS", 60, minimum=0)
KHEDMAT_OTP_PER_MOBILE_HOUR = env_int("KHEDMAT_OTP_PER_MOBILE_HOUR", 5, minimum=1)
KHEDMAT_OTP_PER_IP_HOUR = env_int("KHEDMAT_OTP_PER_IP_HOUR", 20, minimum=1)
# The whole site's budget of login-code SMS (however many addresses ask), per minute and per hour;
# past it codes are refused with "the service is busy". And the wrong codes one mobile may enter
# in any 24 hours (over all its codes) before logging in by code pauses for that mobile.
KHEDMAT_OTP_SITE_PER_MINUTE = env_int("KHEDMAT_OTP_SITE_PER_MINUTE", 60, minimum=1)
KHEDMAT_OTP_SITE_PER_HOUR = env_int("KHEDMAT_OTP_SITE_PER_HOUR", 1000, minimum=1)
KHEDMAT_OTP_WRONG_PER_MOBILE_DAY = env_int("KHEDMAT_OTP_WRONG_PER_MOBILE_DAY", 10, minimum=1)
OTP_TOTP_ISSUER = env_str("KHEDMAT_SITE_NAME", "Khedmat")

# Languages, direction, digits, dates.
LANGUAGE_CODE = "fa"
LANGUAGES = [("fa", _("Persian")), ("ar", _("Arabic")), ("en", _("English"))]
LANGUAGES_BIDI = ["fa", "ar"]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env_str("KHEDMAT_TIME_ZONE", "Asia/Tehran") or "Asia/Tehran"
LANGUAGE_COOKIE_NAME = "khedmat_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
# Digits shown per language: "native" (Persian digits for fa, Arabic-Indic for ar) or "latin".
KHEDMAT_DIGITS_FA = env_choice("KHEDMAT_DIGITS_FA", "native", {"native", "latin"})
KHEDMAT_DIGITS_AR = env_choice("KHEDMAT_DIGITS_AR", "native", {"native", "latin"})

STATIC_URL = "/static/"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATIC_ROOT = Path(env_str("KHEDMAT_STATIC_ROOT", str(VAR_DIR / "static")) or "")
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("KHEDMAT_MEDIA_ROOT", str(VAR_DIR / "media")) or "")
# Uploads: any Django storage. KHEDMAT_FILE_STORAGE is a class path, `filesystem` (the default,
# MEDIA_ROOT: share it between servers) or `s3` (django-storages, any S3-compatible store), with
# KHEDMAT_FILE_STORAGE_OPTIONS (JSON) and the secrets KHEDMAT_FILE_STORAGE_ACCESS_KEY/_SECRET_KEY.
STORAGES = {
    "default": file_storage(
        env_str("KHEDMAT_FILE_STORAGE"), env_str("KHEDMAT_FILE_STORAGE_OPTIONS")
    ),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
    # The audit trail's anchors (khedmat.core.audit): the chain head, written away from the
    # database. `filesystem` in KHEDMAT_AUDIT_ANCHOR_DIR (put it on another machine or mount),
    # or `s3` with KHEDMAT_AUDIT_ANCHOR_STORAGE_OPTIONS and _ACCESS_KEY/_SECRET_KEY.
    "audit_anchors": file_storage(
        env_str("KHEDMAT_AUDIT_ANCHOR_STORAGE"),
        env_str("KHEDMAT_AUDIT_ANCHOR_STORAGE_OPTIONS"),
        prefix="KHEDMAT_AUDIT_ANCHOR_STORAGE",
        defaults={
            "location": env_str("KHEDMAT_AUDIT_ANCHOR_DIR", str(VAR_DIR / "audit-anchors")),
            "file_permissions_mode": 0o640,
        },
    ),
}
# The audit trail: the sealer chains new Activity rows every minute and writes the chain head
# to the anchor store at most every ANCHOR_MINUTES; verify_audit reports rows left unsealed for
# longer than UNSEALED_MINUTES (a stalled sealer).
KHEDMAT_AUDIT_ANCHOR_MINUTES = env_int("KHEDMAT_AUDIT_ANCHOR_MINUTES", 60, minimum=1)
KHEDMAT_AUDIT_UNSEALED_MINUTES = env_int("KHEDMAT_AUDIT_UNSEALED_MINUTES", 10, minimum=1)
# Staff opening a record's personal data: `off` records who and when; `unassigned` first asks
# for a reason when the request or incident is not assigned to them or their team.
KHEDMAT_ACCESS_REASON = env_choice("KHEDMAT_ACCESS_REASON", "off", {"off", "unassigned"})
WHITENOISE_USE_FINDERS = DEBUG
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 10_485_760

# Jobs: the Django Tasks API; django-tasks-db keeps tasks in the same database, so enqueueing is
# part of the business transaction (`khedmat worker` runs them). For several machines,
# KHEDMAT_TASK_BACKEND=celery (khedmat.jobs.celery_backend.CeleryBackend): the same task rows,
# published to RabbitMQ at KHEDMAT_BROKER_URL after the commit and run by `khedmat celery_worker`.
KHEDMAT_BROKER_URL = env_str("KHEDMAT_BROKER_URL", "") or ""
TASKS = {
    "default": {
        "BACKEND": task_backend(env_str("KHEDMAT_TASK_BACKEND"), broker_url=KHEDMAT_BROKER_URL),
        "QUEUES": ["default"],
    }
}
# Broker backend: a task still waiting this long after it was due is published again (its message
# was lost: a crash between the commit and the publish, or the broker was down), at most once per
# period; a delay longer than the countdown cap is reached in hops (RabbitMQ's consumer timeout).
KHEDMAT_BROKER_REPUBLISH_SECONDS = env_int("KHEDMAT_BROKER_REPUBLISH_SECONDS", 120, minimum=30)
KHEDMAT_BROKER_MAX_COUNTDOWN_SECONDS = env_int(
    "KHEDMAT_BROKER_MAX_COUNTDOWN_SECONDS", 900, minimum=1
)
# RabbitMQ queues are named <prefix><Tasks queue> ("khedmat.default"): sites sharing a virtual
# host give each its own prefix.
KHEDMAT_BROKER_QUEUE_PREFIX = env_str("KHEDMAT_BROKER_QUEUE_PREFIX", "khedmat.") or "khedmat."
KHEDMAT_TASK_MAX_ATTEMPTS = env_int("KHEDMAT_TASK_MAX_ATTEMPTS", 6, minimum=1)
KHEDMAT_TASK_BACKOFF_SECONDS = env_int("KHEDMAT_TASK_BACKOFF_SECONDS", 30, minimum=1)
KHEDMAT_TASK_RETENTION_DAYS = env_int("KHEDMAT_TASK_RETENTION_DAYS", 14, minimum=1)
KHEDMAT_WORKER_STALE_SECONDS = env_int("KHEDMAT_WORKER_STALE_SECONDS", 120, minimum=10)
KHEDMAT_WORKER_HEARTBEAT_SECONDS = env_int("KHEDMAT_WORKER_HEARTBEAT_SECONDS", 15, minimum=1)
KHEDMAT_TASK_BACKOFF_MAX_SECONDS = env_int("KHEDMAT_TASK_BACKOFF_MAX_SECONDS", 3600, minimum=1)

# --- Retention and destruction (khedmat.retention) -----------------------------------------------
# The local hour (0-23) from which the daily destruction run starts; records per batch (one
# transaction each).
KHEDMAT_RETENTION_HOUR = env_int("KHEDMAT_RETENTION_HOUR", 2, minimum=0)
if KHEDMAT_RETENTION_HOUR > 23:
    raise ConfigError(f"KHEDMAT_RETENTION_HOUR={KHEDMAT_RETENTION_HOUR} must be at most 23.")
KHEDMAT_RETENTION_BATCH = env_int("KHEDMAT_RETENTION_BATCH", 200, minimum=1)

# --- SMS providers (khedmat.notifications.providers) ---------------------------------------------
KHEDMAT_SMS_BACKEND = env_str("KHEDMAT_SMS_BACKEND", "console") or "console"
_SMS_PROVIDER_NAMES = ("kavenegar", "ghasedak", "ippanel", "magfa", "smsir", "console", "file")
# console and file write every message, codes included, on this host and report it delivered: outside
# debug the system check refuses them unless this is set (the demo sets it).
KHEDMAT_SMS_ALLOW_LOCAL_BACKENDS = env_bool("KHEDMAT_SMS_ALLOW_LOCAL_BACKENDS", False)
# Providers in failover order: for transactional messages, and for one-time passwords.
KHEDMAT_SMS_PROVIDERS = env_list("KHEDMAT_SMS_PROVIDERS", [KHEDMAT_SMS_BACKEND])
KHEDMAT_SMS_OTP_PROVIDERS = env_list("KHEDMAT_SMS_OTP_PROVIDERS", KHEDMAT_SMS_PROVIDERS)
for _sms_name in (KHEDMAT_SMS_BACKEND, *KHEDMAT_SMS_PROVIDERS, *KHEDMAT_SMS_OTP_PROVIDERS):
    if _sms_name not in _SMS_PROVIDER_NAMES:
        raise ConfigError(
            f"SMS provider {_sms_name!r} (KHEDMAT_SMS_BACKEND/PROVIDERS/OTP_PROVIDERS) is unknown; "
            f"use one of: {', '.join(_SMS_PROVIDER_NAMES)}."
        )


def _sms_provider_settings(name: str) -> dict[str, object]:
    """KHEDMAT_SMS_<NAME>_URL, _API_KEY, _SENDER, _USERNAME, _PASSWORD, _DOMAIN, _TIMEOUT."""
    prefix = f"KHEDMAT_SMS_{name.upper()}_"
    return {
        "url": env_str(prefix + "URL", "") or "",
        "api_key": env_str(prefix + "API_KEY", "") or "",
        "sender": env_str(prefix + "SENDER", "") or "",
        "username": env_str(prefix + "USERNAME", "") or "",
        "password": env_str(prefix + "PASSWORD", "") or "",
        "domain": env_str(prefix + "DOMAIN", "") or "",
        "timeout": env_int(prefix + "TIMEOUT", 10, minimum=1),
    }


KHEDMAT_SMS = {
    "providers": KHEDMAT_SMS_PROVIDERS,
    "otp_providers": KHEDMAT_SMS_OTP_PROVIDERS,
    "config": {name: _sms_provider_settings(name) for name in _SMS_PROVIDER_NAMES[:5]}
    | {
        "console": {},
        "file": {"path": env_str("KHEDMAT_SMS_FILE_PATH", str(VAR_DIR / "sms" / "outbox.jsonl"))},
    },
}
# --- end SMS providers ------------------------------------------------------------------------------

# --- Notifications (khedmat.notifications) ------------------------------------------------------
# Quiet hours for non-urgent SMS ("HH:MM-HH:MM" in KHEDMAT_QUIET_HOURS_TIME_ZONE; "off" for none):
# such messages are held and sent when the window ends. Codes and request news go at once.
KHEDMAT_QUIET_HOURS = env_str("KHEDMAT_QUIET_HOURS", "22:00-07:00") or ""
KHEDMAT_QUIET_HOURS_TIME_ZONE = env_str("KHEDMAT_QUIET_HOURS_TIME_ZONE", TIME_ZONE) or TIME_ZONE
# Per recipient and channel: at most this many messages per window (0: no limit). Over it, codes
# and promotions are refused; other kinds wait until the window has room.
KHEDMAT_MESSAGE_RATE_LIMIT = env_int("KHEDMAT_MESSAGE_RATE_LIMIT", 10, minimum=0)
KHEDMAT_MESSAGE_RATE_WINDOW_SECONDS = env_int(
    "KHEDMAT_MESSAGE_RATE_WINDOW_SECONDS", 3600, minimum=1
)
# Delivery attempts per message before it is failed (temporary errors back off exponentially).
KHEDMAT_MESSAGE_MAX_ATTEMPTS = env_int("KHEDMAT_MESSAGE_MAX_ATTEMPTS", 6, minimum=1)
# A queued message whose job is gone (failed, pruned, lost) is dispatched again after this long.
KHEDMAT_MESSAGE_STUCK_SECONDS = env_int("KHEDMAT_MESSAGE_STUCK_SECONDS", 600, minimum=30)
# Delivery status of sent SMS is polled after this many seconds, and again as often, for at most
# KHEDMAT_MESSAGE_POLL_HOURS hours.
KHEDMAT_MESSAGE_POLL_SECONDS = env_int("KHEDMAT_MESSAGE_POLL_SECONDS", 60, minimum=1)
KHEDMAT_MESSAGE_POLL_HOURS = env_int("KHEDMAT_MESSAGE_POLL_HOURS", 48, minimum=1)
# Delivery reports pushed by providers to /hooks/sms/<provider>/?token=...: the shared secret,
# and/or the addresses allowed to push without it. With neither, every push is refused.
KHEDMAT_SMS_CALLBACK_TOKEN = env_str("KHEDMAT_SMS_CALLBACK_TOKEN", "") or ""
KHEDMAT_SMS_CALLBACK_IPS = env_list("KHEDMAT_SMS_CALLBACK_IPS")
# A message holding a login code or a survey link keeps it only until its final delivery attempt;
# the tick removes it from any such message older than this, and cancels one not sent by then.
KHEDMAT_SECRET_MESSAGE_MINUTES = env_int("KHEDMAT_SECRET_MESSAGE_MINUTES", 15, minimum=1)
# --- end notifications ----------------------------------------------------------------------------

# --- Calendars and SLA (khedmat.calendars, khedmat.sla) --------------------------------------------
# calendars
# Country pack for units placed nowhere: its weekend, hours and time zone (IR, SA, IQ, AE).
KHEDMAT_CALENDAR_COUNTRY = env_choice("KHEDMAT_CALENDAR_COUNTRY", "IR", {"IR", "SA", "IQ", "AE"})
# calendars
# Whether holidays not yet confirmed (e.g. 1405/01/25) close the calendar. Default no.
KHEDMAT_CALENDAR_COUNT_UNCONFIRMED = env_bool("KHEDMAT_CALENDAR_COUNT_UNCONFIRMED", False)
# sla
# Clocks the periodic sweep breaches or warns per transaction; it loops until none are due.
KHEDMAT_SLA_SWEEP_BATCH = env_int("KHEDMAT_SLA_SWEEP_BATCH", 5000, minimum=100)
# --- end calendars and SLA ------------------------------------------------------------------------


# --- Integrations (khedmat.integrations) ---------------------------------------------------------
def _kind_pairs(name: str, default: str) -> dict[str, str]:
    """A "kind:value,kind:value" variable as a dict; a pair without a colon stops start-up."""
    pairs: dict[str, str] = {}
    for item in env_list(name, [part for part in default.split(",") if part]):
        kind, _colon, value = item.partition(":")
        if not kind.strip() or not value.strip():
            raise ConfigError(f"{name}: {item!r} is not kind:value (e.g. identity:gsb).")
        pairs[kind.strip()] = value.strip()
    return pairs


# Inquiries (R-20): the provider of each inquiry kind, "kind:provider" comma-separated (gsb).
# mobile_ownership (is this mobile registered to this national code, Shahkar-style) verifies an
# applicant's national code; without it no typed code is ever verified.
KHEDMAT_INQUIRY_PROVIDERS = _kind_pairs(
    "KHEDMAT_INQUIRY_PROVIDERS", "identity:gsb,postal_code:gsb,mobile_ownership:gsb"
)
# How many mobile-ownership checks one applicant account may ask for in a day (each costs a call).
KHEDMAT_NATIONAL_CODE_CHECKS_PER_DAY = env_int("KHEDMAT_NATIONAL_CODE_CHECKS_PER_DAY", 5, minimum=1)
# How long a provider's answer for the same parameters is reused: a default, and per kind.
KHEDMAT_INQUIRY_CACHE_SECONDS = env_int("KHEDMAT_INQUIRY_CACHE_SECONDS", 3600, minimum=0)
try:
    KHEDMAT_INQUIRY_KIND_CACHE_SECONDS = {
        kind: int(seconds)
        for kind, seconds in _kind_pairs("KHEDMAT_INQUIRY_KIND_CACHE_SECONDS", "").items()
    }
except ValueError:
    raise ConfigError("KHEDMAT_INQUIRY_KIND_CACHE_SECONDS: seconds must be integers.") from None
KHEDMAT_INQUIRY = {
    "providers": KHEDMAT_INQUIRY_PROVIDERS,
    "config": {
        "gsb": {
            "url": env_str("KHEDMAT_INQUIRY_GSB_URL", "") or "",
            "api_key": env_str("KHEDMAT_INQUIRY_GSB_API_KEY", "") or "",
            "timeout": env_int("KHEDMAT_INQUIRY_GSB_TIMEOUT", 10, minimum=1),
        }
    },
    "default_cache_seconds": KHEDMAT_INQUIRY_CACHE_SECONDS,
    "cache_seconds": KHEDMAT_INQUIRY_KIND_CACHE_SECONDS,
    # Circuit breaker per provider: opens after this many unavailable answers within the window,
    # skips calls for the cool-down, then lets one call test the provider.
    "breaker": {
        "failures": env_int("KHEDMAT_INQUIRY_BREAKER_FAILURES", 5, minimum=1),
        "window_seconds": env_int("KHEDMAT_INQUIRY_BREAKER_WINDOW_SECONDS", 60, minimum=1),
        "cooldown_seconds": env_int("KHEDMAT_INQUIRY_BREAKER_COOLDOWN_SECONDS", 30, minimum=1),
    },
}
# Office automation (R-19): "rest" (generic REST adapter) or "manual" (operators type numbers in).
KHEDMAT_OFFICE_AUTOMATION = {
    "provider": env_choice("KHEDMAT_OFFICE_AUTOMATION_PROVIDER", "manual", {"rest", "manual"}),
    "url": env_str("KHEDMAT_OFFICE_AUTOMATION_URL", "") or "",
    "api_key": env_str("KHEDMAT_OFFICE_AUTOMATION_API_KEY", "") or "",
    "timeout": env_int("KHEDMAT_OFFICE_AUTOMATION_TIMEOUT", 10, minimum=1),
}
# --- end integrations -----------------------------------------------------------------------------

# How long a process trusts the calendar revision it read (khedmat.calendars.queries): a calendar
# changed by another process counts in this one within that many seconds. 0: read it every time.
KHEDMAT_CALENDAR_RECHECK_SECONDS = env_int("KHEDMAT_CALENDAR_RECHECK_SECONDS", 1, minimum=0)

# --- Requests (khedmat.tickets) ---------------------------------------------------------------------
# The portal's public address, for links in SMS and on receipts (no trailing slash needed).
KHEDMAT_PUBLIC_URL = env_str("KHEDMAT_PUBLIC_URL", "http://127.0.0.1:8000") or ""
# What /track/ shows of the person handling a request: "name" or "role" (their unit or team).
KHEDMAT_TRACK_HANDLER = env_choice("KHEDMAT_TRACK_HANDLER", "name", {"name", "role"})
# /track/ rate limits (tickets.ratelimit.TrackLimits): failed look-ups in a window per client
# (IPv6: per /64) and per client on one code; past PER_CODE_TOTAL failures on a code from everyone,
# a client that failed on it is refused and one that did not still has a try.
KHEDMAT_TRACK_MAX_FAILURES_PER_IP = env_int("KHEDMAT_TRACK_MAX_FAILURES_PER_IP", 10, minimum=1)
KHEDMAT_TRACK_MAX_FAILURES_PER_CODE = env_int("KHEDMAT_TRACK_MAX_FAILURES_PER_CODE", 5, minimum=1)
KHEDMAT_TRACK_MAX_FAILURES_PER_CODE_TOTAL = env_int(
    "KHEDMAT_TRACK_MAX_FAILURES_PER_CODE_TOTAL", 50, minimum=1
)
KHEDMAT_TRACK_WINDOW_SECONDS = env_int("KHEDMAT_TRACK_WINDOW_SECONDS", 15 * 60, minimum=60)
# The public tracking answer (POST /api/v1/requests/track) is kept in each process's memory per
# request revision (its last Activity row and state columns), so a repeated look-up costs two
# small queries; this bounds how long a renamed unit, team or handler shows its old name. 0: off.
KHEDMAT_TRACK_CACHE_SECONDS = env_int("KHEDMAT_TRACK_CACHE_SECONDS", 300, minimum=0)
# Complaints (R-27): the code of the complaints/inspection unit complaints are routed to (empty:
# the service's responsible unit) and the answer deadline in working days.
KHEDMAT_COMPLAINTS_UNIT = env_str("KHEDMAT_COMPLAINTS_UNIT", "") or ""
KHEDMAT_COMPLAINTS_ANSWER_DAYS = env_int("KHEDMAT_COMPLAINTS_ANSWER_DAYS", 10, minimum=1)
# Incidents (itsm): a resolved incident closes after this many working days, and its reporter may
# reopen it until then; a major incident's stakeholders expect an update this often.
KHEDMAT_INCIDENT_CLOSE_DAYS = env_int("KHEDMAT_INCIDENT_CLOSE_DAYS", 3, minimum=1)
KHEDMAT_MAJOR_UPDATE_MINUTES = env_int("KHEDMAT_MAJOR_UPDATE_MINUTES", 30, minimum=5)
# Abuse limits of filing: requests one account files online or by API in 24 hours (0: no cap;
# operators at the desk are not capped), and the megabytes the files of one submission weigh
# together (each file's own limit is the card's). Uploads larger than FILE_UPLOAD_MAX_MEMORY_SIZE
# go to a temporary file while the request is read: cap the body at the proxy too (nginx
# client_max_body_size a little above KHEDMAT_MAX_SUBMISSION_MB).
KHEDMAT_MAX_REQUESTS_PER_DAY = env_int("KHEDMAT_MAX_REQUESTS_PER_DAY", 10, minimum=0)
KHEDMAT_MAX_SUBMISSION_MB = env_int("KHEDMAT_MAX_SUBMISSION_MB", 50, minimum=1)
# Uploads checked by ClamAV's daemon (khedmat.core.malware): tcp://host:3310 or
# unix:///run/clamav/clamd.ctl; empty: no malware check. When clamd cannot answer, `closed`
# refuses the upload for now and `open` accepts it with a logged warning.
KHEDMAT_CLAMD_URL = env_str("KHEDMAT_CLAMD_URL", "") or ""
KHEDMAT_CLAMD_TIMEOUT = env_int("KHEDMAT_CLAMD_TIMEOUT", 10, minimum=1)
KHEDMAT_CLAMD_FAIL = env_choice("KHEDMAT_CLAMD_FAIL", "closed", {"closed", "open"})
# Article ratings ("was this helpful?") one address may send in an hour (IPv6: per /64).
KHEDMAT_FEEDBACK_PER_IP_HOUR = env_int("KHEDMAT_FEEDBACK_PER_IP_HOUR", 30, minimum=1)
# --- end requests -----------------------------------------------------------------------------------

# Email.
EMAIL_BACKEND = env_str("KHEDMAT_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("KHEDMAT_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("KHEDMAT_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("KHEDMAT_EMAIL_USER", "") or ""
EMAIL_HOST_PASSWORD = env_str("KHEDMAT_EMAIL_PASSWORD", "") or ""
EMAIL_USE_TLS = env_bool("KHEDMAT_EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("KHEDMAT_EMAIL_FROM", "khedmat@localhost")

# One cache for every worker and server: Redis (KHEDMAT_CACHE_URL, the redis extra), else the
# table khedmat_cache in the database (created by migrate). Rate limits use their own table.
CACHE_URL = env_str("KHEDMAT_CACHE_URL")
CACHES = {"default": cache_from_url(CACHE_URL)}
# Sessions: db (default: a table), cached_db (read through the cache, written to both) or cache
# (Redis only). KHEDMAT_SESSION_CACHE_URL gives sessions a Redis of their own (one that never
# evicts keys), else they share KHEDMAT_CACHE_URL's.
SESSION_CACHE_URL = env_str("KHEDMAT_SESSION_CACHE_URL")
if SESSION_CACHE_URL:
    CACHES["sessions"] = cache_from_url(SESSION_CACHE_URL)
SESSION_CACHE_ALIAS = "sessions" if SESSION_CACHE_URL else "default"
SESSION_ENGINE = session_engine(
    env_str("KHEDMAT_SESSION_ENGINE", "db") or "db", cache=CACHES[SESSION_CACHE_ALIAS]
)

# Security defaults (docs/security/asvs-l2.md).
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# A session ends this long after its login whatever the activity (core.middleware), and after
# KHEDMAT_STAFF_IDLE_MINUTES / KHEDMAT_APPLICANT_IDLE_MINUTES without a request.
SESSION_COOKIE_AGE = env_int("KHEDMAT_SESSION_SECONDS", 8 * 3600, minimum=300)
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
HTTPS = env_bool("KHEDMAT_HTTPS", not DEBUG)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
if HTTPS:
    # "__Host-": the browser keeps the cookie only if it is Secure, for this host alone, path /
    # (no sibling subdomain can set or read it). Plain HTTP (development) cannot use the prefix.
    SESSION_COOKIE_NAME = "__Host-khedmat_session"
    CSRF_COOKIE_NAME = "__Host-khedmat_csrf"
# The proxies' own addresses (IPs or CIDR ranges): only a request whose connection comes from one
# of them may say it arrived over HTTPS (X-Forwarded-Proto); others lose the header
# (core.middleware.TrustedProxyProtoMiddleware). Default: this machine (nginx in front).
KHEDMAT_TRUSTED_PROXIES = env_list("KHEDMAT_TRUSTED_PROXIES", ["127.0.0.1", "::1"])
for _proxy in KHEDMAT_TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ConfigError(
            f"KHEDMAT_TRUSTED_PROXIES: {_proxy!r} is not an IP address or CIDR range."
        ) from None
if HTTPS and KHEDMAT_TRUSTED_PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if HTTPS:
    # Browsers keep to HTTPS for a year (0 turns it off); plain-HTTP requests are redirected when
    # KHEDMAT_SSL_REDIRECT is on (off by default: the proxy usually redirects port 80 itself).
    SECURE_HSTS_SECONDS = env_int("KHEDMAT_HSTS_SECONDS", 31_536_000, minimum=0)
    # includeSubDomains and preload: only when every subdomain of this host serves HTTPS.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("KHEDMAT_HSTS_INCLUDE_SUBDOMAINS", False)
    SECURE_HSTS_PRELOAD = env_bool("KHEDMAT_HSTS_PRELOAD", False)
    SECURE_SSL_REDIRECT = env_bool("KHEDMAT_SSL_REDIRECT", False)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
# Sessions end after this many minutes without a request: staff, and applicants.
KHEDMAT_STAFF_IDLE_MINUTES = env_int("KHEDMAT_STAFF_IDLE_MINUTES", 30, minimum=1)
KHEDMAT_APPLICANT_IDLE_MINUTES = env_int("KHEDMAT_APPLICANT_IDLE_MINUTES", 60, minimum=1)
# Staff may use the desk, the admin and the staff API only from these networks (CIDR ranges,
# comma-separated; empty: anywhere) and only in these hours ("07:00-19:00" in TIME_ZONE; empty:
# any time). Refusals are logged on the user's Activity (core.security.StaffAccessMiddleware).
# Superusers too: the way around a wrong setting is the environment, not the web.
KHEDMAT_STAFF_ALLOWED_NETWORKS = env_list("KHEDMAT_STAFF_ALLOWED_NETWORKS")
for _network in KHEDMAT_STAFF_ALLOWED_NETWORKS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError:
        raise ConfigError(
            f"KHEDMAT_STAFF_ALLOWED_NETWORKS: {_network!r} is not an IP address or CIDR range."
        ) from None
KHEDMAT_STAFF_HOURS = env_str("KHEDMAT_STAFF_HOURS", "") or ""
if KHEDMAT_STAFF_HOURS and not re.fullmatch(
    r"([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d", KHEDMAT_STAFF_HOURS
):
    raise ConfigError(f"KHEDMAT_STAFF_HOURS: {KHEDMAT_STAFF_HOURS!r} is not HH:MM-HH:MM.")
# Content-Security-Policy (django-csp): our scripts and styles come from our own static files
# only; no inline script, no inline style, no eval. Page data reaches scripts through data-
# attributes and json_script (a non-executed application/json block).
# One exception, by hash: the process designer's align/distribute menu icons (vendored bpmn-js
# modeler) carry these four style attributes; exactly these values may stand in a style="",
# nothing else (tests/core/test_security_headers.py checks them against the bundle).
CSP_BPMN_ICON_STYLE_HASHES = [
    "'sha256-d2xoiruNEGKe7tm8eQYZ4wZfl8lYgb2Sr9xKlvmCmcU='",
    "'sha256-yCTUeVKU6CD7LMSHPoB5JSg4Cl/BZ8jCyNCepX770PY='",
    "'sha256-HXhQM6ELrVUcZms/DLHL1dH06lIksex0j+VgqIIlSmM='",
    "'sha256-YYsquP+xqomqgdAIk5J+Ecd2u1EqIWPCaE4ltXAtPYE='",
]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-hashes'", *CSP_BPMN_ICON_STYLE_HASHES],
        "img-src": ["'self'", "data:"],  # data: bpmn-js's watermark and Bootstrap's icons
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # One line per event: control characters of a message are escaped (core.logs, ASVS 7.3.1).
    "formatters": {
        "plain": {
            "()": "khedmat.core.logs.OneLineFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("KHEDMAT_LOG_LEVEL", "INFO")},
    # SpiffWorkflow logs every task state change at INFO: keep its warnings only
    "loggers": {"django.db.backends": {"level": "WARNING"}, "spiff": {"level": "WARNING"}},
}
