"""khedmat backup / restore (issue 15, item 2): a round trip brings back a deleted request and its
file on SQLite and on PostgreSQL; a changed, cut or foreign archive is refused before anything
changes. The deployment is a scratch one in other processes, as an operator would run it."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from khedmat.core import backups
from tests.core.backup_roundtrip import CODE, CONTENT

REPO = Path(__file__).resolve().parents[2]
KHEDMAT = str(Path(sys.executable).parent / "khedmat")
PG_ADMIN = os.environ.get("KHEDMAT_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432")
KEY = "bGV0LXRoaXMtYmUtYS10ZXN0LWtleS1vZi0zMi1ieXQ"


def scratch_env(tmp_path: Path, database_url: str, key: str = KEY) -> dict[str, str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("KHEDMAT_", "DJANGO_", "DATABASE_URL"))
    }
    return {
        **base,
        "PYTHONPATH": str(REPO),
        "DJANGO_SETTINGS_MODULE": "khedmat.settings",
        "DATABASE_URL": database_url,
        "KHEDMAT_HOME": str(tmp_path),
        "KHEDMAT_SECRET_KEY": "backup-test-secret-key-0123456789-0123456789-0123",
        "KHEDMAT_ALLOWED_HOSTS": "127.0.0.1",
        "KHEDMAT_HTTPS": "0",
        "KHEDMAT_MEDIA_ROOT": str(tmp_path / "media"),
        "KHEDMAT_BACKUP_KEY": key,
        "KHEDMAT_SMS_ALLOW_LOCAL_BACKENDS": "1",
    }


def run(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, env=env, cwd=REPO, capture_output=True, text=True, timeout=600)


def state(env: dict[str, str], action: str = "show") -> dict[str, object]:
    result = run(env, sys.executable, "-m", "tests.core.backup_roundtrip", action)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/scratch.sqlite3"
        return
    name = f"khedmat_backup_{uuid.uuid4().hex[:8]}"
    try:
        admin = psycopg.connect(f"{PG_ADMIN}/postgres", autocommit=True, connect_timeout=3)
    except psycopg.Error as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL unreachable: {error}")
        pytest.skip(f"PostgreSQL unreachable: {error}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_ADMIN}/{name}"
    finally:
        with psycopg.connect(f"{PG_ADMIN}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.slow
def test_a_restore_brings_back_a_deleted_request_and_its_file(
    tmp_path: Path, database_url: str
) -> None:
    env = scratch_env(tmp_path, database_url)
    seeded = state(env, "seed")
    assert seeded == {"tickets": [CODE], "file_sha256": hashlib.sha256(CONTENT).hexdigest()}
    archive = tmp_path / "backups" / "nightly.khb"
    made = run(env, KHEDMAT, "backup", "--output", str(archive))
    assert made.returncode == 0, made.stderr[-3000:]
    sealed = archive.read_bytes()
    assert sealed.startswith(backups.MAGIC)
    assert CONTENT not in sealed and b"backup-applicant" not in sealed
    assert oct(archive.stat().st_mode & 0o777) == "0o600"

    assert state(env, "delete") == {"tickets": []}
    checked = run(env, KHEDMAT, "restore", "--input", str(archive))
    assert checked.returncode == 0 and state(env) == {"tickets": []}  # without --yes: a check only
    restored = run(env, KHEDMAT, "restore", "--input", str(archive), "--yes")
    assert restored.returncode == 0, restored.stderr[-3000:]

    assert state(env) == seeded


@pytest.mark.slow
def test_a_damaged_or_foreign_archive_changes_nothing(tmp_path: Path) -> None:
    env = scratch_env(tmp_path, f"sqlite:///{tmp_path}/scratch.sqlite3")
    seeded = state(env, "seed")
    archive = tmp_path / "good.khb"
    assert run(env, KHEDMAT, "backup", "--output", str(archive)).returncode == 0
    state(env, "delete")
    good = archive.read_bytes()
    damaged = bytearray(good)
    damaged[len(good) // 2] ^= 1
    cut = good[: len(good) - 40]
    for name, content in (("damaged", bytes(damaged)), ("cut", cut)):
        path = tmp_path / f"{name}.khb"
        path.write_bytes(content)
        refused = run(env, KHEDMAT, "restore", "--input", str(path), "--yes")
        assert refused.returncode != 0, name
        assert state(env) == {"tickets": []}, name
    foreign = scratch_env(
        tmp_path, env["DATABASE_URL"], key="YW5vdGhlci1rZXktb2YtdGhpcnR5LXR3by1ieXRlcyE"
    )
    refused = run(foreign, KHEDMAT, "restore", "--input", str(archive), "--yes")
    assert refused.returncode != 0 and "key" in refused.stderr
    assert state(env) == {"tickets": []}
    assert run(env, KHEDMAT, "restore", "--input", str(archive), "--yes").returncode == 0
    assert state(env) == seeded


def test_the_sealed_stream_detects_reordered_and_cut_chunks() -> None:
    key = b"k" * 32
    data = os.urandom(backups.CHUNK * 2 + 100)
    sealed = io.BytesIO()
    backups.seal_stream(io.BytesIO(data), sealed, key)
    opened = io.BytesIO()
    backups.open_stream(io.BytesIO(sealed.getvalue()), opened, key)
    assert opened.getvalue() == data
    # the last chunk dropped: the one before it was not sealed as the last
    raw = sealed.getvalue()
    header = raw[:56]
    chunks, rest = [], raw[56:]
    while rest:
        size = int.from_bytes(rest[:4], "big")
        chunks.append(rest[: 4 + size])
        rest = rest[4 + size :]
    assert len(chunks) == 3
    for broken in (header + chunks[0] + chunks[1], header + chunks[1] + chunks[0] + chunks[2]):
        with pytest.raises(backups.BackupError):
            backups.open_stream(io.BytesIO(broken), io.BytesIO(), key)
    with pytest.raises(backups.BackupError, match="key"):
        backups.open_stream(io.BytesIO(raw), io.BytesIO(), b"x" * 32)
