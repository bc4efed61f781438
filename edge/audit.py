"""The audit log: who did what to which record, when — reads included — in an append-only chain.

Each entry carries a MAC: HMAC-SHA256, under the audit key, of the entry's fields (its sequence
number, time, actor, action, object, resident, outcome and details in clear) and of the previous
entry's MAC. Editing, deleting or reordering any entry breaks the chain from that entry on, and
`verify_audit` names the first broken one. Keying the hash means that someone who can write the
file but does not hold the key cannot recompute a consistent chain. Details (which may hold
clinical context) are sealed; the other fields are ids, kinds and times only (CNIL 2021-122).
Triggers refuse deleting entries or changing anything but the sealed details (re-encrypted by key
rotation; the MAC covers their clear text, so rotation keeps the chain valid).
"""

from __future__ import annotations

import hmac
import json
import sqlite3
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from edge.errors import IntegrityViolation
from edge.storage import Database

GENESIS = b"\x00" * 32


class AuditAction(StrEnum):
    """What an actor did (the nature of the operation)."""

    INITIALISE = "initialise"
    READ = "read"
    CREATE = "create"
    AMEND = "amend"
    UPDATE = "update"
    IMPORT = "import"
    EXPORT = "export"
    SEND = "send"
    LOGIN = "login"
    LOGOUT = "logout"
    BACKUP = "backup"
    RESTORE = "restore"
    KEY_ROTATE = "key_rotate"
    KEY_REWRAP = "key_rewrap"
    RECOVERY_KIT = "recovery_kit"
    USER_ADD = "user_add"
    USER_DISABLE = "user_disable"


class AuditOutcome(StrEnum):
    OK = "ok"
    DENIED = "denied"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One entry as read back and verified."""

    seq: int
    at: str
    actor_id: str | None
    action: str
    object_type: str
    object_id: str | None
    resident_id: str | None
    outcome: str
    details: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class AuditVerification:
    """Result of walking the chain: entries checked and the first broken one, if any."""

    checked: int
    first_broken_seq: int | None
    reason: str | None

    @property
    def intact(self) -> bool:
        return self.first_broken_seq is None


def _message(entry: AuditEntry, previous_mac: bytes) -> bytes:
    fields = [entry.seq, entry.at, entry.actor_id, entry.action, entry.object_type,
              entry.object_id, entry.resident_id, entry.outcome, entry.details]
    canonical = json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return previous_mac + canonical.encode("utf-8")


def append_audit(
    db: Database,
    actor_id: str | None,
    action: AuditAction,
    object_type: str,
    object_id: str | None,
    *,
    resident_id: str | None = None,
    outcome: AuditOutcome = AuditOutcome.OK,
    details: dict[str, Any] | None = None,
    conn: sqlite3.Connection | None = None,
) -> int:
    """Append one entry (inside ``conn``'s transaction when given, else in its own); return its seq."""
    if conn is None:
        with db.write() as own:
            return append_audit(db, actor_id, action, object_type, object_id,
                                resident_id=resident_id, outcome=outcome, details=details, conn=own)
    last = conn.execute("SELECT seq, mac FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    seq = (last["seq"] if last else 0) + 1
    entry = AuditEntry(seq, db.now(), actor_id, action.value, object_type, object_id,
                       resident_id, outcome.value, details)
    mac = db.keyring.audit_mac(_message(entry, last["mac"] if last else GENESIS))
    sealed = (db.keyring.seal_json(details, "audit", "details", str(seq))
              if details is not None else None)
    conn.execute(
        "INSERT INTO audit (seq, at, actor_id, action, object_type, object_id, resident_id, "
        "outcome, details, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (seq, entry.at, actor_id, entry.action, object_type, object_id, resident_id,
         entry.outcome, sealed, mac),
    )
    return seq


def _entry(db: Database, row: sqlite3.Row) -> AuditEntry:
    details = (db.keyring.open_json(row["details"], "audit", "details", str(row["seq"]))
               if row["details"] is not None else None)
    return AuditEntry(row["seq"], row["at"], row["actor_id"], row["action"], row["object_type"],
                      row["object_id"], row["resident_id"], row["outcome"], details)


def verify_audit(db: Database, batch: int = 2000) -> AuditVerification:
    """Walk the whole chain in order and report the first entry that does not verify."""
    previous_mac = GENESIS
    expected_seq = 1
    checked = 0
    while True:
        rows = db.query("SELECT * FROM audit WHERE seq >= ? ORDER BY seq LIMIT ?",
                        (expected_seq, batch))
        if not rows:
            return AuditVerification(checked, None, None)
        for row in rows:
            if row["seq"] != expected_seq:
                return AuditVerification(checked, expected_seq,
                                         f"entry {expected_seq} is missing (deleted)")
            try:
                entry = _entry(db, row)
            except IntegrityViolation:
                return AuditVerification(checked, row["seq"], "its sealed details were altered")
            mac = db.keyring.audit_mac(_message(entry, previous_mac))
            if not hmac.compare_digest(mac, bytes(row["mac"])):
                return AuditVerification(checked, row["seq"],
                                         "its content or its place in the chain was altered")
            previous_mac = bytes(row["mac"])
            expected_seq += 1
            checked += 1


def list_audit(db: Database, *, resident_id: str | None = None, limit: int = 100,
               before_seq: int | None = None, actor_id: str | None = None,
               action: str | None = None, outcome: str | None = None) -> list[AuditEntry]:
    """Most recent entries first, optionally filtered (the administration viewer)."""
    clauses: list[str] = []
    params: list[object] = []
    for column, value in (("resident_id", resident_id), ("actor_id", actor_id),
                          ("action", action), ("outcome", outcome)):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    if before_seq is not None:
        clauses.append("seq < ?")
        params.append(before_seq)
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    rows = db.query(f"SELECT * FROM audit {where} ORDER BY seq DESC LIMIT ?",  # noqa: S608
                    (*params, limit))
    return [_entry(db, row) for row in rows]
