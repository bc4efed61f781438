"""Group commit: one writer thread stores what every transport hands in, many readings per fsync.

Transports submit work (a reading to ingest, a refused frame to count, a link change) as
callables and wait for their results. The writer thread takes everything waiting — whole
submissions, up to `max_batch` items (one submission is never split), lingering at most
`linger_s` for more — and runs it in ONE write transaction
(`edge.Database.write`), each item inside its own savepoint (`edge.Database.savepoint`): an item
that raises is undone alone and gets its exception, the others go on. Only after COMMIT returned
does the writer hand each item its result, so a transport acknowledges (MLLP ACK, RACP cursor,
serial handshake) only what is durably stored; a kill -9 before COMMIT loses the batch, none of
it acknowledged. If the transaction itself fails (busy, disk full, I/O error), every item of the
batch gets `ReadingNotStored` and nothing is acknowledged.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from devices.errors import ReadingNotStored
from edge import Database, StorageFailure

_LOGGER = logging.getLogger(__name__)
MAX_BATCH = 200
LINGER_S = 0.0
"""Waiting for more work adds latency; by default a batch is what queued while the last committed."""
POLL_S = 0.2
Work = Callable[[], Any]


class WriterStopped(ReadingNotStored):
    """The writer is stopping or stopped: nothing more is taken; do not acknowledge."""


@dataclass(frozen=True, slots=True)
class _Item:
    work: Work
    future: Future[Any]


class _TransactionLost(Exception):
    """SQLite rolled back the batch's transaction while an item ran: the whole batch is lost."""


class GroupCommitWriter:
    """The single writer of the devices process. Thread-safe; `start` before submitting.

    :param max_batch: the most items in one transaction.
    :param linger_s: how long the writer waits for more items once it has one (0: not at all).
    """

    def __init__(self, db: Database, *, max_batch: int = MAX_BATCH,
                 linger_s: float = LINGER_S) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self._db = db
        self._max_batch = max_batch
        self._linger_s = linger_s
        self._queue: queue.SimpleQueue[list[_Item]] = queue.SimpleQueue()
        self._stopping = threading.Event()
        self._accepting = True
        self._accept_lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="group-commit", daemon=True)
        self.batches = 0
        self.items = 0

    def start(self) -> GroupCommitWriter:
        self._thread.start()
        return self

    def submit(self, works: Sequence[Work]) -> list[Future[Any]]:
        """Queue `works` (stored in one transaction); their futures resolve after the COMMIT that
        stored them, or with the exception that refused them.

        :raises WriterStopped: the writer no longer takes work.
        """
        items = [_Item(work, Future()) for work in works]
        with self._accept_lock:
            if not self._accepting or not self._thread.is_alive():
                raise WriterStopped("the devices writer is stopped")
            self._queue.put(items)
        return [item.future for item in items]

    def run_all(self, works: Sequence[Work]) -> list[Any | BaseException]:
        """Submit and wait: each work's result, or the exception it (or its batch) ended with.

        Called by a work (on the writer thread), the works run at once in the batch's open
        transaction, each in its own savepoint, instead of waiting for themselves.
        """
        if threading.current_thread() is self._thread:
            return [error if error is not None else result
                    for result, error in (self._run_item(work) for work in works)]
        futures = self.submit(works)
        results: list[Any | BaseException] = []
        for future in futures:
            exception = future.exception()
            results.append(exception if exception is not None else future.result())
        return results

    def run(self, work: Work) -> Any:
        """Submit one work, wait, and return its result or raise its exception."""
        [result] = self.run_all([work])
        if isinstance(result, BaseException):
            raise result
        return result

    def stop(self, timeout: float = 10.0) -> None:
        """Take no more work, store what is queued, then end the thread."""
        with self._accept_lock:
            self._accepting = False
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
            if self._thread.is_alive():
                _LOGGER.warning("the devices writer did not stop in time")
        self._fail_all(self._drain(), WriterStopped("the devices writer stopped"))

    def _run(self) -> None:
        while True:
            batch = self._next_batch()
            if batch:
                self._commit(batch)
            elif self._stopping.is_set():
                return

    def _next_batch(self) -> list[_Item]:
        try:
            batch = list(self._queue.get(timeout=POLL_S))
        except queue.Empty:
            return []
        while len(batch) < self._max_batch:
            try:
                batch.extend(self._queue.get(timeout=self._linger_s) if self._linger_s > 0
                             else self._queue.get_nowait())
            except queue.Empty:
                break
        return batch

    def _drain(self) -> list[_Item]:
        items: list[_Item] = []
        while True:
            try:
                items.extend(self._queue.get_nowait())
            except queue.Empty:
                return items

    def _commit(self, batch: list[_Item]) -> None:
        outcomes: list[tuple[_Item, Any, BaseException | None]] = []
        try:
            with self._db.write() as conn:
                for item in batch:
                    result, error = self._run_item(item.work)
                    if error is not None and not conn.in_transaction:
                        raise _TransactionLost from error
                    outcomes.append((item, result, error))
        except _TransactionLost as exc:
            _LOGGER.warning("batch of %d lost (the transaction was rolled back): %s",
                            len(batch), exc.__cause__)
            self._fail_all(batch, ReadingNotStored(str(exc.__cause__)))
            return
        except StorageFailure as exc:
            _LOGGER.warning("batch of %d not stored: %s", len(batch), exc)
            self._fail_all(batch, ReadingNotStored(str(exc)))
            return
        # Boundary: one failing batch must not kill the writer thread; messages carry no personal data.
        except Exception as exc:  # any other failure: this batch is lost, the writer goes on
            _LOGGER.exception("batch of %d not stored", len(batch))
            self._fail_all(batch, ReadingNotStored(f"not stored: {type(exc).__name__}"))
            return
        self.batches += 1
        self.items += len(batch)
        _LOGGER.debug("batch of %d committed", len(batch))
        for item, result, error in outcomes:  # after COMMIT: now they may be acknowledged
            if error is not None:
                item.future.set_exception(error)
            else:
                item.future.set_result(result)

    def _run_item(self, work: Work) -> tuple[Any, BaseException | None]:
        try:
            with self._db.savepoint():
                return work(), None
        # Boundary: one reading's failure must not undo the others; messages carry no personal data.
        except Exception as exc:  # the item's own failure: undone alone, handed to its caller
            return None, exc

    @staticmethod
    def _fail_all(items: list[_Item], error: BaseException) -> None:
        for item in items:
            if not item.future.done():
                item.future.set_exception(error)
