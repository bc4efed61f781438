"""What the delivery worker writes beside the outbox state: attempts, probes and receipts.

``delivery_attempts`` gets one append-only row per try (outcome, error code, a short technical
detail, never personal data); ``endpoint_probes`` the last real probe of each service (the tablet's
banner reads it); ``receipts`` each DSN/MDN once (its raw text sealed), mapped onto the outbox row
it answers by ``remote_ref``. The outbox transitions themselves go through `edge`'s functions,
inside the same write transaction when they belong together.
"""

from __future__ import annotations

import logging
import secrets
import sqlite3
from datetime import UTC, datetime
from enum import StrEnum

from edge import (
    Database,
    Destination,
    OutboxState,
    RecordRejected,
    mark_acknowledged,
)
from sync.adapter import ProbeResult, ReceiptEvent

_LOGGER = logging.getLogger(__name__)
DETAIL_LIMIT = 500


class AttemptOutcome(StrEnum):
    """How one try ended (the ``outcome`` column of ``delivery_attempts``)."""

    DELIVERED = "delivered"
    ACKNOWLEDGED = "acknowledged"
    RETRY = "retry"
    REFUSED = "refused"
    BLOCKED = "blocked"
    FAILED = "failed"


def iso(moment: datetime) -> str:
    """The record's timestamp form: UTC ISO 8601 with microseconds (sorts as text)."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _new_id() -> str:
    return secrets.token_hex(16)


def record_attempt(db: Database, outbox_id: str, *, started: datetime, finished: datetime,
                   outcome: AttemptOutcome, error_code: str | None = None,
                   detail: str | None = None) -> None:
    """Append one attempt (joins the caller's write transaction when there is one)."""
    with db.write() as conn:
        seq = conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM delivery_attempts").fetchone()[0]
        conn.execute(
            "INSERT INTO delivery_attempts (id, seq, outbox_id, started_at, finished_at, outcome, "
            "error_code, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (_new_id(), seq, outbox_id, iso(started), iso(finished), outcome.value, error_code,
             (detail or "")[:DETAIL_LIMIT] or None))


def write_probe(db: Database, probe: ProbeResult) -> bool:
    """Keep the last probe of a service; return True when it just became reachable again."""
    with db.write() as conn:
        before = conn.execute("SELECT reachable FROM endpoint_probes WHERE destination = ?",
                              (probe.destination.value,)).fetchone()
        expires = iso(probe.certificate_expires_at) if probe.certificate_expires_at else None
        conn.execute(
            "INSERT INTO endpoint_probes (destination, checked_at, reachable, detail, "
            "certificate_expires_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (destination) DO UPDATE "
            "SET checked_at = excluded.checked_at, reachable = excluded.reachable, "
            "detail = excluded.detail, certificate_expires_at = excluded.certificate_expires_at",
            (probe.destination.value, iso(probe.checked_at), int(probe.reachable), probe.detail,
             expires))
    return probe.reachable and before is not None and not before["reachable"]


def expedite_waiting(db: Database, destination: Destination) -> int:
    """Make the waiting rows of a service due now (it has just become reachable again)."""
    with db.write() as conn:
        cursor = conn.execute(
            "UPDATE outbox SET next_attempt_at = ? WHERE state = ? AND destination = ?",
            (db.now(), int(OutboxState.WAITING), destination.value))
        return cursor.rowcount


def state_of(db: Database, document_id: str, destination: Destination) -> OutboxState | None:
    """The state of a document's row for one destination (None when it has no such row)."""
    rows = db.query("SELECT state FROM outbox WHERE document_id = ? AND destination = ?",
                    (document_id, destination.value))
    return OutboxState(rows[0]["state"]) if rows else None


def apply_receipt(db: Database, event: ReceiptEvent) -> str | None:
    """Record a receipt once and map it onto its outbox row; return the row id (None if unknown).

    A success acknowledges a DELIVERED row; a failure makes it DEAD with the reason in French
    (an administrator can replay it once the cause is fixed).
    """
    with db.write() as conn:
        row = conn.execute("SELECT id, state FROM outbox WHERE remote_ref = ?",
                           (event.remote_ref,)).fetchone()
        if row is None:
            _LOGGER.warning("a %s receipt answers no known sending", event.kind.value)
            return None
        if event.message_id and conn.execute("SELECT 1 FROM receipts WHERE message_id = ?",
                                             (event.message_id,)).fetchone():
            return str(row["id"])
        receipt_id = _new_id()
        conn.execute(
            "INSERT INTO receipts (id, outbox_id, kind, received_at, message_id, code, "
            "disposition, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (receipt_id, row["id"], event.kind.value, iso(event.received_at), event.message_id,
             event.code, event.disposition,
             db.keyring.seal(event.raw, "receipts", "raw", receipt_id)))
        _map_receipt(db, conn, row, event)
    return str(row["id"])


def _map_receipt(db: Database, conn: sqlite3.Connection, row: sqlite3.Row,
                 event: ReceiptEvent) -> None:
    state = OutboxState(row["state"])
    if event.success:
        if state is OutboxState.DELIVERED:
            try:
                mark_acknowledged(db, row["id"])
            except RecordRejected:
                _LOGGER.warning("outbox row %s could not be acknowledged", row["id"])
        return
    if state not in (OutboxState.DELIVERED, OutboxState.ACKNOWLEDGED):
        return
    reason = event.reason or "Le destinataire n'a pas pu intégrer le document."
    if event.code:
        reason = f"{reason} (code {event.code})"
    # edge.outbox has no transition out of DELIVERED/ACKNOWLEDGED yet: the same guarded update.
    conn.execute(
        "UPDATE outbox SET state = ?, last_error = ?, updated_at = ? WHERE id = ? AND state = ?",
        (int(OutboxState.DEAD), reason, db.now(), row["id"], int(state)))
    _LOGGER.warning("outbox row %s failed after delivery (%s)", row["id"], event.code)
