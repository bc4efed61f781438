"""The contract every delivery adapter (DMP, MSSanté) meets, and the values it hands back.

The delivery loop (`sync.delivery`) knows only this module: it claims an outbox row, loads the
document, calls `Adapter.deliver` and turns the outcome into outbox state:

- a `DeliveryReceipt` → the row is DELIVERED (or ACKNOWLEDGED at once when the service answered
  synchronously that it registered the document, as the DMP does);
- `RetryLater` → WAITING with backoff (service unreachable, 5xx, timeout, reset);
- `DeliveryRefused(code, reason)` → DEAD, with the reason in plain French;
- `ConfigurationIncomplete` → BLOCKED: an administrator must set an endpoint or a certificate.

Adapters that learn about a document only later (MSSanté: DSN and MDN read over IMAP) hand
`ReceiptEvent` values to the loop's ``apply`` function from `collect_receipts`; the loop maps them
onto the row by `remote_ref`, and the adapter puts a receipt aside only once it is applied.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol, runtime_checkable

from edge import Destination, OutboxRow, StoredDocument


@dataclass(frozen=True, slots=True)
class DeliveryReceipt:
    """What a service said when it took a document.

    :param remote_ref: the reference the service knows the sending by (the DMP's registry
        entry uuid, the SMTP Message-ID), kept in ``outbox.remote_ref`` to match later receipts.
    :param acknowledged: True when the answer already proves the document is registered (the DMP's
        RegistryResponse Success); False when a receipt is still to come (MSSanté).
    :param already_present: the service already held the same document (an earlier sending that
        the appliance did not hear back from); it counts as delivered.
    :param detail: a short technical note for the attempt log (no personal data).
    """

    remote_ref: str | None
    acknowledged: bool
    already_present: bool = False
    detail: str = ""


class ReceiptKind(StrEnum):
    """Kinds of receipts a service sends back after the sending."""

    DSN = "dsn"
    MDN = "mdn"
    REGISTRY = "registry"


@dataclass(frozen=True, slots=True)
class ReceiptEvent:
    """A receipt that arrived after the sending (a DSN or an MDN read from the home's mailbox).

    :param remote_ref: the ``remote_ref`` of the outbox row it answers (Original-Message-ID).
    :param success: True for a delivery/processing success, False for a failure.
    :param code: the service's error code (CI-SIS 900–906 for an error MDN), if any.
    :param reason: the failure in plain French, shown to staff (None on success).
    :param message_id: the receipt's own Message-ID, so a receipt is recorded once.
    :param raw: the receipt as received (sealed at rest).
    """

    remote_ref: str
    kind: ReceiptKind
    success: bool
    received_at: datetime
    message_id: str | None = None
    code: str | None = None
    disposition: str | None = None
    reason: str | None = None
    raw: bytes = b""


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """The result of a real probe of a service (a TLS handshake and a light request).

    :param detail: plain French shown in the tablet's banner when ``reachable`` is False.
    :param certificate_expires_at: when the home's client certificate stops being valid.
    """

    destination: Destination
    reachable: bool
    detail: str
    checked_at: datetime
    certificate_expires_at: datetime | None = None


@runtime_checkable
class Adapter(Protocol):
    """A delivery adapter for one national service.

    `deliver` must be idempotent on the document's unique id: sending the same document twice
    (after a crash between the sending and the recording of its result) must not register it
    twice, and an "already exists" answer for the same content is a success.
    """

    destination: Destination

    def deliver(self, row: OutboxRow, document: StoredDocument) -> DeliveryReceipt:
        """Send one document for one outbox row.

        :param document: the document as loaded from the record (bytes and XDS metadata).
        :raises RetryLater: the service could not be reached or failed for now.
        :raises DeliveryRefused: the service refused the document for good (code, French reason).
        :raises ConfigurationIncomplete: an endpoint or certificate is missing or unusable.
        """
        ...

    def probe(self) -> ProbeResult:
        """Check the service can really be reached now (never raises for an unreachable one)."""
        ...

    def collect_receipts(self, apply: Callable[[ReceiptEvent], bool]) -> int:
        """Hand each receipt that arrived to ``apply`` (which records it durably and returns True
        when it answers a known sending); return how many were applied (0 for a synchronous
        service). A receipt is put aside only after ``apply`` took it, so a crash, or a receipt
        that arrives before its sending is recorded, offers it again at a later call.

        :raises RetryLater: the receipts cannot be read now.
        """
        ...
