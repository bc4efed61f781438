"""Benchmark: observations stored per second, one durable transaction each, with encryption.

Three loops run in the same process on the same disk, one after the other:
- Relais's `store_observations` with the real keyring (AES-256-GCM, audit entry, seal count);
- the same function with a keyring that does not encrypt (same SQL, same audit chain, same fsyncs);
- a bare `sqlite3` loop inserting one row per transaction with WAL and synchronous=FULL.
The figure is the ratio of the first to the second (target ≥ 0.8) and to the third.
Smoke size in the normal test run; ``RELAIS_BENCH=1`` for the real figure (then the target is checked).
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import pytest

from edge.encryption import Keyring
from edge.observations import NewObservation, store_observations
from edge.record import CaptureMethod
from edge.residents import admit_resident

pytestmark = pytest.mark.bench
FULL = os.environ.get("RELAIS_BENCH") == "1"
COUNT = 2000 if FULL else 40


class ClearKeyring(Keyring):
    """A keyring that stores values as they are: the reference loop without encryption."""

    def seal(self, plaintext: bytes, table: str, column: str, row_id: str) -> bytes:
        self._pending_seals += 1
        return b"\x01\x00\x00\x00\x01" + b"\x00" * 12 + plaintext + b"\x00" * 16

    def open(self, sealed: bytes, table: str, column: str, row_id: str) -> bytes:
        return sealed[17:-16]


def _relais_loop(db, resident: str) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    for index in range(COUNT):
        store_observations(db, [NewObservation("8867-4", "/min", 60 + index % 40,
                                               CaptureMethod.DEVICE, db.now(), resident, None,
                                               device_id="oxi")])
    return COUNT / (time.perf_counter() - start)


def _bare_loop(path: Path) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("CREATE TABLE obs (id INTEGER PRIMARY KEY, code TEXT, value REAL, at TEXT)")
    start = time.perf_counter()
    for index in range(COUNT):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO obs (code, value, at) VALUES (?, ?, ?)",
                     ("8867-4", 60 + index % 40, "2026-11-22T00:00:00"))
        conn.execute("COMMIT")
    rate = COUNT / (time.perf_counter() - start)
    conn.close()
    return rate


def test_encrypted_storage_keeps_up_with_the_unencrypted_loop(db, traits, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    resident = admit_resident(db, "u", traits)
    _relais_loop(db, resident)  # warm-up
    encrypted = _relais_loop(db, resident)
    real = db.keyring
    db.set_keyring(ClearKeyring({1: b"k" * 32}, {1: b"i" * 32}, b"a" * 32))
    clear = _relais_loop(db, resident)
    db.set_keyring(real)
    bare = _bare_loop(tmp_path / "bare.db")
    ratio = encrypted / clear
    print(f"\nobservations/s, one per transaction ({COUNT}): encrypted {encrypted:.0f}, "
          f"unencrypted {clear:.0f}, bare sqlite3 {bare:.0f}; ratio to unencrypted {ratio:.2f} "
          f"(target >= 0.8), to bare sqlite3 {encrypted / bare:.2f}")
    if FULL:
        assert ratio >= 0.8
