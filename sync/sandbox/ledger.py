"""What the sandbox MSSanté server received: a small SQLite file in the sandbox directory.

One row per Message-ID with how many times it arrived, and one row per document unique id with
how many times it arrived, so a test can prove that no document was received twice and read back
the raw messages (to prove, for instance, that a matricule never reached the sandbox).
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

LEDGER_FILE = "mssante-received.sqlite"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    message_id TEXT PRIMARY KEY, count INTEGER NOT NULL, first_at TEXT NOT NULL,
    outcome TEXT NOT NULL, raw BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    unique_id TEXT PRIMARY KEY, count INTEGER NOT NULL, message_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS refused (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, reason TEXT NOT NULL, raw BLOB);
"""


class Ledger:
    """The received-messages file of one sandbox directory (safe to share between processes)."""

    def __init__(self, sandbox_dir: Path) -> None:
        self.path = sandbox_dir / LEDGER_FILE
        sandbox_dir.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as conn, conn:
            conn.executescript(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30)
        conn.execute("PRAGMA journal_mode = WAL")
        return conn

    def record(self, message_id: str, unique_ids: tuple[str, ...], raw: bytes, outcome: str,
               at: str) -> bool:
        """Count one arrival; return True when this Message-ID had never arrived before."""
        with closing(self._connect()) as conn, conn:
            conn.execute("BEGIN IMMEDIATE")
            seen = conn.execute("SELECT count FROM messages WHERE message_id = ?",
                                (message_id,)).fetchone()
            if seen:
                conn.execute("UPDATE messages SET count = count + 1 WHERE message_id = ?",
                             (message_id,))
            else:
                conn.execute("INSERT INTO messages VALUES (?, 1, ?, ?, ?)",
                             (message_id, at, outcome, raw))
            for unique_id in unique_ids:
                conn.execute(
                    "INSERT INTO documents VALUES (?, 1, ?) ON CONFLICT(unique_id) "
                    "DO UPDATE SET count = count + 1", (unique_id, message_id))
        return seen is None

    def record_refusal(self, reason: str, raw: bytes | None, at: str) -> None:
        with closing(self._connect()) as conn, conn:
            conn.execute("INSERT INTO refused (at, reason, raw) VALUES (?, ?, ?)", (at, reason, raw))

    def document_counts(self) -> dict[str, int]:
        with closing(self._connect()) as conn:
            return dict(conn.execute("SELECT unique_id, count FROM documents").fetchall())

    def message_counts(self) -> dict[str, int]:
        with closing(self._connect()) as conn:
            return dict(conn.execute("SELECT message_id, count FROM messages").fetchall())

    def raw_messages(self) -> list[bytes]:
        with closing(self._connect()) as conn:
            return [bytes(row[0]) for row in conn.execute("SELECT raw FROM messages")]

    def raw_message(self, message_id: str) -> bytes | None:
        with closing(self._connect()) as conn:
            row = conn.execute("SELECT raw FROM messages WHERE message_id = ?",
                               (message_id,)).fetchone()
        return bytes(row[0]) if row else None

    def refusals(self) -> list[str]:
        with closing(self._connect()) as conn:
            return [row[0] for row in conn.execute("SELECT reason FROM refused ORDER BY seq")]
