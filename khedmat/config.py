"""Typed readers for settings taken from the environment; a bad value fails loudly in one line."""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

import dj_database_url


class ConfigError(Exception):
    """A setting is missing or invalid; the message is one line meant for the operator."""


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip()


def env_bool(name: str, default: bool = False) -> bool:
    value = env_str(name)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name}={value!r} is not a boolean (use 1/0, true/false, yes/no, on/off).")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = env_str(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{name}={value!r} is not an integer.") from None
    if minimum is not None and number < minimum:
        raise ConfigError(f"{name}={number} must be at least {minimum}.")
    return number


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    value = env_str(name)
    if value is None:
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: set[str]) -> str:
    value = env_str(name, default) or default
    if value not in choices:
        raise ConfigError(f"{name}={value!r} must be one of: {', '.join(sorted(choices))}.")
    return value


SUPPORTED_DATABASE_SCHEMES = ("sqlite", "postgres", "postgresql", "pgsql")


def database_from_url(url: str, *, prepared_statements: bool = False) -> dict:
    """Parse DATABASE_URL into Django's DATABASES entry; only SQLite and PostgreSQL are supported.

    `prepared_statements` (PostgreSQL): bind parameters on the server and prepare a query after
    its fifth run on a connection, so PostgreSQL plans it once instead of on every request.
    """
    scheme = url.split(":", 1)[0].split("+", 1)[0].lower()
    if scheme not in SUPPORTED_DATABASE_SCHEMES:
        raise ConfigError(
            f"DATABASE_URL scheme {scheme!r} is not supported; use sqlite:///path or "
            "postgres://user@host:port/name."
        )
    try:
        config = dict(dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True))
    except Exception as error:  # noqa: BLE001  (dj-database-url raises several kinds)
        raise ConfigError(f"DATABASE_URL could not be read: {error}") from None
    if config["ENGINE"] == "django.db.backends.sqlite3":
        if not config.get("NAME"):
            raise ConfigError(
                "DATABASE_URL for SQLite needs a file path, e.g. sqlite:///var/khedmat.sqlite3"
            )
        if config["NAME"] != ":memory:":
            Path(str(config["NAME"])).parent.mkdir(parents=True, exist_ok=True)
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;"
            ),
        }
        return config
    # Django's PostgreSQL backend with a health check that trusts a connection for a few
    # seconds (KHEDMAT_DB_CHECK_SECONDS) instead of one round trip before every request.
    config["ENGINE"] = "khedmat.core.dbbackend"
    if prepared_statements:
        config["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 5}
    return config


#: The table of the database cache, created by the core migration 0003_cache_table.
CACHE_TABLE = "khedmat_cache"
SUPPORTED_CACHE_SCHEMES = ("redis", "rediss", "unix")


def cache_from_url(url: str | None) -> dict:
    """KHEDMAT_CACHE_URL as Django's CACHES["default"]: Redis, or without a URL the database.

    Every worker and server must see the same cache (an inquiry answer, a provider's circuit
    breaker): Redis when set, else a table in the application's database, never per-process
    memory. Redis needs the package: pip install 'khedmat[redis]'.
    """
    if not url:
        return {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": CACHE_TABLE}
    scheme = url.split(":", 1)[0].lower()
    if scheme not in SUPPORTED_CACHE_SCHEMES:
        raise ConfigError(
            f"KHEDMAT_CACHE_URL scheme {scheme!r} is not supported; use redis://host:6379/1, "
            "rediss:// or unix://, or leave it empty for the database cache."
        )
    if importlib.util.find_spec("redis") is None:
        raise ConfigError(
            "KHEDMAT_CACHE_URL names Redis but the redis package is not installed: "
            "pip install 'khedmat[redis]', or leave KHEDMAT_CACHE_URL empty for the database cache."
        )
    return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}


# --- jobs, sessions and files on shared services (several machines) ----------------------------

DATABASE_TASK_BACKEND = "django_tasks_db.DatabaseBackend"
BROKER_TASK_BACKEND = "khedmat.jobs.celery_backend.CeleryBackend"
TASK_BACKEND_ALIASES = {"database": DATABASE_TASK_BACKEND, "celery": BROKER_TASK_BACKEND}
SUPPORTED_BROKER_SCHEMES = ("amqp", "amqps", "pyamqp", "memory")


def task_backend(name: str | None, *, broker_url: str) -> str:
    """KHEDMAT_TASK_BACKEND as a dotted path: the database queue (default) or the broker.

    `database` and `celery` are short for the two backends Khedmat ships. The broker backend
    needs KHEDMAT_BROKER_URL and the package (pip install 'khedmat[broker]').
    """
    path = TASK_BACKEND_ALIASES.get(name or "database", name or DATABASE_TASK_BACKEND)
    if path != BROKER_TASK_BACKEND:
        return path
    if not broker_url:
        raise ConfigError(
            "KHEDMAT_TASK_BACKEND is the broker backend but KHEDMAT_BROKER_URL is not set; set it "
            "to amqp://user:password@host:5672/vhost (RabbitMQ)."
        )
    scheme = broker_url.split(":", 1)[0].lower()
    if scheme not in SUPPORTED_BROKER_SCHEMES:
        raise ConfigError(
            f"KHEDMAT_BROKER_URL scheme {scheme!r} is not supported; use amqp:// or amqps:// "
            "(RabbitMQ)."
        )
    if importlib.util.find_spec("celery") is None:
        raise ConfigError(
            "KHEDMAT_TASK_BACKEND is the broker backend but Celery is not installed: "
            "pip install 'khedmat[broker]', or use the database queue (KHEDMAT_TASK_BACKEND=database)."
        )
    return path


SESSION_ENGINES = {
    "db": "khedmat.core.sessions",  # Django's database engine, its read compiled once
    "cache": "django.contrib.sessions.backends.cache",
    "cached_db": "django.contrib.sessions.backends.cached_db",
}


def session_engine(name: str, *, cache: dict) -> str:
    """KHEDMAT_SESSION_ENGINE (db, cache or cached_db) as Django's SESSION_ENGINE.

    `cache` keeps sessions only in the cache it is given, so that cache must be Redis: the
    database cache drops entries past its size (it culls), which would sign people out.
    """
    if name not in SESSION_ENGINES:
        raise ConfigError(
            f"KHEDMAT_SESSION_ENGINE={name!r} must be one of: {', '.join(SESSION_ENGINES)}."
        )
    if name == "cache" and cache["BACKEND"] != "django.core.cache.backends.redis.RedisCache":
        raise ConfigError(
            "KHEDMAT_SESSION_ENGINE=cache keeps sessions in Redis only; set KHEDMAT_CACHE_URL (or "
            "KHEDMAT_SESSION_CACHE_URL) to redis://..., or use db or cached_db."
        )
    return SESSION_ENGINES[name]


FILE_STORAGE_ALIASES = {
    "filesystem": "django.core.files.storage.FileSystemStorage",
    "s3": "storages.backends.s3.S3Storage",
}
#: Options that are secrets: each has its own variable, KHEDMAT_FILE_STORAGE_<OPTION>.
FILE_STORAGE_SECRET_OPTIONS = ("access_key", "secret_key", "security_token")


def file_storage(
    name: str | None,
    options_json: str | None,
    *,
    prefix: str = "KHEDMAT_FILE_STORAGE",
    defaults: dict | None = None,
) -> dict:
    """KHEDMAT_FILE_STORAGE and its options as STORAGES["default"].

    The backend is a dotted class path, or `filesystem` (the default) or `s3` (django-storages'
    S3Storage: Amazon S3, MinIO, Ceph, ArvanCloud and other S3-compatible stores, the s3 extra).
    Its options come from KHEDMAT_FILE_STORAGE_OPTIONS, a JSON object ({"bucket_name": "khedmat",
    "endpoint_url": "https://s3.example.org"}); the secrets from their own variables
    (KHEDMAT_FILE_STORAGE_ACCESS_KEY, _SECRET_KEY, _SECURITY_TOKEN), never from code.
    Another store reads its own variables under `prefix` (the audit anchors:
    KHEDMAT_AUDIT_ANCHOR_STORAGE…); `defaults` are options a filesystem store starts from.
    """
    backend = FILE_STORAGE_ALIASES.get(name or "filesystem", name or "")
    options: dict = dict(defaults or {}) if backend == FILE_STORAGE_ALIASES["filesystem"] else {}
    if options_json:
        try:
            given = json.loads(options_json)
        except ValueError as error:
            raise ConfigError(f"{prefix}_OPTIONS is not valid JSON: {error}") from None
        if not isinstance(given, dict):
            raise ConfigError(f"{prefix}_OPTIONS must be a JSON object ({{...}}).")
        options.update(given)
    for option in FILE_STORAGE_SECRET_OPTIONS:
        value = env_str(f"{prefix}_{option.upper()}")
        if value is not None:
            options[option] = value
    module = backend.rpartition(".")[0]
    if (
        module
        and module.split(".")[0] == "storages"
        and importlib.util.find_spec("storages") is None
    ):
        raise ConfigError(
            f"{prefix} names {backend} but django-storages is not installed: "
            "pip install 'khedmat[s3]'."
        )
    storage: dict = {"BACKEND": backend}
    if options:
        storage["OPTIONS"] = options
    return storage
