"""The delivery worker: claims outbox rows, sends each through its destination's adapter, records
what happened, and turns the outcome into outbox state.

A pass goes destination by destination, oldest row first (``seq``), until nothing is due. Each row
is handled on its own: whatever one document does (refused, malformed, an unexpected error in an
adapter), the next one is still sent. After a few consecutive "try later" answers from the same
service in one pass, the pass stops knocking on that service (the rows not yet claimed stay
queued, unpenalised). Outcomes: receipt → DELIVERED, or ACKNOWLEDGED at once when the service
registered the document synchronously; `RetryLater` → WAITING (capped, jittered backoff);
`DeliveryRefused` → DEAD (never expires, replayable); `ConfigurationIncomplete` → BLOCKED.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from edge import (
    AttemptOutcome,
    Database,
    Destination,
    EdgeError,
    MetadataUnreadable,
    NotFound,
    OutboxRow,
    OutboxState,
    StoredDocument,
    claim_next,
    load_document,
    mark_acknowledged,
    mark_blocked,
    mark_dead,
    mark_delivered,
    mark_waiting,
    outbox_state,
    record_attempt,
    release_stale_claims,
    set_remote_ref,
)
from sync.adapter import Adapter, DeliveryReceipt, ReceiptEvent
from sync.errors import ConfigurationIncomplete, DeliveryRefused, RetryLater
from sync.journal import apply_probe, apply_receipt

_LOGGER = logging.getLogger(__name__)
CONSECUTIVE_RETRIES_PER_PASS = 3
UNEXPECTED_ERRORS_BEFORE_DEAD = 10
PREVIOUS_VERSION_PENDING = "En attente : la version précédente de ce document n'est pas encore envoyée."
PREVIOUS_VERSION_FAILED = ("La version précédente de ce document n'a pas pu être envoyée : "
                           "renvoyez-la d'abord, puis celle-ci.")
UNREADABLE = "Le document enregistré est illisible : il doit être généré à nouveau."
INTERNAL = "Erreur interne lors de l'envoi : l'envoi sera retenté."
INTERNAL_DEAD = ("Erreur interne répétée lors de l'envoi : contactez le support ; un administrateur "
                 "pourra relancer l'envoi.")


@dataclass(slots=True)
class PassReport:
    """How many rows ended in each outcome during one pass."""

    counts: dict[AttemptOutcome, int] = field(default_factory=dict)

    def add(self, outcome: AttemptOutcome) -> None:
        self.counts[outcome] = self.counts.get(outcome, 0) + 1

    @property
    def handled(self) -> int:
        return sum(self.counts.values())


class DeliveryWorker:
    """Drains the outbox through the adapters, one row at a time.

    :param clock: the current time (aware); ``rng``: the backoff jitter. Both passed in.
    """

    def __init__(self, db: Database, adapters: Mapping[Destination, Adapter], *, worker: str,
                 clock: Callable[[], datetime], rng: random.Random) -> None:
        self.db = db
        self.adapters = dict(adapters)
        self.worker = worker
        self.clock = clock
        self.rng = rng

    def recover(self) -> int:
        """Put back the rows a crashed worker left SENDING (run once at start)."""
        released = release_stale_claims(self.db)
        if released:
            _LOGGER.warning("released %s delivery claims left by a stopped worker", released)
        return released

    def run_pass(self, limit: int | None = None) -> PassReport:
        """Send every row that is due, destination by destination (at most ``limit`` rows)."""
        report = PassReport()
        for destination, adapter in self.adapters.items():
            retries = 0
            while limit is None or report.handled < limit:
                row = claim_next(self.db, self.worker, destination)
                if row is None:
                    break
                outcome = self.deliver_one(row, adapter)
                report.add(outcome)
                retries = retries + 1 if outcome is AttemptOutcome.RETRY else 0
                if retries >= CONSECUTIVE_RETRIES_PER_PASS:
                    _LOGGER.info("%s keeps answering 'try later': pass stopped for it",
                                 destination.value)
                    break
        if report.handled:
            _LOGGER.info("delivery pass: %s", {k.value: v for k, v in report.counts.items()})
        return report

    def deliver_one(self, row: OutboxRow, adapter: Adapter) -> AttemptOutcome:
        """Send one claimed row and record the outcome (never raises for the document's sake)."""
        started = self.clock()
        try:
            document = load_document(self.db, row.document_id)
        except (MetadataUnreadable, NotFound) as exc:
            return self._dead(row, started, "UNREADABLE", UNREADABLE, str(exc))
        pending = self._previous_version(document, row.destination)
        if pending is not None:
            return pending(row, started)
        try:
            receipt = adapter.deliver(row, document)
        except RetryLater as exc:
            return self._waiting(row, started, "RETRY", str(exc))
        except DeliveryRefused as exc:
            return self._dead(row, started, exc.code, exc.reason, exc.code)
        except ConfigurationIncomplete as exc:
            self._finish(row, started, AttemptOutcome.BLOCKED, "CONFIGURATION", str(exc))
            mark_blocked(self.db, row.id, str(exc))
            return AttemptOutcome.BLOCKED
        except (EdgeError, ValueError, OSError, KeyError, TypeError) as exc:
            # A fault in this document's handling (or a bug): it must not stop the others.
            _LOGGER.exception("unexpected error while sending outbox row %s", row.id)
            if row.attempts >= UNEXPECTED_ERRORS_BEFORE_DEAD:
                return self._dead(row, started, "INTERNAL", INTERNAL_DEAD, type(exc).__name__)
            return self._waiting(row, started, "INTERNAL", INTERNAL)
        return self._delivered(row, started, receipt)

    def _previous_version(self, document: StoredDocument, destination: Destination
                          ) -> Callable[[OutboxRow, datetime], AttemptOutcome] | None:
        """A replacement waits until the version it replaces is delivered to the same service."""
        if document.replaces_id is None:
            return None
        state = outbox_state(self.db, document.replaces_id, destination)
        if state in (None, OutboxState.DELIVERED, OutboxState.ACKNOWLEDGED):
            return None
        if state in (OutboxState.DEAD, OutboxState.BLOCKED):
            def blocked(row: OutboxRow, started: datetime) -> AttemptOutcome:
                self._finish(row, started, AttemptOutcome.BLOCKED, "PREVIOUS_VERSION",
                             PREVIOUS_VERSION_FAILED)
                mark_blocked(self.db, row.id, PREVIOUS_VERSION_FAILED)
                return AttemptOutcome.BLOCKED
            return blocked
        return lambda row, started: self._waiting(row, started, "PREVIOUS_VERSION",
                                                  PREVIOUS_VERSION_PENDING)

    def _finish(self, row: OutboxRow, started: datetime, outcome: AttemptOutcome,
                code: str | None, detail: str | None) -> None:
        record_attempt(self.db, row.id, started=started, finished=self.clock(), outcome=outcome,
                       error_code=code, detail=detail)

    def _waiting(self, row: OutboxRow, started: datetime, code: str, reason: str
                 ) -> AttemptOutcome:
        with self.db.write():
            self._finish(row, started, AttemptOutcome.RETRY, code, reason)
            mark_waiting(self.db, row, reason, self.clock(), self.rng)
        _LOGGER.info("outbox row %s will be tried again later (%s)", row.id, code)
        return AttemptOutcome.RETRY

    def _dead(self, row: OutboxRow, started: datetime, code: str, reason: str,
              detail: str) -> AttemptOutcome:
        with self.db.write():
            self._finish(row, started, AttemptOutcome.REFUSED, code, detail)
            mark_dead(self.db, row.id, reason)
        _LOGGER.error("outbox row %s refused (%s): a person must act", row.id, code)
        return AttemptOutcome.REFUSED

    def _delivered(self, row: OutboxRow, started: datetime, receipt: DeliveryReceipt
                   ) -> AttemptOutcome:
        outcome = AttemptOutcome.ACKNOWLEDGED if receipt.acknowledged else AttemptOutcome.DELIVERED
        with self.db.write():
            self._finish(row, started, outcome, None, receipt.detail)
            if receipt.remote_ref is not None:
                set_remote_ref(self.db, row.id, receipt.remote_ref)
            mark_delivered(self.db, row.id)
            if receipt.acknowledged:
                mark_acknowledged(self.db, row.id)
        return outcome

    def probe_all(self) -> dict[Destination, bool]:
        """Probe every service; when one is reachable again, its waiting rows become due now."""
        reachable = {}
        for destination, adapter in self.adapters.items():
            probe = adapter.probe()
            reachable[destination] = probe.reachable
            apply_probe(self.db, probe)
        return reachable

    def collect_receipts(self) -> int:
        """Map the receipts that arrived since the last call onto their rows."""
        mapped = 0
        for adapter in self.adapters.values():
            try:
                mapped += adapter.collect_receipts(self._apply_receipt)
            except RetryLater as exc:
                _LOGGER.warning("receipts could not be read now: %s", exc)
            except ConfigurationIncomplete as exc:
                _LOGGER.error("receipts cannot be read: %s", exc)
        return mapped

    def _apply_receipt(self, event: ReceiptEvent) -> bool:
        return apply_receipt(self.db, event) is not None
