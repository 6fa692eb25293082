"""Configuration: bad values stop start-up with one clear line, not a traceback."""

from __future__ import annotations

import pytest

from khedmat.config import ConfigError, database_from_url, env_bool, env_int
from tests.fixtures.config import REPO, run_khedmat


def test_missing_secret_key_outside_debug_is_one_clear_line(tmp_path):
    result = run_khedmat(
        "check", env={"KHEDMAT_ALLOWED_HOSTS": "example.org", "KHEDMAT_HOME": str(tmp_path)}
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "khedmat: configuration error: KHEDMAT_SECRET_KEY is not set; set it to a long random string "
        "(or KHEDMAT_DEBUG=1 for development)."
    ]


def test_missing_allowed_hosts_outside_debug_is_one_clear_line(tmp_path):
    result = run_khedmat(
        "check", env={"KHEDMAT_SECRET_KEY": "x" * 50, "KHEDMAT_HOME": str(tmp_path)}
    )
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "KHEDMAT_ALLOWED_HOSTS is not set" in result.stderr


def test_bad_database_url_is_one_clear_line(tmp_path):
    result = run_khedmat(
        "check",
        env={"KHEDMAT_DEBUG": "1", "DATABASE_URL": "mysql://x@y/z", "KHEDMAT_HOME": str(tmp_path)},
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "khedmat: configuration error: DATABASE_URL scheme 'mysql' is not supported; use "
        "sqlite:///path or postgres://user@host:port/name."
    ]


def test_unreachable_database_is_one_clear_line(tmp_path):
    result = run_khedmat(
        "migrate",
        env={
            "KHEDMAT_DEBUG": "1",
            "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none?connect_timeout=2",
            "KHEDMAT_HOME": str(tmp_path),
        },
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("khedmat: database unreachable:")


def test_bad_boolean_names_the_variable(monkeypatch):
    monkeypatch.setenv("KHEDMAT_X", "maybe")
    with pytest.raises(ConfigError, match="KHEDMAT_X='maybe' is not a boolean"):
        env_bool("KHEDMAT_X")


def test_integer_below_minimum_is_refused(monkeypatch):
    monkeypatch.setenv("KHEDMAT_N", "0")
    with pytest.raises(ConfigError, match="KHEDMAT_N=0 must be at least 1"):
        env_int("KHEDMAT_N", 5, minimum=1)


def test_postgres_url_is_parsed():
    config = database_from_url("postgres://postgres@127.0.0.1:5432/khedmat")
    assert config["ENGINE"] == "khedmat.core.dbbackend"  # Django's, checked once in a while
    assert (config["HOST"], config["PORT"], config["NAME"]) == ("127.0.0.1", 5432, "khedmat")


def test_env_example_documents_every_variable_the_settings_read():
    settings_text = (REPO / "khedmat" / "settings.py").read_text()
    example = (REPO / ".env.example").read_text()
    import re

    names = set(re.findall(r'env_\w+\(\s*"([A-Z_]+)"', settings_text)) | {"DATABASE_URL"}
    missing = sorted(name for name in names if f"{name}=" not in example)
    assert missing == []


def test_postgresql_prepares_repeated_queries_only_when_asked():
    url = "postgres://khedmat@127.0.0.1:5432/khedmat"
    assert database_from_url(url, prepared_statements=True)["OPTIONS"] == {
        "server_side_binding": True,
        "prepare_threshold": 5,
    }
    assert database_from_url(url).get("OPTIONS", {}) == {}
    sqlite = database_from_url(
        "sqlite:////tmp/khedmat-config-test.sqlite3", prepared_statements=True
    )
    assert "server_side_binding" not in sqlite["OPTIONS"]
