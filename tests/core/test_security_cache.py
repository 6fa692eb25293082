"""Security review (issue 20, item 10): one cache for every process, Redis or the database.

An in-process cache counts per worker and forgets on restart; production must never get one.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid

import pytest
from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.redis import RedisCache
from django.db import connection

from khedmat.config import CACHE_TABLE, ConfigError, cache_from_url
from tests.fixtures.jobs import REPO, worker_env

REDIS_URL = "redis://127.0.0.1:6379/15"
PRINT_CACHE = "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"


def production_cache_backend(**env: str) -> str:
    """The cache backend khedmat.settings picks in a fresh process with this environment."""
    base = {key: value for key, value in worker_env().items() if key != "KHEDMAT_CACHE_URL"}
    result = subprocess.run(
        [sys.executable, "-c", PRINT_CACHE],
        cwd=REPO,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def redis_reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


def test_without_a_url_the_cache_is_the_database_table() -> None:
    assert cache_from_url(None) == {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "khedmat_cache",
    }
    assert cache_from_url("") == cache_from_url(None)


def test_a_redis_url_is_the_redis_cache() -> None:
    assert cache_from_url("redis://127.0.0.1:6379/1") == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/1",
    }
    assert cache_from_url("rediss://cache.internal:6380/0")["LOCATION"].startswith("rediss://")


def test_another_scheme_stops_start_up_with_one_line() -> None:
    with pytest.raises(ConfigError, match="KHEDMAT_CACHE_URL scheme 'memcached' is not supported"):
        cache_from_url("memcached://127.0.0.1:11211")


@pytest.mark.slow
def test_the_production_settings_never_use_per_process_memory() -> None:
    assert production_cache_backend() == "django.core.cache.backends.db.DatabaseCache"
    assert production_cache_backend(KHEDMAT_CACHE_URL="redis://127.0.0.1:6379/1") == (
        "django.core.cache.backends.redis.RedisCache"
    )


@pytest.mark.django_db
def test_migrate_creates_the_cache_table() -> None:
    assert CACHE_TABLE in connection.introspection.table_names()


SET_IN_ANOTHER_PROCESS = """
import sys, django
django.setup()
from django.core.cache import cache
cache.set(sys.argv[1], 41, timeout=300)
"""


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_database_cache_is_shared_by_processes_and_connections() -> None:
    key = f"shared-{uuid.uuid4().hex}"
    result = subprocess.run(
        [sys.executable, "-c", SET_IN_ANOTHER_PROCESS, key],
        cwd=REPO,
        env=worker_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr

    first, second = DatabaseCache(CACHE_TABLE, {}), DatabaseCache(CACHE_TABLE, {})
    assert first.get(key) == 41
    assert second.incr(key) == 42
    assert first.get(key) == 42
    first.delete(key)


@pytest.mark.skipif(
    not redis_reachable() and os.environ.get("CI") != "true",
    reason="no Redis at 127.0.0.1:6379 (CI requires it)",
)
def test_two_redis_connections_see_one_counter() -> None:
    key = f"khedmat-test-{uuid.uuid4().hex}"
    first, second = RedisCache(REDIS_URL, {}), RedisCache(REDIS_URL, {})
    try:
        assert first.add(key, 1, timeout=60)
        assert second.incr(key) == 2
        assert first.incr(key) == 3
        assert second.get(key) == 3
    finally:
        first.delete(key)
