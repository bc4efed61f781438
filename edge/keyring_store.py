"""The wrapped keys kept in the database (`keyring` table) and the operations on them.

Rows are (version, purpose): data and index keys share a version and are rotated together; the
audit key is version 1 for the life of the record, so the audit chain never breaks. Each row holds
the key wrapped under the KEK and, once a recovery kit was made, under the recovery key. A key
whose values were all re-encrypted is retired: its wrapped copies are erased.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from edge.encryption import KeyPurpose, Keyring
from edge.errors import KeyUnavailable
from edge.keys import new_key, unwrap_key, wrap_key

ACTIVE = "active"
RETIRING = "retiring"
RETIRED = "retired"


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """What `relais status` shows about one data key."""

    version: int
    state: str
    created_at: str
    seal_count: int
    recoverable: bool


def create_first_keys(conn: sqlite3.Connection, kek: bytes, now: str) -> None:
    """Generate the data, index and audit keys of a new record, wrapped under ``kek``."""
    for purpose in KeyPurpose:
        conn.execute(
            "INSERT INTO keyring (version, purpose, kek_wrapped, state, created_at) "
            "VALUES (1, ?, ?, ?, ?)",
            (purpose.value, wrap_key(kek, new_key()), ACTIVE, now),
        )


def add_key_version(conn: sqlite3.Connection, kek: bytes, now: str) -> int:
    """Create the next data and index key version; the previous active ones become retiring."""
    current = conn.execute(
        "SELECT MAX(version) FROM keyring WHERE purpose = 'data'").fetchone()[0]
    version = int(current) + 1
    conn.execute("UPDATE keyring SET state = ? WHERE purpose != 'audit' AND state = ?",
                 (RETIRING, ACTIVE))
    for purpose in (KeyPurpose.DATA, KeyPurpose.INDEX):
        conn.execute(
            "INSERT INTO keyring (version, purpose, kek_wrapped, state, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (version, purpose.value, wrap_key(kek, new_key()), ACTIVE, now),
        )
    return version


def retire_version(conn: sqlite3.Connection, version: int) -> None:
    """Erase a key version that no longer seals any stored value."""
    conn.execute(
        "UPDATE keyring SET state = ?, kek_wrapped = NULL, recovery_wrapped = NULL "
        "WHERE version = ? AND purpose != 'audit'",
        (RETIRED, version),
    )


def _live_rows(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT version, purpose, kek_wrapped, recovery_wrapped, seal_count FROM keyring "
        "WHERE state != ? ORDER BY version", (RETIRED,)).fetchall()


def active_version(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT MAX(version) FROM keyring WHERE purpose = 'data' AND state = ?",
                       (ACTIVE,)).fetchone()
    return int(row[0] or 0)


def fetch_version(conn: sqlite3.Connection, kek: bytes, version: int) -> tuple[bytes, bytes] | None:
    """The data and index keys of ``version`` in clear, or ``None`` if it is gone."""
    rows = {row["purpose"]: row["kek_wrapped"] for row in conn.execute(
        "SELECT purpose, kek_wrapped FROM keyring WHERE version = ? AND purpose != 'audit' "
        "AND kek_wrapped IS NOT NULL", (version,))}
    if KeyPurpose.DATA.value not in rows or KeyPurpose.INDEX.value not in rows:
        return None
    return (unwrap_key(kek, rows[KeyPurpose.DATA.value]),
            unwrap_key(kek, rows[KeyPurpose.INDEX.value]))


def load_keyring(conn: sqlite3.Connection, kek: bytes,
                 random_bytes: Callable[[int], bytes] | None = None,
                 fetch: Callable[[int], tuple[bytes, bytes] | None] | None = None) -> Keyring:
    """Unwrap every live key with ``kek``; a wrong KEK raises `KeyUnavailable`.

    :param fetch: how the keyring loads a version created later by another process.
    """
    rows = _live_rows(conn)
    if not rows:
        raise KeyUnavailable("this database holds no keys: it was not initialised by `relais init`")
    data: dict[int, bytes] = {}
    index: dict[int, bytes] = {}
    audit = b""
    counts: dict[int, int] = {}
    for row in rows:
        key = unwrap_key(kek, row["kek_wrapped"])
        if row["purpose"] == KeyPurpose.DATA.value:
            data[row["version"]] = key
            counts[row["version"]] = row["seal_count"]
        elif row["purpose"] == KeyPurpose.INDEX.value:
            index[row["version"]] = key
        else:
            audit = key
    if random_bytes is None:
        return Keyring(data, index, audit, counts, fetch_version=fetch)
    return Keyring(data, index, audit, counts, random_bytes, fetch)


def unwrap_all(conn: sqlite3.Connection, *, kek: bytes | None = None,
               recovery_key: bytes | None = None) -> dict[tuple[int, str], bytes]:
    """Every live key in clear, opened with the KEK or with the recovery key."""
    keys: dict[tuple[int, str], bytes] = {}
    for row in _live_rows(conn):
        if recovery_key is not None:
            if row["recovery_wrapped"] is None:
                raise KeyUnavailable("no recovery kit covers this data directory's current keys")
            key = unwrap_key(recovery_key, row["recovery_wrapped"], "the recovery code")
        elif kek is not None:
            key = unwrap_key(kek, row["kek_wrapped"])
        else:
            raise KeyUnavailable("a key-encryption key or a recovery code is needed")
        keys[(row["version"], row["purpose"])] = key
    return keys


def rewrap(conn: sqlite3.Connection, keys: dict[tuple[int, str], bytes], *,
           kek: bytes | None = None, recovery_key: bytes | None = None) -> None:
    """Store new wrapped copies of ``keys`` under a new KEK and/or a new recovery key."""
    for (version, purpose), key in keys.items():
        if kek is not None:
            conn.execute("UPDATE keyring SET kek_wrapped = ? WHERE version = ? AND purpose = ?",
                         (wrap_key(kek, key), version, purpose))
        if recovery_key is not None:
            conn.execute(
                "UPDATE keyring SET recovery_wrapped = ? WHERE version = ? AND purpose = ?",
                (wrap_key(recovery_key, key), version, purpose))


def describe_keys(conn: sqlite3.Connection) -> list[KeyRecord]:
    return [
        KeyRecord(row["version"], row["state"], row["created_at"], row["seal_count"],
                  row["recovery_wrapped"] is not None or row["state"] == RETIRED)
        for row in conn.execute(
            "SELECT version, state, created_at, seal_count, recovery_wrapped FROM keyring "
            "WHERE purpose = 'data' ORDER BY version")
    ]
