"""The delivery journal beside the outbox: attempts, endpoint probes, receipts, remote references.

``delivery_attempts`` gets one append-only row per try (outcome, error code, a short technical
detail, never personal data); ``endpoint_probes`` keeps the last real probe of each national
service (the tablet's banner and the *Envois* page read it); ``receipts`` keeps each DSN/MDN once
(its raw text sealed), tied to the outbox row it answers; ``outbox.remote_ref`` is the reference a
service knows a sending by, used to find the row a later receipt answers. The sync process writes
all of it through these functions; the outbox state itself moves through `edge.outbox`. Each
function joins the caller's write transaction when there is one (``db.write()`` nests).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from edge.outbox import row_from_sql
from edge.record import Destination, OutboxRow, new_id
from edge.storage import Database, iso

DETAIL_LIMIT = 500


class AttemptOutcome(StrEnum):
    """How one try ended (the ``outcome`` column of ``delivery_attempts``)."""

    DELIVERED = "delivered"
    ACKNOWLEDGED = "acknowledged"
    RETRY = "retry"
    REFUSED = "refused"
    BLOCKED = "blocked"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class EndpointProbe:
    """The last real probe of a national service endpoint."""

    destination: Destination
    checked_at: str
    reachable: bool
    detail: str | None
    certificate_expires_at: str | None


@dataclass(frozen=True, slots=True)
class Receipt:
    """A receipt (DSN, MDN) as the sync process read it, to be kept with the row it answers.

    :param message_id: the receipt's own Message-ID, so a receipt is recorded once (None when the
        service gave it none: then it is recorded every time it is offered).
    :param raw: the receipt as received (sealed at rest).
    """

    kind: str
    received_at: datetime
    message_id: str | None = None
    code: str | None = None
    disposition: str | None = None
    raw: bytes = b""


def record_attempt(db: Database, outbox_id: str, *, started: datetime, finished: datetime,
                   outcome: AttemptOutcome, error_code: str | None = None,
                   detail: str | None = None) -> None:
    """Append one attempt; ``detail`` is cut to `DETAIL_LIMIT` characters."""
    with db.write() as conn:
        seq = conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM delivery_attempts").fetchone()[0]
        conn.execute(
            "INSERT INTO delivery_attempts (id, seq, outbox_id, started_at, finished_at, outcome, "
            "error_code, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (new_id(), seq, outbox_id, iso(started), iso(finished), outcome.value, error_code,
             (detail or "")[:DETAIL_LIMIT] or None))


def record_probe(db: Database, destination: Destination, *, checked_at: datetime,
                 reachable: bool, detail: str, certificate_expires_at: datetime | None = None
                 ) -> bool:
    """Keep the last probe of a service; return True when it has just become reachable again
    (the previous probe failed)."""
    with db.write() as conn:
        before = conn.execute("SELECT reachable FROM endpoint_probes WHERE destination = ?",
                              (destination.value,)).fetchone()
        conn.execute(
            "INSERT INTO endpoint_probes (destination, checked_at, reachable, detail, "
            "certificate_expires_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (destination) DO UPDATE "
            "SET checked_at = excluded.checked_at, reachable = excluded.reachable, "
            "detail = excluded.detail, certificate_expires_at = excluded.certificate_expires_at",
            (destination.value, iso(checked_at), int(reachable), detail,
             iso(certificate_expires_at) if certificate_expires_at else None))
    return reachable and before is not None and not before["reachable"]


def endpoint_probes(db: Database) -> list[EndpointProbe]:
    """The last probe of each destination the sync process checked."""
    known = {d.value for d in Destination}
    return [EndpointProbe(Destination(row["destination"]), row["checked_at"],
                          bool(row["reachable"]), row["detail"], row["certificate_expires_at"])
            for row in db.query("SELECT * FROM endpoint_probes ORDER BY destination")
            if row["destination"] in known]


def set_remote_ref(db: Database, row_id: str, remote_ref: str) -> None:
    """Remember the reference the service knows this row's sending by."""
    with db.write() as conn:
        conn.execute("UPDATE outbox SET remote_ref = ? WHERE id = ?", (remote_ref, row_id))


def find_row_by_remote_ref(db: Database, remote_ref: str) -> OutboxRow | None:
    """The outbox row sent under ``remote_ref`` (read inside the caller's write transaction
    when there is one, so it sees that transaction's changes), or None."""
    with db.write() as conn:
        row = conn.execute("SELECT * FROM outbox WHERE remote_ref = ?", (remote_ref,)).fetchone()
    return row_from_sql(row) if row is not None else None


def record_receipt(db: Database, outbox_id: str, receipt: Receipt) -> bool:
    """Keep a receipt with the row it answers; False when a receipt with the same Message-ID is
    already kept (nothing written: a receipt is recorded once)."""
    with db.write() as conn:
        if receipt.message_id and conn.execute("SELECT 1 FROM receipts WHERE message_id = ?",
                                               (receipt.message_id,)).fetchone():
            return False
        receipt_id = new_id()
        conn.execute(
            "INSERT INTO receipts (id, outbox_id, kind, received_at, message_id, code, "
            "disposition, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (receipt_id, outbox_id, receipt.kind, iso(receipt.received_at), receipt.message_id,
             receipt.code, receipt.disposition,
             db.keyring.seal(receipt.raw, "receipts", "raw", receipt_id)))
    return True
