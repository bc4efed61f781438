"""What the sandbox DMP received and registered: a small SQLite file in the sandbox directory.

``requests`` keeps every request as it arrived (so a test can prove that a matricule never reached
the sandbox); ``entries`` is the registry, one row per document unique id, with how many times it
was submitted; ``registrations`` is append-only, one row each time a document is newly registered
(it has no uniqueness constraint on purpose: a duplicate registration would show there). Registering
is idempotent on the unique id: the same id with the same hash is "already there"; with another
hash it is refused. A replacement (RPLC) needs an Approved target and deprecates it. The IHE DSG
signature document of each submission goes to ``signatures`` (not ``entries``: the registry's
counts stay those of the care documents), idempotent on its unique id in the same way.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sync.dmp.response import ALREADY_PRESENT, RegistryError
from sync.sandbox.dmp_checks import CheckedRequest

STORE_FILE = "dmp-received.sqlite"
CLOSED_PATIENTS_FILE = "dmp-closed-patients.txt"
APPROVED = "Approved"
DEPRECATED = "Deprecated"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS requests (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, outcome TEXT NOT NULL,
    error_code TEXT, raw BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS entries (
    unique_id TEXT PRIMARY KEY, entry_uuid TEXT NOT NULL UNIQUE, patient_id TEXT NOT NULL,
    hash TEXT NOT NULL, size INTEGER NOT NULL, status TEXT NOT NULL, submissions INTEGER NOT NULL,
    registered_at TEXT NOT NULL, replaced_by TEXT, content BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS signatures (
    unique_id TEXT PRIMARY KEY, entry_uuid TEXT NOT NULL, signs TEXT NOT NULL, hash TEXT NOT NULL,
    submissions INTEGER NOT NULL, registered_at TEXT NOT NULL, content BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS registrations (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, unique_id TEXT NOT NULL, at TEXT NOT NULL);
"""


@dataclass(frozen=True, slots=True)
class Registered:
    """The registry's verdict: errors (nothing registered), or registered / already present."""

    errors: tuple[RegistryError, ...]
    already_present: bool


class DmpStore:
    """The sandbox DMP registry of one sandbox directory (safe to share between processes)."""

    def __init__(self, sandbox_dir: Path) -> None:
        sandbox_dir.mkdir(parents=True, exist_ok=True)
        self.path = sandbox_dir / STORE_FILE
        self.closed_patients_path = sandbox_dir / CLOSED_PATIENTS_FILE
        with closing(self._connect()) as conn:
            conn.executescript(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        return conn

    def record_request(self, at: datetime, outcome: str, error_code: str | None,
                       raw: bytes) -> None:
        with closing(self._connect()) as conn:
            conn.execute("INSERT INTO requests (at, outcome, error_code, raw) VALUES (?, ?, ?, ?)",
                         (at.isoformat(), outcome, error_code, raw))

    def closed_patients(self) -> frozenset[str]:
        """Matricules whose DMP is closed (one per line in the sandbox directory's file)."""
        try:
            text = self.closed_patients_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return frozenset()
        return frozenset(line.strip() for line in text.splitlines() if line.strip())

    def register(self, checked: CheckedRequest, at: datetime) -> Registered:
        """Register the entries of a checked request in one transaction (all or nothing)."""
        with closing(self._connect()) as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = self._register(conn, checked, at)
                conn.execute("ROLLBACK" if result.errors else "COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        return result

    def _register(self, conn: sqlite3.Connection, checked: CheckedRequest,
                  at: datetime) -> Registered:
        errors: list[RegistryError] = []
        fresh = []
        for entry in checked.entries:
            row = conn.execute("SELECT hash FROM entries WHERE unique_id = ?",
                               (entry.unique_id,)).fetchone()
            if row is None:
                fresh.append(entry)
            elif row[0] == entry.hash:
                conn.execute("UPDATE entries SET submissions = submissions + 1 WHERE unique_id = ?",
                             (entry.unique_id,))
            else:
                errors.append(RegistryError("XDSNonIdenticalHash",
                                            "uniqueId already registered with another hash",
                                            "Error", entry.entry_uuid))
        signature = checked.signature
        known = None if signature is None else conn.execute(
            "SELECT hash FROM signatures WHERE unique_id = ?", (signature.unique_id,)).fetchone()
        if signature is not None and known is not None and known[0] != signature.hash:
            errors.append(RegistryError("XDSNonIdenticalHash", "signature uniqueId already "
                                        "registered with another hash", "Error",
                                        signature.entry_uuid))
        fresh_uuids = {entry.entry_uuid for entry in fresh}
        for source, target in checked.replacements:
            if source not in fresh_uuids:
                continue
            status = conn.execute("SELECT status FROM entries WHERE entry_uuid = ?",
                                  (target,)).fetchone()
            if status is None or status[0] != APPROVED:
                errors.append(RegistryError("XDSUnresolvedReferenceException",
                                            "RPLC target unknown or not Approved", "Error", target))
        if errors:
            return Registered(tuple(errors), False)
        for entry in fresh:
            conn.execute(
                "INSERT INTO entries (unique_id, entry_uuid, patient_id, hash, size, status, "
                "submissions, registered_at, content) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)",
                (entry.unique_id, entry.entry_uuid, entry.patient_id, entry.hash, entry.size,
                 APPROVED, at.isoformat(), entry.content))
            conn.execute("INSERT INTO registrations (unique_id, at) VALUES (?, ?)",
                         (entry.unique_id, at.isoformat()))
        if signature is not None:
            conn.execute(
                "INSERT INTO signatures (unique_id, entry_uuid, signs, hash, submissions, "
                "registered_at, content) VALUES (?, ?, ?, ?, 1, ?, ?) ON CONFLICT (unique_id) "
                "DO UPDATE SET submissions = submissions + 1",
                (signature.unique_id, signature.entry_uuid, checked.submission_unique_id,
                 signature.hash, at.isoformat(), signature.content))
        for source, target in checked.replacements:
            if source in fresh_uuids:
                conn.execute("UPDATE entries SET status = ?, replaced_by = ? WHERE entry_uuid = ?",
                             (DEPRECATED, source, target))
        return Registered((), not fresh)

    # -- read side, for tests and the benchmark --------------------------------------------------

    def registration_counts(self) -> dict[str, int]:
        """unique id → how many times it was newly registered (1 for every correct document)."""
        with closing(self._connect()) as conn:
            return dict(conn.execute(
                "SELECT unique_id, COUNT(*) FROM registrations GROUP BY unique_id").fetchall())

    def entry(self, unique_id: str) -> dict[str, object] | None:
        with closing(self._connect()) as conn:
            conn.row_factory = sqlite3.Row
            row = conn.execute("SELECT * FROM entries WHERE unique_id = ?",
                               (unique_id,)).fetchone()
        return dict(row) if row is not None else None

    def signature_counts(self) -> dict[str, int]:
        """signature unique id → how many submissions carried it."""
        with closing(self._connect()) as conn:
            return dict(conn.execute("SELECT unique_id, submissions FROM signatures").fetchall())

    def raw_requests(self) -> list[bytes]:
        with closing(self._connect()) as conn:
            return [bytes(row[0]) for row in conn.execute("SELECT raw FROM requests ORDER BY seq")]

    def request_count(self) -> int:
        with closing(self._connect()) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM requests").fetchone()[0])


def already_present_warning() -> RegistryError:
    return RegistryError(ALREADY_PRESENT, "same document already registered", "Warning")
