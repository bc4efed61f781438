"""What staff see of the deliveries: each outbox row with its document, and the endpoint probes.

A read model for the *Envois* page and the "national services unreachable" banner: rows per
destination with their document's kind, resident and dates, the reason they wait or are
blocked, the last attempt's outcome; which endpoints their last probe (`edge.delivery_log`,
written by the sync process) found unreachable, and which certificates expire. Reading only; no
sealed column is opened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from edge.delivery_log import EndpointProbe
from edge.outbox import IDENTITY_NOT_QUALIFIED
from edge.record import Destination, OutboxState
from edge.storage import Database

CERTIFICATE_WARNING_DAYS = 30
PROBE_STALE_MINUTES = 30


@dataclass(frozen=True, slots=True)
class DeliveryItem:
    """One document towards one destination, as the *Envois* page lists it."""

    outbox_id: str
    seq: int
    destination: Destination
    state: OutboxState
    document_id: str
    kind: str
    resident_id: str | None
    version: int
    created_at: str
    updated_at: str
    attempts: int
    next_attempt_at: str | None
    last_error: str | None
    blocked_reason: str | None
    last_error_code: str | None

    @property
    def blocked_by_identity(self) -> bool:
        return self.state is OutboxState.BLOCKED and self.blocked_reason == IDENTITY_NOT_QUALIFIED


def list_deliveries(db: Database, destination: Destination | None = None,
                    states: tuple[OutboxState, ...] = (), limit: int = 300,
                    outbox_id: str | None = None) -> list[DeliveryItem]:
    """Outbox rows with their document, newest first (by insertion sequence)."""
    sql = ("SELECT o.*, d.kind, d.resident_id, d.version, d.created_at AS document_created_at, "
           "(SELECT a.error_code FROM delivery_attempts a WHERE a.outbox_id = o.id "
           " ORDER BY a.seq DESC LIMIT 1) AS last_error_code "
           "FROM outbox o JOIN documents d ON d.id = o.document_id")
    where: list[str] = []
    params: list[object] = []
    if destination is not None:
        where.append("o.destination = ?")
        params.append(destination.value)
    if outbox_id is not None:
        where.append("o.id = ?")
        params.append(outbox_id)
    if states:
        where.append(f"o.state IN ({','.join('?' * len(states))})")
        params.extend(int(state) for state in states)
    if where:
        sql += " WHERE " + " AND ".join(where)
    rows = db.query(sql + " ORDER BY o.seq DESC LIMIT ?", (*params, limit))
    return [DeliveryItem(
        row["id"], row["seq"], Destination(row["destination"]), OutboxState(row["state"]),
        row["document_id"], row["kind"], row["resident_id"], row["version"],
        row["document_created_at"], row["updated_at"], row["attempts"], row["next_attempt_at"],
        row["last_error"], row["blocked_reason"], row["last_error_code"]) for row in rows]


def get_delivery(db: Database, outbox_id: str) -> DeliveryItem | None:
    """One row of the read model, or None."""
    found = list_deliveries(db, outbox_id=outbox_id, limit=1)
    return found[0] if found else None


def unreachable(probes: list[EndpointProbe]) -> list[EndpointProbe]:
    """The endpoints whose last probe failed."""
    return [probe for probe in probes if not probe.reachable]


def certificate_problems(probes: list[EndpointProbe], now: datetime
                         ) -> list[tuple[EndpointProbe, bool]]:
    """(probe, expired?) for certificates expired or expiring within the warning period."""
    found = []
    for probe in probes:
        if not probe.certificate_expires_at:
            continue
        expires = datetime.fromisoformat(probe.certificate_expires_at)
        if expires <= now:
            found.append((probe, True))
        elif expires <= now + timedelta(days=CERTIFICATE_WARNING_DAYS):
            found.append((probe, False))
    return found
