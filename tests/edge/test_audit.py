"""The audit chain: reads are recorded, and any edit, deletion or reordering is found by verify."""

from __future__ import annotations

import sqlite3
import subprocess

import pytest

from edge.audit import AuditAction, append_audit, list_audit, verify_audit
from edge.residents import admit_resident, get_resident
from tests.conftest import cli_env, relais_command


@pytest.fixture
def chained(db, traits):  # type: ignore[no-untyped-def]
    resident = admit_resident(db, "u1", traits)
    for index in range(8):
        append_audit(db, "u1", AuditAction.READ, "resident", resident, resident_id=resident,
                     details={"page": f"p{index}"})
    db.close()
    return db.path


def _raw(path):  # type: ignore[no-untyped-def]
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER IF EXISTS audit_no_update")
    conn.execute("DROP TRIGGER IF EXISTS audit_no_delete")
    return conn


def _verify(settings):  # type: ignore[no-untyped-def]
    return subprocess.run([*relais_command(), "audit", "verify"], env=cli_env(settings),
                          capture_output=True, text=True, check=False)


def test_reading_a_resident_writes_an_audit_entry(db, traits) -> None:  # type: ignore[no-untyped-def]
    resident = admit_resident(db, "u1", traits)
    get_resident(db, resident, "u2")
    entry = list_audit(db, resident_id=resident, limit=1)[0]
    assert (entry.actor_id, entry.action, entry.resident_id) == ("u2", "read", resident)


def test_an_intact_chain_verifies(settings, chained) -> None:  # type: ignore[no-untyped-def]
    result = _verify(settings)
    assert result.returncode == 0, result.stderr
    assert "intact" in result.stdout


def test_the_application_cannot_edit_or_delete_entries(db) -> None:  # type: ignore[no-untyped-def]
    append_audit(db, "u1", AuditAction.READ, "x", None)
    with pytest.raises(Exception, match="append-only"), db.write() as conn:
        conn.execute("UPDATE audit SET actor_id = 'someone else'")
    with pytest.raises(Exception, match="append-only"), db.write() as conn:
        conn.execute("DELETE FROM audit")


@pytest.mark.parametrize("tamper", ["edit_actor", "edit_time", "delete_middle", "swap_two",
                                    "swap_details", "renumber"])
def test_tampering_is_found_at_the_first_broken_entry(settings, chained, tamper) -> None:  # type: ignore[no-untyped-def]
    conn = _raw(chained)
    if tamper == "edit_actor":
        conn.execute("UPDATE audit SET actor_id = 'intruder' WHERE seq = 5")
    elif tamper == "edit_time":
        conn.execute("UPDATE audit SET at = '2020-01-01T00:00:00+00:00' WHERE seq = 5")
    elif tamper == "delete_middle":
        conn.execute("DELETE FROM audit WHERE seq = 5")
    elif tamper == "swap_two":
        rows = {seq: conn.execute("SELECT at, action, details, mac FROM audit WHERE seq = ?",
                                  (seq,)).fetchone() for seq in (5, 6)}
        for seq, other in ((5, 6), (6, 5)):
            conn.execute("UPDATE audit SET at = ?, action = ?, details = ?, mac = ? WHERE seq = ?",
                         (*rows[other], seq))
    elif tamper == "swap_details":
        d5 = conn.execute("SELECT details FROM audit WHERE seq = 5").fetchone()[0]
        d6 = conn.execute("SELECT details FROM audit WHERE seq = 6").fetchone()[0]
        conn.execute("UPDATE audit SET details = ? WHERE seq = 5", (d6,))
        conn.execute("UPDATE audit SET details = ? WHERE seq = 6", (d5,))
    else:
        conn.execute("DELETE FROM audit WHERE seq = 5")
        conn.execute("UPDATE audit SET seq = seq - 1 WHERE seq > 5")
    conn.commit()
    conn.close()
    result = _verify(settings)
    assert result.returncode == 1
    assert "broken at entry 5" in result.stderr


def test_verify_in_process_reports_the_entry_and_reason(settings, chained) -> None:  # type: ignore[no-untyped-def]
    from edge.datadir import open_record

    conn = _raw(chained)
    conn.execute("UPDATE audit SET object_id = 'other' WHERE seq = 3")
    conn.commit()
    conn.close()
    db = open_record(settings)
    try:
        result = verify_audit(db)
    finally:
        db.close()
    assert (result.first_broken_seq, result.checked) == (3, 2)
