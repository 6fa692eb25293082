"""Typed readers for settings taken from the environment; a bad value fails loudly in one line."""

from __future__ import annotations

import importlib.util
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
    elif prepared_statements:
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
