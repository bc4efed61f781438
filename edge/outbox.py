"""Documents and their outbox: a document row and one outbox row per destination, in one transaction.

States (DESIGN §6): QUEUED → SENDING (claimed) → DELIVERED → ACKNOWLEDGED; WAITING (retry after a
capped, jittered backoff); BLOCKED (a person must act: identity not qualified, certificate
refused); DEAD (never expires, can be replayed; also reached from DELIVERED or ACKNOWLEDGED
when a receipt says the document could not be integrated). Rows are taken in insertion order
(``seq``), never by wall-clock time. Claims left by a crash are released at start (`release_stale_claims`).
The matricule leaves only for a qualified (QUAL) identity: for anyone else the row is written
BLOCKED with that reason, in plain French.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from edge.audit import AuditAction, AuditOutcome, append_audit
from edge.errors import NotFound, RecordRejected
from edge.record import Destination, OutboxRow, OutboxState, new_id
from edge.storage import Database, iso

IDENTITY_NOT_QUALIFIED = (
    "Identité non qualifiée : le document partira quand l'identité INS du résident sera "
    "qualifiée (pièce d'identité vérifiée et INS récupérée par le téléservice INSi).")
BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 3600


def store_document(
    db: Database, *, resident_id: str | None, kind: str, unique_id: str, media_type: str,
    content: bytes, metadata: dict[str, Any], author_id: str | None,
    destinations: Sequence[Destination], identity_qualified: bool,
    replaces_id: str | None = None,
) -> str:
    """Store a document and queue it for each destination in the same durable transaction."""
    if not destinations:
        raise RecordRejected("Aucune destination n'est indiquée pour ce document.")
    doc_id = new_id()
    with db.write() as conn:
        keyring = db.keyring
        if conn.execute("SELECT 1 FROM documents WHERE unique_id = ?", (unique_id,)).fetchone():
            raise RecordRejected("Ce document a déjà été enregistré.")
        version = 1
        if replaces_id is not None:
            old = conn.execute("SELECT version FROM documents WHERE id = ?",
                               (replaces_id,)).fetchone()
            if old is None:
                raise NotFound("the document to replace does not exist")
            version = old["version"] + 1
        now = db.now()
        conn.execute(
            "INSERT INTO documents (id, unique_id, resident_id, kind, created_at, author_id, "
            "media_type, content, metadata, replaces_id, version) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (doc_id, unique_id, resident_id, kind, now, author_id, media_type,
             keyring.seal(content, "documents", "content", doc_id),
             keyring.seal_json(metadata, "documents", "metadata", doc_id), replaces_id, version))
        state = OutboxState.QUEUED if identity_qualified else OutboxState.BLOCKED
        reason = None if identity_qualified else IDENTITY_NOT_QUALIFIED
        for destination in destinations:
            conn.execute(
                "INSERT INTO outbox (id, document_id, destination, state, blocked_reason, "
                "next_attempt_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (new_id(), doc_id, destination.value, int(state), reason, now, now, now))
        append_audit(db, author_id, AuditAction.CREATE, "document", doc_id,
                     resident_id=resident_id, details={"kind": kind}, conn=conn)
    return doc_id


def row_from_sql(row: sqlite3.Row) -> OutboxRow:
    """An ``outbox`` table row as the record value (for the modules of `edge` that read it)."""
    return OutboxRow(row["seq"], row["id"], row["document_id"], Destination(row["destination"]),
                     OutboxState(row["state"]), row["attempts"], row["next_attempt_at"],
                     row["last_error"], row["blocked_reason"], row["created_at"],
                     row["updated_at"])


def claim_next(db: Database, worker: str, destination: Destination | None = None) -> OutboxRow | None:
    """Claim the oldest row due for delivery (QUEUED, or WAITING whose time has come)."""
    now = db.now()
    sql = ("SELECT * FROM outbox WHERE (state = ? OR (state = ? AND next_attempt_at <= ?))")
    params: list[object] = [int(OutboxState.QUEUED), int(OutboxState.WAITING), now]
    if destination is not None:
        sql += " AND destination = ?"
        params.append(destination.value)
    with db.write() as conn:
        row = conn.execute(sql + " ORDER BY seq LIMIT 1", params).fetchone()
        if row is None:
            return None
        conn.execute(
            "UPDATE outbox SET state = ?, claimed_at = ?, claimed_by = ?, attempts = attempts + 1, "
            "updated_at = ? WHERE seq = ?",
            (int(OutboxState.SENDING), now, worker, now, row["seq"]))
        claimed = conn.execute("SELECT * FROM outbox WHERE seq = ?", (row["seq"],)).fetchone()
    return row_from_sql(claimed)


def _transition(db: Database, row_id: str, state: OutboxState, *, error: str | None = None,
                blocked_reason: str | None = None, next_attempt_at: str | None = None,
                expected: Sequence[OutboxState] = (OutboxState.SENDING,)) -> None:
    with db.write() as conn:
        current = conn.execute("SELECT state FROM outbox WHERE id = ?", (row_id,)).fetchone()
        if current is None:
            raise NotFound("no such outbox row")
        if OutboxState(current["state"]) not in expected:
            raise RecordRejected(
                f"outbox row is {OutboxState(current['state']).name}, not "
                f"{'/'.join(s.name for s in expected)}")
        conn.execute(
            "UPDATE outbox SET state = ?, last_error = COALESCE(?, last_error), "
            "blocked_reason = ?, next_attempt_at = ?, claimed_at = NULL, claimed_by = NULL, "
            "updated_at = ? WHERE id = ?",
            (int(state), error, blocked_reason, next_attempt_at, db.now(), row_id))


def mark_delivered(db: Database, row_id: str) -> None:
    _transition(db, row_id, OutboxState.DELIVERED)
    append_audit(db, None, AuditAction.SEND, "outbox", row_id)


def mark_acknowledged(db: Database, row_id: str) -> None:
    _transition(db, row_id, OutboxState.ACKNOWLEDGED,
                expected=(OutboxState.DELIVERED, OutboxState.SENDING))


def backoff_delay(attempts: int, rng: random.Random) -> timedelta:
    """Capped exponential backoff with full jitter."""
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1))
    return timedelta(seconds=rng.uniform(ceiling / 2, ceiling))


def mark_waiting(db: Database, row: OutboxRow, error: str, now: datetime,
                 rng: random.Random) -> None:
    retry_at = iso(now + backoff_delay(row.attempts, rng))
    _transition(db, row.id, OutboxState.WAITING, error=error, next_attempt_at=retry_at)


def mark_blocked(db: Database, row_id: str, reason: str) -> None:
    _transition(db, row_id, OutboxState.BLOCKED, blocked_reason=reason)


def mark_dead(db: Database, row_id: str, error: str) -> None:
    _transition(db, row_id, OutboxState.DEAD, error=error)


def mark_failed_after_delivery(db: Database, row_id: str, reason: str,
                               code: str | None = None) -> None:
    """A receipt says the delivered document could not be integrated (an error MDN, a failure
    DSN): the row becomes DEAD with the reason in French, for an administrator to replay once
    the cause is fixed.

    :raises RecordRejected: the row is not DELIVERED or ACKNOWLEDGED.
    """
    with db.write() as conn:
        _transition(db, row_id, OutboxState.DEAD, error=reason,
                    expected=(OutboxState.DELIVERED, OutboxState.ACKNOWLEDGED))
        append_audit(db, None, AuditAction.SEND, "outbox", row_id, outcome=AuditOutcome.ERROR,
                     details={"failed_after_delivery": True, "code": code}, conn=conn)


def expedite_waiting(db: Database, destination: Destination) -> int:
    """Make the WAITING rows of a service due now (it has just become reachable again)."""
    with db.write() as conn:
        cursor = conn.execute(
            "UPDATE outbox SET next_attempt_at = ? WHERE state = ? AND destination = ?",
            (db.now(), int(OutboxState.WAITING), destination.value))
        return cursor.rowcount


def outbox_state(db: Database, document_id: str, destination: Destination) -> OutboxState | None:
    """The state of a document's row for one destination (None when it has no such row)."""
    rows = db.query("SELECT state FROM outbox WHERE document_id = ? AND destination = ?",
                    (document_id, destination.value))
    return OutboxState(rows[0]["state"]) if rows else None


