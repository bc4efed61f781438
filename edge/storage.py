"""The SQLite database of one data directory: connections, durable write transactions, read connections.

One writer connection per process, guarded by a lock, in WAL mode with ``synchronous=FULL``: a
write is acknowledged only after ``COMMIT`` returned, so a committed clinical write survives a
power cut as far as the storage honours fsync. Write transactions start with ``BEGIN IMMEDIATE``
and wait on other processes through the busy timeout. Reads use per-thread connections with
``PRAGMA query_only``. Every write transaction also adds the number of values it sealed to the
active key's seal count, inside the same transaction (see `edge.encryption`).
"""

from __future__ import annotations

import itertools
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from edge import keyring_store
from edge.encryption import Keyring
from edge.errors import IntegrityViolation, StorageFailure
from edge.migrations import apply_migrations

_LOGGER = logging.getLogger(__name__)
BUSY_TIMEOUT_MS = 10_000
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """Timestamps are stored as UTC ISO 8601 text with microseconds, so they sort as text."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    """Open a connection with the pragmas every connection to the record needs.

    :raises IntegrityViolation: the file is damaged or not a database.
    """
    try:
        return _connect(path, read_only)
    except sqlite3.Error as exc:
        raise _storage_failure(exc) from exc


def _connect(path: Path, read_only: bool) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False,
                           timeout=BUSY_TIMEOUT_MS / 1000)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    if read_only:
        conn.execute("PRAGMA query_only = ON")
    else:
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode != "wal":
            raise StorageFailure(f"the database could not switch to WAL mode (got {mode})")
        conn.execute("PRAGMA synchronous = FULL")
    return conn


def _storage_failure(exc: sqlite3.Error) -> StorageFailure | IntegrityViolation:
    text = str(exc).lower()
    if "full" in text:
        return StorageFailure("the disk is full: nothing was saved; free space and try again")
    if "malformed" in text or "not a database" in text or "corrupt" in text:
        return IntegrityViolation(f"the database file is damaged ({exc}); restore the last backup")
    if "locked" in text or "busy" in text:
        return StorageFailure("the database stayed busy too long: nothing was saved; try again")
    return StorageFailure(f"the database could not save ({exc})")


class Database:
    """The record's database for one process.

    :param path: the SQLite file.
    :param keyring: the unlocked keys (``None`` only for key administration before unlock).
    :param clock: where "now" comes from; tests pass a fixed clock.
    """

    def __init__(self, path: Path, keyring: Keyring | None, clock: Clock = utc_now) -> None:
        self.path = path
        self._keyring = keyring
        self._kek: bytes | None = None
        self.clock = clock
        self._writer = connect(path)
        self._write_lock = threading.RLock()
        self._savepoints = itertools.count(1)
        self._readers = threading.local()
        self._all_readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()

    @property
    def keyring(self) -> Keyring:
        if self._keyring is None:
            raise StorageFailure("the keys are not unlocked in this process")
        return self._keyring

    def set_keyring(self, keyring: Keyring) -> None:
        """Use ``keyring`` as it is (it will not follow rotations made by other processes)."""
        self._keyring = keyring
        self._kek = None

    def unlock(self, kek: bytes) -> None:
        """Unwrap the keys with ``kek`` and keep them (and ``kek``, to follow rotations)."""
        self._kek = kek
        self._keyring = keyring_store.load_keyring(self.reader(), kek, fetch=self._fetch_version)

    def _fetch_version(self, version: int) -> tuple[bytes, bytes] | None:
        if self._kek is None:
            return None
        return keyring_store.fetch_version(self.reader(), self._kek, version)

    def match_clause(self, column: str, kind: str, value: str) -> tuple[str, tuple[bytes, ...]]:
        """Blind-index condition for ``value``, under every key version now in the database."""
        self._follow_rotation(self.reader())
        return self.keyring.match_clause(column, kind, value)

    def _follow_rotation(self, conn: sqlite3.Connection) -> None:
        """If another process rotated the keys, load the new version (to seal and to look up)."""
        if self._keyring is None or self._kek is None:
            return
        if keyring_store.active_version(conn) != self._keyring.active_version:
            self._keyring = keyring_store.load_keyring(conn, self._kek, fetch=self._fetch_version)

    def migrate(self) -> list[str]:
        """Apply pending schema migrations through the writer connection."""
        with self._write_lock:
            try:
                return apply_migrations(self._writer)
            except sqlite3.Error as exc:
                raise _storage_failure(exc) from exc

    def now(self) -> str:
        return iso(self.clock())

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A durable write transaction; values must be sealed inside it so their count is kept."""
        with self._write_lock:
            conn = self._writer
            if conn.in_transaction:  # nested use joins the outer transaction
                yield conn
                return
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise _storage_failure(exc) from exc
            try:
                self._follow_rotation(conn)
            except BaseException:
                self._rollback(conn)
                raise
            keyring = self._keyring
            if keyring is not None:
                keyring.forget_pending_seals()
            try:
                yield conn
                sealed = keyring.take_pending_seals() if keyring is not None else 0
                if sealed and keyring is not None:
                    conn.execute(
                        "UPDATE keyring SET seal_count = seal_count + ? "
                        "WHERE version = ? AND purpose = 'data'",
                        (sealed, keyring.active_version),
                    )
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback(conn)
                raise _storage_failure(exc) from exc
            except BaseException:
                self._rollback(conn)
                raise
            if sealed and keyring is not None:
                keyring.record_committed_seals(keyring.active_version, sealed)

    @contextmanager
    def savepoint(self) -> Iterator[sqlite3.Connection]:
        """A part of the open write transaction that may fail alone (``SAVEPOINT``).

        Use it inside ``write()``, on the same thread, to put several independent pieces of work
        in one transaction (one fsync): when the body raises, only what it wrote is undone
        (``ROLLBACK TO``), the exception propagates and the transaction goes on. If SQLite rolled
        the whole transaction back itself (disk full, I/O error), ``in_transaction`` is then false
        and the caller must give up the transaction: nothing in it was stored. Seals made inside
        a part that rolled back stay counted (a conservative over-count of the key's use).

        :raises StorageFailure: no write transaction is open on this thread, or a SQLite error
            (the part was undone).
        """
        with self._write_lock:
            conn = self._writer
            if not conn.in_transaction:
                raise StorageFailure("a savepoint needs an open write transaction")
            name = f"part{next(self._savepoints)}"
            try:
                conn.execute(f"SAVEPOINT {name}")
            except sqlite3.Error as exc:
                raise _storage_failure(exc) from exc
            try:
                yield conn
                conn.execute(f"RELEASE {name}")
            except sqlite3.Error as exc:
                self._rollback_to(conn, name)
                raise _storage_failure(exc) from exc
            except BaseException:
                self._rollback_to(conn, name)
                raise

    def _rollback_to(self, conn: sqlite3.Connection, name: str) -> None:
        if not conn.in_transaction:  # SQLite already rolled the whole transaction back
            return
        try:
            conn.execute(f"ROLLBACK TO {name}")
            conn.execute(f"RELEASE {name}")
        except sqlite3.Error:  # the original error is the one to report
            _LOGGER.warning("rollback to a savepoint failed", exc_info=True)

    def _rollback(self, conn: sqlite3.Connection) -> None:
        if self._keyring is not None:
            self._keyring.forget_pending_seals()
        if conn.in_transaction:
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:  # the original error is the one to report
                _LOGGER.warning("rollback failed after a write error", exc_info=True)

    def reader(self) -> sqlite3.Connection:
        """This thread's read-only connection."""
        conn = getattr(self._readers, "conn", None)
        if conn is None:
            conn = connect(self.path, read_only=True)
            self._readers.conn = conn
            with self._readers_lock:
                self._all_readers.append(conn)
        return conn

    def query(self, sql: str, params: tuple[object, ...] = ()) -> list[sqlite3.Row]:
        try:
            return self.reader().execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise _storage_failure(exc) from exc

    def close(self) -> None:
        with self._readers_lock:
            for conn in self._all_readers:
                conn.close()
            self._all_readers.clear()
        with self._write_lock:
            self._writer.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
