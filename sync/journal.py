"""How what the services say outside a sending becomes outbox state: probes and receipts.

The storage is `edge`'s (`record_probe`, `record_receipt`, `find_row_by_remote_ref` and the
outbox transitions); this module holds the rules. A probe that finds a service reachable again
makes its waiting rows due at once. A receipt is kept once with the row it answers (found by the
row's ``remote_ref``): a success acknowledges a DELIVERED row; a failure makes a DELIVERED or
ACKNOWLEDGED row DEAD with the reason in plain French (an administrator can replay it once the
cause is fixed). Both happen in one write transaction with the receipt.
"""

from __future__ import annotations

import logging

from edge import (
    Database,
    OutboxState,
    Receipt,
    RecordRejected,
    expedite_waiting,
    find_row_by_remote_ref,
    mark_acknowledged,
    mark_failed_after_delivery,
    record_probe,
    record_receipt,
)
from sync.adapter import ProbeResult, ReceiptEvent

_LOGGER = logging.getLogger(__name__)
FAILED_AFTER_DELIVERY = "Le destinataire n'a pas pu intégrer le document."


def apply_probe(db: Database, probe: ProbeResult) -> int:
    """Keep the probe; when the service has just become reachable again, make its waiting rows
    due now and return how many (0 otherwise)."""
    again = record_probe(db, probe.destination, checked_at=probe.checked_at,
                         reachable=probe.reachable, detail=probe.detail,
                         certificate_expires_at=probe.certificate_expires_at)
    if not again:
        return 0
    count = expedite_waiting(db, probe.destination)
    _LOGGER.info("%s reachable again: %s waiting rows due now", probe.destination.value, count)
    return count


def failure_reason(event: ReceiptEvent) -> str:
    """The French reason a failed receipt leaves on its row."""
    reason = event.reason or FAILED_AFTER_DELIVERY
    return f"{reason} (code {event.code})" if event.code else reason


def apply_receipt(db: Database, event: ReceiptEvent) -> str | None:
    """Record a receipt once and map it onto its outbox row; return the row id (None if unknown)."""
    with db.write():
        row = find_row_by_remote_ref(db, event.remote_ref)
        if row is None:
            _LOGGER.warning("a %s receipt answers no known sending", event.kind.value)
            return None
        fresh = record_receipt(db, row.id, Receipt(
            event.kind.value, event.received_at, event.message_id, event.code, event.disposition,
            event.raw))
        if not fresh:
            return row.id
        if event.success:
            if row.state is OutboxState.DELIVERED:
                try:
                    mark_acknowledged(db, row.id)
                except RecordRejected:
                    _LOGGER.warning("outbox row %s could not be acknowledged", row.id)
        elif row.state in (OutboxState.DELIVERED, OutboxState.ACKNOWLEDGED):
            mark_failed_after_delivery(db, row.id, failure_reason(event), event.code)
            _LOGGER.warning("outbox row %s failed after delivery (%s)", row.id, event.code)
    return row.id