def replay(db: Database, row_id: str, actor_id: str) -> None:
    """An administrator sends a dead or blocked row again."""
    _transition(db, row_id, OutboxState.QUEUED, next_attempt_at=db.now(),
                expected=(OutboxState.DEAD, OutboxState.BLOCKED))
    append_audit(db, actor_id, AuditAction.SEND, "outbox", row_id, details={"replay": True})


def release_stale_claims(db: Database) -> int:
    """Put rows a crashed worker left SENDING back in the queue; return how many."""
    with db.write() as conn:
        cursor = conn.execute(
            "UPDATE outbox SET state = ?, claimed_at = NULL, claimed_by = NULL, updated_at = ? "
            "WHERE state = ?", (int(OutboxState.QUEUED), db.now(), int(OutboxState.SENDING)))
        return cursor.rowcount


def count_by_state(db: Database) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for row in db.query("SELECT destination, state, COUNT(*) AS n FROM outbox "
                        "GROUP BY destination, state"):
        counts.setdefault(row["destination"], {})[OutboxState(row["state"]).name.lower()] = row["n"]
    return counts


def list_outbox(db: Database, states: Sequence[OutboxState] | None = None,
                limit: int = 200) -> list[OutboxRow]:
    sql, params = "SELECT * FROM outbox", []
    if states:
        sql += f" WHERE state IN ({','.join('?' * len(states))})"
        params = [int(state) for state in states]
    return [row_from_sql(row) for row in db.query(sql + " ORDER BY seq LIMIT ?", (*params, limit))]
