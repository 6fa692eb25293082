"""Encrypted backups of the database and the stored files, and their restore (issue 15, item 2).

`write_backup(path)` makes one archive: a tar of the database dump (PostgreSQL: `pg_dump -Fc`;
SQLite: the online backup API), every file of the default storage as stored (uploads are sealed
at rest already), and a manifest (time, vendor, applied migrations, the SHA-256 of each member).
The tar is sealed in 1 MiB chunks with AES-GCM under a fresh data key wrapped by
KHEDMAT_BACKUP_KEY (RFC 3394), each chunk bound to its number and to whether it is the last, so a
changed, reordered or truncated archive does not open. Memory stays bounded: the tar is written
to a temporary file, then sealed chunk by chunk.

`restore_backup(path)` opens and checks the whole archive (every chunk, every member's hash, the
manifest) before it changes anything, then replaces the database (PostgreSQL: `pg_restore
--clean --if-exists`; SQLite: the file) and writes the files back into the storage.

The backup key is its own secret, kept apart from the database (a backup must not carry the key
that opens it); unset, it is derived from the secret key (`check --deploy` warns).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import struct
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage
from django.db import connection, connections
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from khedmat.core.crypto import derived_key

MAGIC = b"KHB1"
CHUNK = 1024 * 1024
_HEADER = struct.Struct(">4s40s8sI")  # magic, wrapped data key, nonce prefix, chunk size
DATABASE_MEMBER = "database.dump"
MANIFEST_MEMBER = "manifest.json"
FILES_PREFIX = "files/"


class BackupError(Exception):
    """An archive that does not open or check out, or a database tool that failed."""


def backup_key() -> bytes:
    encoded = getattr(settings, "KHEDMAT_BACKUP_KEY", "") or ""
    if not encoded:
        return derived_key(settings.SECRET_KEY, "backup")
    key = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    if len(key) != 32:
        raise BackupError("KHEDMAT_BACKUP_KEY is not 32 bytes")
    return key


# --- sealing a stream ------------------------------------------------------------------------------


def _nonce(prefix: bytes, number: int) -> bytes:
    return prefix + struct.pack(">I", number)


def _aad(header: bytes, number: int, last: bool) -> bytes:
    return header + struct.pack(">I?", number, last)


def seal_stream(source: BinaryIO, target: BinaryIO, key: bytes) -> None:
    """Seal `source` into `target`: the header, then each chunk as length + ciphertext."""
    data_key = AESGCM.generate_key(bit_length=256)
    header = _HEADER.pack(MAGIC, aes_key_wrap(key, data_key), os.urandom(8), CHUNK)
    target.write(header)
    cipher = AESGCM(data_key)
    number = 0
    chunk = source.read(CHUNK)
    while True:
        following = source.read(CHUNK)
        last = not following
        sealed = cipher.encrypt(_nonce(header[44:52], number), chunk, _aad(header, number, last))
        target.write(struct.pack(">I", len(sealed)) + sealed)
        if last:
            return
        chunk, number = following, number + 1


def open_stream(source: BinaryIO, target: BinaryIO, key: bytes) -> None:
    """Open a sealed stream into `target`; BackupError when any chunk does not authenticate,
    the key is wrong, or the stream was cut."""
    header = source.read(_HEADER.size)
    if len(header) != _HEADER.size:
        raise BackupError("not a Khedmat backup (too short)")
    magic, wrapped, prefix, _chunk = _HEADER.unpack(header)
    if magic != MAGIC:
        raise BackupError("not a Khedmat backup")
    try:
        cipher = AESGCM(aes_key_unwrap(key, wrapped))
    except InvalidUnwrap as error:
        raise BackupError("the backup key does not open this archive") from error
    number = 0
    while True:
        size_bytes = source.read(4)
        if len(size_bytes) != 4:
            raise BackupError("the archive was cut short")
        sealed = source.read(struct.unpack(">I", size_bytes)[0])
        last = _at_end(source)
        try:
            target.write(cipher.decrypt(_nonce(prefix, number), sealed, _aad(header, number, last)))
        except InvalidTag as error:
            raise BackupError(f"chunk {number} of the archive was altered or moved") from error
        if last:
            return
        number += 1


def _at_end(source: BinaryIO) -> bool:
    position = source.tell()
    at_end = source.read(1) == b""
    source.seek(position)
    return at_end


# --- the database ------------------------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    configured = getattr(settings, f"KHEDMAT_PG_{name.upper().removeprefix('PG_')}", "") or ""
    found = configured or shutil.which(name) or f"/usr/lib/postgresql/15/bin/{name}"
    if not Path(found).exists():
        raise BackupError(f"{name} is not installed (set KHEDMAT_PG_{name[3:].upper()})")
    return found


def _pg_env() -> dict[str, str]:
    db = connection.settings_dict
    env = {**os.environ, "PGDATABASE": db["NAME"], "PGHOST": db.get("HOST") or "",
           "PGPORT": str(db.get("PORT") or ""), "PGUSER": db.get("USER") or ""}  # fmt: skip
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def _dump_database(path: Path) -> None:
    if connection.vendor == "postgresql":
        result = subprocess.run(
            [_pg_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={path}"],
            env=_pg_env(), capture_output=True, text=True, timeout=3600, check=False,
        )  # fmt: skip
        if result.returncode:
            raise BackupError(f"pg_dump failed: {result.stderr.strip()[-500:]}")
        return
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        with sqlite3.connect(path) as copy:
            connection.connection.backup(copy)
        return
    raise BackupError(f"no backup for {connection.vendor}")


def _restore_database(path: Path) -> None:
    if connection.vendor == "postgresql":
        connections.close_all()
        result = subprocess.run(
            [_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
             f"--dbname={connection.settings_dict['NAME']}", str(path)],
            env=_pg_env(), capture_output=True, text=True, timeout=3600, check=False,
        )  # fmt: skip
        if result.returncode:
            raise BackupError(f"pg_restore failed: {result.stderr.strip()[-500:]}")
        return
    name = Path(connection.settings_dict["NAME"])
    connections.close_all()
    with sqlite3.connect(path) as source, sqlite3.connect(name) as target:
        source.backup(target)


# --- files ----------------------------------------------------------------------------------------------


def _stored_files(storage: Storage, folder: str = "") -> Iterator[str]:
    directories, files = storage.listdir(folder)
    for name in sorted(files):
        yield f"{folder}/{name}" if folder else name
    for directory in sorted(directories):
        yield from _stored_files(storage, f"{folder}/{directory}" if folder else directory)


def _sha256_of(handle: BinaryIO) -> str:
    digest = hashlib.sha256()
    for block in iter(lambda: handle.read(CHUNK), b""):
        digest.update(block)
    return digest.hexdigest()


def _raw_open(storage: Storage, name: str) -> BinaryIO:
    """The bytes as stored (sealed uploads stay sealed): the filesystem path, or the storage's own
    raw open when the storage decrypts (khedmat.core.encrypted_storage)."""
    raw = getattr(storage, "open_raw", None)
    if callable(raw):
        return raw(name)  # type: ignore[no-any-return]
    try:
        return open(storage.path(name), "rb")
    except NotImplementedError:
        return storage.open(name, "rb")  # type: ignore[return-value]


def _save_raw(storage: Storage, name: str, handle: IO[bytes]) -> None:
    raw = getattr(storage, "save_raw", None)
    if callable(raw):
        raw(name, handle)
        return
    if storage.exists(name):
        storage.delete(name)
    try:
        target = Path(storage.path(name))
    except NotImplementedError:
        storage.save(name, ContentFile(handle.read()))
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "wb") as out:
        shutil.copyfileobj(handle, out)


# --- the archive ------------------------------------------------------------------------------------------


def _applied_migrations() -> list[str]:
    recorder = MigrationRecorder(connection)
    return sorted(f"{app}.{name}" for app, name in recorder.applied_migrations())


def write_backup(output: Path, *, storage: Storage | None = None) -> dict[str, Any]:
    """Write the sealed archive to `output`; returns its manifest."""
    storage = storage or default_storage
    key = backup_key()
    with tempfile.TemporaryDirectory(prefix="khedmat-backup-") as work:
        dump = Path(work) / DATABASE_MEMBER
        _dump_database(dump)
        with open(dump, "rb") as handle:
            members = {DATABASE_MEMBER: _sha256_of(handle)}
        tar_path = Path(work) / "backup.tar"
        with tarfile.open(tar_path, "w") as tar:
            tar.add(dump, arcname=DATABASE_MEMBER)
            for name in _stored_files(storage):
                with _raw_open(storage, name) as handle:
                    content = handle.read()
                info = tarfile.TarInfo(FILES_PREFIX + name)
                info.size = len(content)
                tar.addfile(info, io.BytesIO(content))
                members[FILES_PREFIX + name] = hashlib.sha256(content).hexdigest()
            manifest = {
                "format": 1,
                "created_at": timezone.now().isoformat(),
                "vendor": connection.vendor,
                "migrations": _applied_migrations(),
                "members": members,
            }
            data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo(MANIFEST_MEMBER)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(output.name + ".part")
        with open(tar_path, "rb") as source, open(partial, "wb") as target:
            seal_stream(source, target, key)
        os.chmod(partial, 0o600)
        partial.replace(output)
    return manifest


def _checked_tar(archive: Path, work: Path) -> tuple[Path, dict[str, Any]]:
    """Open the archive into `work`, check every member against the manifest."""
    tar_path = work / "backup.tar"
    with open(archive, "rb") as source, open(tar_path, "wb") as target:
        open_stream(source, target, backup_key())
    with tarfile.open(tar_path, "r") as tar:
        try:
            manifest = json.loads(tar.extractfile(MANIFEST_MEMBER).read())  # type: ignore[union-attr]
        except (KeyError, ValueError) as error:
            raise BackupError("the archive has no readable manifest") from error
        names = {member.name for member in tar.getmembers()} - {MANIFEST_MEMBER}
        if names != set(manifest["members"]):
            raise BackupError("the archive's members differ from its manifest")
        for member in tar.getmembers():
            if member.name == MANIFEST_MEMBER:
                continue
            if not member.isfile() or member.name.startswith("/") or ".." in member.name.split("/"):
                raise BackupError(f"unsafe member {member.name!r}")
            digest = _sha256_of(tar.extractfile(member))  # type: ignore[arg-type]
            if digest != manifest["members"][member.name]:
                raise BackupError(f"{member.name} does not match the manifest")
    return tar_path, manifest


def check_backup(archive: Path) -> dict[str, Any]:
    """The manifest of an archive that opens and checks out (BackupError otherwise)."""
    with tempfile.TemporaryDirectory(prefix="khedmat-restore-") as work:
        return _checked_tar(archive, Path(work))[1]


def restore_backup(archive: Path, *, storage: Storage | None = None) -> dict[str, Any]:
    """Check the whole archive, then replace the database and write the files back."""
    storage = storage or default_storage
    with tempfile.TemporaryDirectory(prefix="khedmat-restore-") as work:
        tar_path, manifest = _checked_tar(archive, Path(work))
        if manifest["vendor"] != connection.vendor:
            raise BackupError(
                f"the archive holds a {manifest['vendor']} database, this is {connection.vendor}"
            )
        with tarfile.open(tar_path, "r") as tar:
            dump = Path(work) / DATABASE_MEMBER
            source = tar.extractfile(DATABASE_MEMBER)
            assert source is not None
            with open(dump, "wb") as out:
                shutil.copyfileobj(source, out)
            _restore_database(dump)
            for member in tar.getmembers():
                if member.name.startswith(FILES_PREFIX):
                    handle = tar.extractfile(member)
                    assert handle is not None
                    _save_raw(storage, member.name.removeprefix(FILES_PREFIX), handle)
    return manifest


def default_backup_name(now: dt.datetime | None = None) -> str:
    moment = (now or timezone.now()).strftime("%Y%m%dT%H%M%SZ")
    return f"khedmat-backup-{moment}.khb"
