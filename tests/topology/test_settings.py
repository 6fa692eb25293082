"""What several machines share, chosen by the environment: the job backend and its broker, the
cache and session store, the file storage and its options (secrets from their own variables)."""

from __future__ import annotations

import json

import pytest
from django.utils.module_loading import import_string

from khedmat.config import (
    BROKER_TASK_BACKEND,
    DATABASE_TASK_BACKEND,
    ConfigError,
    cache_from_url,
    file_storage,
    session_engine,
    task_backend,
)
from tests.fixtures.config import run_khedmat

PRINT_SETTINGS = (
    "import json; from django.conf import settings; print(json.dumps({"
    "'tasks': settings.TASKS['default']['BACKEND'], 'broker': settings.KHEDMAT_BROKER_URL, "
    "'session': settings.SESSION_ENGINE, 'session_cache': settings.SESSION_CACHE_ALIAS, "
    "'caches': {name: cache['BACKEND'] for name, cache in settings.CACHES.items()}, "
    "'storage': settings.STORAGES['default']}))"
)


def settings_for(tmp_path: object, **env: str) -> dict[str, object]:
    result = run_khedmat(
        "shell",
        "-c",
        PRINT_SETTINGS,
        env={"KHEDMAT_DEBUG": "1", "KHEDMAT_HOME": str(tmp_path), **env},
    )
    assert result.returncode == 0, result.stderr
    settings: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return settings


def test_defaults_are_the_embedded_single_machine_setup(tmp_path: object) -> None:
    assert settings_for(tmp_path) == {
        "tasks": DATABASE_TASK_BACKEND,
        "broker": "",
        "session": "khedmat.core.sessions",
        "session_cache": "default",
        "caches": {"default": "django.core.cache.backends.db.DatabaseCache"},
        "storage": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }


def test_several_machines_broker_redis_sessions_and_s3(tmp_path: object) -> None:
    options = {"bucket_name": "khedmat", "endpoint_url": "https://s3.example.org"}
    assert settings_for(
        tmp_path,
        KHEDMAT_TASK_BACKEND="celery",
        KHEDMAT_BROKER_URL="amqp://khedmat:secret@mq.example.org:5672/khedmat",
        KHEDMAT_CACHE_URL="redis://cache.example.org:6379/1",
        KHEDMAT_SESSION_CACHE_URL="redis://sessions.example.org:6379/0",
        KHEDMAT_SESSION_ENGINE="cache",
        KHEDMAT_FILE_STORAGE="s3",
        KHEDMAT_FILE_STORAGE_OPTIONS=json.dumps(options),
        KHEDMAT_FILE_STORAGE_ACCESS_KEY="AKIAEXAMPLE",
        KHEDMAT_FILE_STORAGE_SECRET_KEY="not-in-the-code",
    ) == {
        "tasks": BROKER_TASK_BACKEND,
        "broker": "amqp://khedmat:secret@mq.example.org:5672/khedmat",
        "session": "django.contrib.sessions.backends.cache",
        "session_cache": "sessions",
        "caches": {
            "default": "django.core.cache.backends.redis.RedisCache",
            "sessions": "django.core.cache.backends.redis.RedisCache",
        },
        "storage": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {**options, "access_key": "AKIAEXAMPLE", "secret_key": "not-in-the-code"},
        },
    }


def test_broker_backend_without_a_broker_url_stops_start_up_in_one_line(tmp_path: object) -> None:
    result = run_khedmat(
        "check",
        env={"KHEDMAT_DEBUG": "1", "KHEDMAT_HOME": str(tmp_path), "KHEDMAT_TASK_BACKEND": "celery"},
    )

    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "khedmat: configuration error: KHEDMAT_TASK_BACKEND is the broker backend but "
        "KHEDMAT_BROKER_URL is not set; set it to amqp://user:password@host:5672/vhost (RabbitMQ)."
    ]


def test_task_backend_names() -> None:
    assert task_backend(None, broker_url="") == DATABASE_TASK_BACKEND
    assert task_backend("database", broker_url="") == DATABASE_TASK_BACKEND
    assert task_backend("celery", broker_url="amqp://h//") == BROKER_TASK_BACKEND
    assert task_backend(BROKER_TASK_BACKEND, broker_url="amqps://h//") == BROKER_TASK_BACKEND
    assert task_backend("my.Backend", broker_url="") == "my.Backend"
    with pytest.raises(ConfigError, match="KHEDMAT_BROKER_URL scheme 'redis' is not supported"):
        task_backend("celery", broker_url="redis://h:6379/0")


def test_session_engine_cache_needs_redis() -> None:
    redis = cache_from_url("redis://127.0.0.1:6379/1")
    database = cache_from_url(None)

    assert session_engine("cache", cache=redis) == "django.contrib.sessions.backends.cache"
    assert session_engine("cached_db", cache=database) == (
        "django.contrib.sessions.backends.cached_db"
    )
    with pytest.raises(ConfigError, match="KHEDMAT_SESSION_ENGINE=cache keeps sessions in Redis"):
        session_engine("cache", cache=database)
    with pytest.raises(ConfigError, match="KHEDMAT_SESSION_ENGINE='file' must be one of"):
        session_engine("file", cache=redis)


def test_file_storage_options_must_be_a_json_object(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ACCESS_KEY", "SECRET_KEY", "SECURITY_TOKEN"):
        monkeypatch.delenv(f"KHEDMAT_FILE_STORAGE_{name}", raising=False)
    assert file_storage(None, None) == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    with pytest.raises(ConfigError, match="KHEDMAT_FILE_STORAGE_OPTIONS is not valid JSON"):
        file_storage("s3", "{bucket_name: x}")
    with pytest.raises(ConfigError, match="must be a JSON object"):
        file_storage("s3", '["x"]')


def test_s3_storage_takes_its_options(monkeypatch: pytest.MonkeyPatch) -> None:
    """django-storages' S3Storage is built from the options (no request is made)."""
    monkeypatch.setenv("KHEDMAT_FILE_STORAGE_SECRET_KEY", "s3cr3t")
    config = file_storage(
        "s3",
        json.dumps(
            {
                "bucket_name": "khedmat-uploads",
                "endpoint_url": "http://127.0.0.1:9000",
                "access_key": "minio",
                "location": "media",
                "file_overwrite": False,
            }
        ),
    )
    from storages.backends.s3 import S3Storage

    assert import_string(config["BACKEND"]) is S3Storage
    storage = S3Storage(**config["OPTIONS"])  # as Django's storage handler builds it

    assert (storage.bucket_name, storage.endpoint_url, storage.location) == (
        "khedmat-uploads",
        "http://127.0.0.1:9000",
        "media",
    )
    assert (storage.access_key, storage.secret_key, storage.file_overwrite) == (
        "minio",
        "s3cr3t",
        False,
    )


def test_celery_worker_refuses_the_database_queue(tmp_path: object) -> None:
    result = run_khedmat("celery_worker", env={"KHEDMAT_DEBUG": "1", "KHEDMAT_HOME": str(tmp_path)})

    assert result.returncode == 1
    assert "KHEDMAT_TASK_BACKEND is not the broker backend" in result.stderr
