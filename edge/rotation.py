"""Data-key rotation: a new key version for new writes, then online re-encryption of every stored value.

`rotate_keys` creates the next data and index key (the previous ones become "retiring"), then walks
every table holding sealed values in rowid order, in short transactions of ``batch`` rows. Each
transaction re-seals the row's values under the new key, recomputes its blind indexes and records
how far the walk got, so a crash (or kill -9) loses nothing and `rotate_keys` called again resumes
where it stopped. Other processes keep working meanwhile: they notice the new version at their next
write (`edge.storage`) and open values of either version. When a final scan finds no value left
under a retiring version, its wrapped copies are erased.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from edge import keyring_store
from edge.audit import AuditAction, append_audit
from edge.encryption import Keyring, key_version_of
from edge.migrations import SEALED_COLUMNS
from edge.storage import Database

_LOGGER = logging.getLogger(__name__)
ROW_ID_COLUMN = {"audit": "seq"}
# blind-index column -> (sealed column, key inside its JSON or None for plain text, index kind)
BLIND_INDEXES: dict[str, dict[str, tuple[str, str | None, str]]] = {
    "users": {"login_bidx": ("login", None, "login")},
    "residents": {"matricule_bidx": ("identity", "matricule", "matricule"),
                  "name_bidx": ("identity", "birth_family_name", "birth_family_name")},
}


@dataclass(frozen=True, slots=True)
class RotationReport:
    version: int
    resumed: bool
    values_resealed: int
    retired_versions: list[int]


def _row_id(table: str, row: sqlite3.Row) -> str:
    return str(row[ROW_ID_COLUMN.get(table, "id")])


def _reseal_row(keyring: Keyring, table: str, row: sqlite3.Row,
                target: int) -> tuple[dict[str, object], int]:
    changes: dict[str, object] = {}
    row_id = _row_id(table, row)
    clear: dict[str, bytes] = {}
    for column in SEALED_COLUMNS[table]:
        sealed = row[column]
        if sealed is None or key_version_of(sealed) == target:
            continue
        clear[column] = keyring.open(sealed, table, column, row_id)
        changes[column] = keyring.seal(clear[column], table, column, row_id)
    for bidx_column, (column, json_key, kind) in BLIND_INDEXES.get(table, {}).items():
        if row[column] is None:
            continue
        text = clear.get(column) or keyring.open(row[column], table, column, row_id)
        if json_key is None:
            value: object = text.decode("utf-8")
        else:
            value = _json_object(text).get(json_key)
        changes[bidx_column] = keyring.blind_index(kind, str(value)) if value else None
    return changes, sum(1 for column in changes if column in SEALED_COLUMNS[table])


def _json_object(text: bytes) -> dict[str, object]:
    data = json.loads(text)
    return data if isinstance(data, dict) else {}


def _walk_table(db: Database, table: str, target: int, batch: int,
                stop: Callable[[], bool]) -> tuple[int, bool]:
    resealed = 0
    while True:
        if stop():
            return resealed, False
        with db.write() as conn:
            progress = conn.execute(
                "SELECT last_rowid, done FROM rotation_progress WHERE target_version = ? "
                "AND table_name = ?", (target, table)).fetchone()
            if progress is not None and progress["done"]:
                return resealed, True
            last = progress["last_rowid"] if progress else 0
            rows = conn.execute(
                f"SELECT rowid AS _rowid, * FROM {table} WHERE rowid > ? "  # noqa: S608
                "ORDER BY rowid LIMIT ?", (last, batch)).fetchall()
            for row in rows:
                changes, count = _reseal_row(db.keyring, table, row, target)
                if changes:
                    assignments = ", ".join(f"{column} = ?" for column in changes)
                    conn.execute(f"UPDATE {table} SET {assignments} WHERE rowid = ?",  # noqa: S608
                                 (*changes.values(), row["_rowid"]))
                    resealed += count
            new_last = rows[-1]["_rowid"] if rows else last
            conn.execute(
                "INSERT INTO rotation_progress (target_version, table_name, last_rowid, done) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (target_version, table_name) "
                "DO UPDATE SET last_rowid = excluded.last_rowid, done = excluded.done",
                (target, table, new_last, 0 if rows else 1))
        if not rows:
            return resealed, True


def values_under_old_keys(db: Database, target: int) -> int:
    """How many stored values are still sealed under a version other than ``target``."""
    count = 0
    for table, columns in SEALED_COLUMNS.items():
        for column in columns:
            row = db.query(
                f"SELECT COUNT(*) FROM {table} WHERE {column} IS NOT NULL "  # noqa: S608
                f"AND substr({column}, 2, 4) != ?", (target.to_bytes(4, "big"),))
            count += int(row[0][0])
    return count


def rotate_keys(db: Database, kek: bytes, actor_id: str | None, *, batch: int = 500,
                stop: Callable[[], bool] = lambda: False) -> RotationReport:
    """Rotate to a new data key, or resume an interrupted rotation, re-encrypting everything.

    :param stop: polled between batches; returning True leaves the rotation to be resumed later.
    """
    with db.write() as conn:
        retiring = conn.execute(
            "SELECT 1 FROM keyring WHERE state = ? LIMIT 1", (keyring_store.RETIRING,)).fetchone()
        resumed = retiring is not None
        if not resumed:
            keyring_store.add_key_version(conn, kek, db.now())
    db.unlock(kek)
    target = db.keyring.active_version
    _LOGGER.info("%s key rotation to version %s", "resuming" if resumed else "starting", target)
    resealed = 0
    while True:
        for table in SEALED_COLUMNS:
            count, finished = _walk_table(db, table, target, batch, stop)
            resealed += count
            if not finished:
                return RotationReport(target, resumed, resealed, [])
        if values_under_old_keys(db, target) == 0:
            break
        # Rare: a process that had not yet noticed the new key wrote under the old one.
        with db.write() as conn:
            conn.execute("DELETE FROM rotation_progress WHERE target_version = ?", (target,))
    with db.write() as conn:
        retired = [row[0] for row in conn.execute(
            "SELECT DISTINCT version FROM keyring WHERE state = ? AND purpose = 'data'",
            (keyring_store.RETIRING,))]
        for version in retired:
            keyring_store.retire_version(conn, version)
        append_audit(db, actor_id, AuditAction.KEY_ROTATE, "keyring", str(target),
                     details={"resealed": resealed, "retired": retired}, conn=conn)
    return RotationReport(target, resumed, resealed, retired)
