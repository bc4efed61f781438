"""Savepoints: parts of one write transaction that fail alone (used by the devices' group commit)."""

from __future__ import annotations

import sqlite3

import pytest

from edge.errors import StorageFailure
from edge.storage import Database


def _add(conn: sqlite3.Connection, address: str) -> None:
    conn.execute("INSERT INTO devices (id, transport, protocol, address, state, binding, "
                 "first_seen_at) VALUES (?, 'serial', 'nonin8', ?, 'discovered', 'shared', "
                 "'2026-11-22T08:00:00+00:00')", (address.replace("/", "_"), address))


def _addresses(db: Database) -> set[str]:
    return {row["address"] for row in db.query("SELECT address FROM devices")}


def test_a_failing_part_is_undone_alone_and_the_transaction_goes_on(db: Database) -> None:
    with db.write() as conn:
        with db.savepoint():
            _add(conn, "/dev/a")
        with pytest.raises(RuntimeError), db.savepoint():
            _add(conn, "/dev/b")
            raise RuntimeError("this part fails after writing")
        with db.savepoint():
            _add(conn, "/dev/c")
        assert _addresses(db) == set()  # another connection sees nothing before COMMIT
    assert _addresses(db) == {"/dev/a", "/dev/c"}


def test_a_sqlite_error_in_a_part_is_a_storage_failure_that_undoes_only_that_part(db: Database) -> None:
    with db.write() as conn:
        with db.savepoint():
            _add(conn, "/dev/a")
        with pytest.raises(StorageFailure), db.savepoint():
            _add(conn, "/dev/b")
            conn.execute("INSERT INTO no_such_table VALUES (1)")
        assert conn.in_transaction
    assert _addresses(db) == {"/dev/a"}


def test_parts_nest_and_an_inner_failure_keeps_the_outer_part(db: Database) -> None:
    with db.write() as conn, db.savepoint():
        _add(conn, "/dev/outer")
        with pytest.raises(ValueError), db.savepoint():
            _add(conn, "/dev/inner")
            raise ValueError("inner")
    assert _addresses(db) == {"/dev/outer"}


def test_a_savepoint_outside_a_write_transaction_is_refused(db: Database) -> None:
    with pytest.raises(StorageFailure, match="open write transaction"), db.savepoint():
        pass


def test_when_sqlite_drops_the_transaction_the_caller_can_tell(db: Database) -> None:
    with pytest.raises(StorageFailure), db.write() as conn:
        with db.savepoint():
            _add(conn, "/dev/a")
        with pytest.raises(RuntimeError), db.savepoint():
            conn.execute("ROLLBACK")  # what SQLite itself does on some I/O errors
            raise RuntimeError("the transaction is gone")
        assert not conn.in_transaction
    assert _addresses(db) == set()
