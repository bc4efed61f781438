"""Encrypted backups of the record, verified by a test restore, and restoring them.

A backup is a consistent copy taken with SQLite's backup API (safe while other processes write),
then encrypted as a whole, so even the schema, timestamps and row counts stay private. The file is:

    b"RELAIS-BACKUP\\n" | header length (4 bytes) | header (JSON) | chunks

The header carries the audit key wrapped under the KEK and under the recovery key (copied from the
keyring), so the backup opens with the key file, the passphrase or the recovery kit. The file key is
HKDF-SHA256 of that key with a random salt. Each chunk (1 MiB of the database) is sealed with
AES-256-GCM; its associated data binds the header's hash, the chunk's index and whether it is the
last, so a reordered, truncated or altered backup is refused. Writing a backup always ends with a
test restore into a temporary directory (decrypt, ``PRAGMA integrity_check``, unlock, audit chain).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import struct
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from edge import keyring_store
from edge.audit import AuditAction, append_audit, verify_audit
from edge.encryption import NONCE_BYTES
from edge.errors import BackupInvalid, KeyUnavailable
from edge.keys import unwrap_key
from edge.storage import Database, connect

MAGIC = b"RELAIS-BACKUP\n"
FORMAT = 1
CHUNK_BYTES = 1024 * 1024
_LENGTH = struct.Struct(">I")


@dataclass(frozen=True, slots=True)
class BackupReport:
    path: Path
    size: int
    tables: dict[str, int]
    audit_entries: int


def _file_key(audit_key: bytes, salt: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt,
                info=b"relais-backup-v1").derive(audit_key)


def _chunk_aad(header_hash: bytes, index: int, last: bool) -> bytes:
    return header_hash + struct.pack(">Q?", index, last)


def _table_counts(conn: sqlite3.Connection) -> dict[str, int]:
    names = [row[0] for row in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    return {name: conn.execute(f"SELECT COUNT(*) FROM {name}").fetchone()[0]  # noqa: S608
            for name in sorted(names)}


def _snapshot(db: Database, target: Path) -> None:
    dest = sqlite3.connect(target)
    try:
        db.reader().backup(dest)
    finally:
        dest.close()


def make_backup(db: Database, kek: bytes, destination: Path, actor_id: str | None) -> BackupReport:
    """Write an encrypted, verified backup to ``destination`` (atomically: all or nothing)."""
    wrapped = db.query("SELECT kek_wrapped, recovery_wrapped FROM keyring "
                       "WHERE purpose = 'audit' AND version = 1")[0]
    audit_key = unwrap_key(kek, wrapped["kek_wrapped"])
    salt = os.urandom(16)
    header = json.dumps({
        "format": FORMAT, "created_at": db.now(), "salt": salt.hex(),
        "kek_wrapped": bytes(wrapped["kek_wrapped"]).hex(),
        "recovery_wrapped": (bytes(wrapped["recovery_wrapped"]).hex()
                             if wrapped["recovery_wrapped"] else None),
    }).encode()
    aead = AESGCM(_file_key(audit_key, salt))
    header_hash = hashlib.sha256(header).digest()
    destination.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="relais-backup-") as work:
        snapshot = Path(work) / "snapshot.db"
        _snapshot(db, snapshot)
        partial = destination.with_name(destination.name + ".partial")
        with snapshot.open("rb") as source, partial.open("wb") as out:
            out.write(MAGIC + _LENGTH.pack(len(header)) + header)
            for index, (chunk, last) in enumerate(_chunks(source)):
                nonce = os.urandom(NONCE_BYTES)
                sealed = aead.encrypt(nonce, chunk, _chunk_aad(header_hash, index, last))
                out.write(_LENGTH.pack(len(sealed)) + nonce + sealed)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(partial, 0o600)
    report = verify_backup(partial, kek=kek)
    partial.replace(destination)
    append_audit(db, actor_id, AuditAction.BACKUP, "backup", None,
                 details={"size": report.size})
    return BackupReport(destination, report.size, report.tables, report.audit_entries)


def _chunks(source: BinaryIO) -> Iterator[tuple[bytes, bool]]:
    chunk = source.read(CHUNK_BYTES)
    while True:
        following = source.read(CHUNK_BYTES)
        yield chunk, not following
        if not following:
            return
        chunk = following


def _read_header(handle: BinaryIO) -> tuple[dict[str, str], bytes]:
    if handle.read(len(MAGIC)) != MAGIC:
        raise BackupInvalid("this file is not a Relais backup")
    raw_length = handle.read(_LENGTH.size)
    if len(raw_length) != _LENGTH.size:
        raise BackupInvalid("the backup is truncated")
    header = handle.read(_LENGTH.unpack(raw_length)[0])
    try:
        fields = json.loads(header)
    except ValueError as exc:
        raise BackupInvalid("the backup's header is damaged") from exc
    if fields.get("format") != FORMAT:
        raise BackupInvalid("this backup was made by an unknown version of Relais")
    return fields, hashlib.sha256(header).digest()


def decrypt_backup(path: Path, target: Path, *, kek: bytes | None = None,
                   recovery_key: bytes | None = None) -> None:
    """Decrypt a backup into the database file ``target``; refuse anything altered or truncated."""
    with path.open("rb") as handle, target.open("wb") as out:
        fields, header_hash = _read_header(handle)
        try:
            if recovery_key is not None:
                if not fields.get("recovery_wrapped"):
                    raise KeyUnavailable("this backup was made before any recovery kit existed")
                audit_key = unwrap_key(recovery_key, bytes.fromhex(fields["recovery_wrapped"]),
                                       "the recovery code")
            elif kek is not None:
                audit_key = unwrap_key(kek, bytes.fromhex(fields["kek_wrapped"]))
            else:
                raise KeyUnavailable("a key file, passphrase or recovery code is needed")
        except ValueError as exc:
            raise BackupInvalid("the backup's header is damaged") from exc
        aead = AESGCM(_file_key(audit_key, bytes.fromhex(fields["salt"])))
        index, last = 0, False
        while not last:
            raw_length = handle.read(_LENGTH.size)
            if len(raw_length) != _LENGTH.size:
                raise BackupInvalid("the backup is truncated")
            nonce = handle.read(NONCE_BYTES)
            sealed = handle.read(_LENGTH.unpack(raw_length)[0])
            for candidate in (False, True):
                try:
                    out.write(aead.decrypt(nonce, sealed, _chunk_aad(header_hash, index, candidate)))
                except InvalidTag:
                    continue
                last = candidate
                break
            else:
                raise BackupInvalid(f"part {index + 1} of the backup was altered or is missing")
            index += 1
        if handle.read(1):
            raise BackupInvalid("the backup has data after its last part")


def _check_restored(database: Path, backup: Path, *, kek: bytes | None,
                    recovery_key: bytes | None) -> BackupReport:
    """Check a decrypted database fully: integrity, keys, and (with the KEK) the audit chain."""
    conn = connect(database)
    try:
        if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupInvalid("the database inside the backup is damaged")
        tables = _table_counts(conn)
    finally:
        conn.close()
    check = Database(database, None)
    try:
        if recovery_key is not None:
            if not keyring_store.unwrap_all(check.reader(), recovery_key=recovery_key):
                raise BackupInvalid("the backup holds no keys")
        else:
            assert kek is not None
            check.unlock(kek)
            verification = verify_audit(check)
            if not verification.intact:
                raise BackupInvalid(
                    f"the audit log inside the backup is broken at entry "
                    f"{verification.first_broken_seq}")
    finally:
        check.close()
    return BackupReport(backup, backup.stat().st_size, tables, tables.get("audit", 0))


def verify_backup(path: Path, *, kek: bytes | None = None,
                  recovery_key: bytes | None = None) -> BackupReport:
    """Restore ``path`` into a temporary directory and check it fully (the "test restore")."""
    with tempfile.TemporaryDirectory(prefix="relais-verify-") as work:
        target = Path(work) / "relais.db"
        decrypt_backup(path, target, kek=kek, recovery_key=recovery_key)
        return _check_restored(target, path, kek=kek, recovery_key=recovery_key)


def _remove_database_files(database: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(database) + suffix).unlink(missing_ok=True)


def restore_backup(path: Path, database: Path, *, kek: bytes | None = None,
                   recovery_key: bytes | None = None) -> tuple[BackupReport, Path | None]:
    """Verify then install a backup as ``database``; the current file is kept beside it.

    The backup is decrypted once, beside the database, checked there, then moved into place.
    Run with the web, devices and sync processes stopped. Returns the report and where the
    previous database was moved (``None`` if there was none).
    """
    staging = database.with_name(database.name + ".restoring")
    _remove_database_files(staging)
    try:
        decrypt_backup(path, staging, kek=kek, recovery_key=recovery_key)
        report = _check_restored(staging, path, kek=kek, recovery_key=recovery_key)
    except BaseException:
        _remove_database_files(staging)
        raise
    os.chmod(staging, 0o600)
    previous: Path | None = None
    if database.exists():
        stamp = 0
        while True:
            previous = database.with_name(f"{database.name}.before-restore-{stamp}")
            if not previous.exists():
                break
            stamp += 1
        checkpoint = sqlite3.connect(database)
        try:
            checkpoint.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            checkpoint.close()
        shutil.move(database, previous)
        for suffix in ("-wal", "-shm"):
            Path(str(database) + suffix).unlink(missing_ok=True)
    staging.replace(database)
    return report, previous
