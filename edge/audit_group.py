"""Group commit of audit entries: many threads' entries written in shared transactions.

`append_audit` makes one durable transaction (one fsync) per entry, and a busy tablet server
queued its threads behind the write lock for it. Here a writer thread takes every entry waiting,
appends them to the chain in one transaction (each in its own savepoint, so a bad entry fails
alone) and commits once; each caller is woken when the transaction holding its entry committed
(or failed). Durability is exactly that of `append_audit`: `PendingAudit.wait` returns only after the
commit, so a caller that waits before answering never shows data whose read is not on disk; a
crash before the commit loses only entries whose callers had not answered yet. A caller may
submit early and wait late, so the fsync overlaps its own work (rendering the page).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from dataclasses import dataclass, field
from typing import Any

from edge.audit import AuditAction, AuditOutcome, append_audit
from edge.errors import EdgeError, StorageFailure
from edge.storage import Database

_LOGGER = logging.getLogger(__name__)
MAX_BATCH = 256
WAIT_TIMEOUT_S = 60.0
IDLE_EXIT_S = 5.0
"""The writer thread ends after this long without work (the next entry starts a new one)."""


@dataclass(frozen=True, slots=True)
class AuditRequest:
    """One entry to append (the arguments of `append_audit`)."""

    actor_id: str | None
    action: AuditAction
    object_type: str
    object_id: str | None
    resident_id: str | None = None
    outcome: AuditOutcome = AuditOutcome.OK
    details: dict[str, Any] | None = None


@dataclass(slots=True)
class PendingAudit:
    """An entry submitted and not yet known to be committed."""

    request: AuditRequest
    done: threading.Event = field(default_factory=threading.Event)
    seq: int | None = None
    error: BaseException | None = None

    def wait(self, timeout: float = WAIT_TIMEOUT_S) -> int:
        """The entry's sequence number once committed.

        :raises StorageFailure: the commit failed or did not come in time: nothing may be shown.
        """
        if not self.done.wait(timeout):
            raise StorageFailure("the audit entry was not written in time: nothing was shown")
        if self.error is not None:
            raise StorageFailure(f"the audit entry could not be written ({self.error})"
                                 ) from self.error
        if self.seq is None:  # pragma: no cover - done is set with a seq or an error
            raise StorageFailure("the audit entry has no sequence number")
        return self.seq


class AuditGroupWriter:
    """The group-commit writer of one record (start it once per process)."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._queue: list[PendingAudit] = []
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopping = False

    def submit(self, request: AuditRequest) -> PendingAudit:
        """Queue ``request``; call `PendingAudit.wait` before showing what it audits."""
        pending = PendingAudit(request)
        with self._wake:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="audit-group-commit",
                                                daemon=True)
                self._thread.start()
            self._queue.append(pending)
            self._wake.notify()
        return pending

    def append(self, request: AuditRequest) -> int:
        """Submit and wait: a drop-in for `append_audit` from many threads."""
        return self.submit(request).wait()

    def stop(self) -> None:
        """Write what is queued, then end the writer thread."""
        with self._wake:
            self._stopping = True
            self._wake.notify()
            thread = self._thread
        if thread is not None:
            thread.join(timeout=WAIT_TIMEOUT_S)

    def _run(self) -> None:
        while True:
            with self._wake:
                if not self._queue and not self._stopping:
                    self._wake.wait(IDLE_EXIT_S)
                if not self._queue:  # idle (or stopping): the next submit starts a new thread
                    if self._thread is threading.current_thread():
                        self._thread = None
                    return
                batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
            self._write(batch)

    def _write(self, batch: list[PendingAudit]) -> None:
        written: dict[int, int] = {}
        failure: EdgeError | None = None
        committed = False
        try:
            with self._db.write():
                for pending in batch:
                    try:
                        with self._db.savepoint() as conn:
                            written[id(pending)] = _append(self._db, pending.request, conn)
                    except (EdgeError, ValueError, TypeError) as exc:
                        pending.error = exc  # this entry alone; the others go on
            committed = True
        except EdgeError as exc:
            _LOGGER.error("an audit group commit of %d entries failed: %s", len(batch), exc)
            failure = exc
        finally:  # every caller is woken, whatever happened
            for pending in batch:
                if committed and id(pending) in written:
                    pending.seq = written[id(pending)]
                elif pending.error is None:
                    pending.error = failure or StorageFailure("the audit transaction ended early")
                pending.done.set()


def _append(db: Database, request: AuditRequest, conn: sqlite3.Connection) -> int:
    return append_audit(db, request.actor_id, request.action, request.object_type,
                        request.object_id, resident_id=request.resident_id,
                        outcome=request.outcome, details=request.details, conn=conn)
