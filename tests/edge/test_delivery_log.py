"""The delivery journal (attempts, probes, receipts, remote references) and the outbox transitions
the sync process drives: what is written, what is refused, what is audited."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from edge.audit import list_audit
from edge.delivery_log import (
    DETAIL_LIMIT,
    AttemptOutcome,
    Receipt,
    endpoint_probes,
    find_row_by_remote_ref,
    record_attempt,
    record_probe,
    record_receipt,
    set_remote_ref,
)
from edge.errors import RecordRejected, StorageFailure
from edge.outbox import (
    claim_next,
    expedite_waiting,
    list_outbox,
    mark_delivered,
    mark_failed_after_delivery,
    mark_waiting,
    outbox_state,
    store_document,
)
from edge.record import Destination, OutboxRow, OutboxState
from edge.residents import admit_resident

CLOCK = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def _queue(db, traits, serial: str, destinations=(Destination.DMP,)) -> str:  # type: ignore[no-untyped-def]
    resident = admit_resident(db, "ide", traits) if serial == "1" else None
    return store_document(db, resident_id=resident, kind="N1", unique_id=f"1.2.250.9.{serial}",
                          media_type="application/pdf", content=b"%PDF", metadata={},
                          author_id="ide", destinations=list(destinations),
                          identity_qualified=True)


def _claim(db, destination: Destination = Destination.DMP) -> OutboxRow:  # type: ignore[no-untyped-def]
    row = claim_next(db, "w", destination)
    assert row is not None
    return row


def test_attempts_are_appended_in_order_with_the_detail_cut_short(db, traits) -> None:  # type: ignore[no-untyped-def]
    _queue(db, traits, "1")
    row = _claim(db)
    record_attempt(db, row.id, started=CLOCK, finished=CLOCK + timedelta(seconds=1),
                   outcome=AttemptOutcome.RETRY, error_code="RETRY", detail="x" * 2000)
    record_attempt(db, row.id, started=CLOCK, finished=CLOCK, outcome=AttemptOutcome.ACKNOWLEDGED)
    rows = db.query("SELECT seq, outcome, error_code, detail FROM delivery_attempts ORDER BY seq")
    assert [(r["seq"], r["outcome"], r["error_code"]) for r in rows] == [
        (1, "retry", "RETRY"), (2, "acknowledged", None)]
    assert len(rows[0]["detail"]) == DETAIL_LIMIT and rows[1]["detail"] is None


def test_an_attempt_once_written_cannot_be_changed(db, traits) -> None:  # type: ignore[no-untyped-def]
    _queue(db, traits, "1")
    row = _claim(db)
    record_attempt(db, row.id, started=CLOCK, finished=CLOCK, outcome=AttemptOutcome.REFUSED)
    with pytest.raises(StorageFailure, match="append-only"), db.write() as conn:
        conn.execute("UPDATE delivery_attempts SET outcome = 'acknowledged'")


def test_a_probe_says_when_a_service_is_reachable_again(db) -> None:  # type: ignore[no-untyped-def]
    first = record_probe(db, Destination.DMP, checked_at=CLOCK, reachable=True, detail="ok")
    down = record_probe(db, Destination.DMP, checked_at=CLOCK + timedelta(minutes=1),
                        reachable=False, detail="Le DMP ne répond pas.")
    up = record_probe(db, Destination.DMP, checked_at=CLOCK + timedelta(minutes=2),
                      reachable=True, detail="ok", certificate_expires_at=CLOCK + timedelta(days=9))
    still = record_probe(db, Destination.DMP, checked_at=CLOCK + timedelta(minutes=3),
                         reachable=True, detail="ok")
    assert (first, down, up, still) == (False, False, True, False)
    record_probe(db, Destination.MSSANTE, checked_at=CLOCK, reachable=False, detail="injoignable")
    probes = endpoint_probes(db)
    assert [(p.destination, p.reachable, p.detail) for p in probes] == [
        (Destination.DMP, True, "ok"), (Destination.MSSANTE, False, "injoignable")]
    assert probes[0].checked_at == "2026-11-22T09:03:00.000000+00:00"
    assert probes[0].certificate_expires_at is None


def test_a_receipt_is_kept_once_sealed_with_the_row_it_answers(db, traits) -> None:  # type: ignore[no-untyped-def]
    _queue(db, traits, "1", destinations=(Destination.MSSANTE,))
    row = _claim(db, Destination.MSSANTE)
    set_remote_ref(db, row.id, "<relais.abc@bal>")
    found = find_row_by_remote_ref(db, "<relais.abc@bal>")
    assert found is not None and found.id == row.id and found.state is OutboxState.SENDING
    assert find_row_by_remote_ref(db, "<other@bal>") is None
    receipt = Receipt("mdn", CLOCK, "<mdn.1@bal>", "902", "processed/error", b"raw MDN text")
    assert record_receipt(db, row.id, receipt) is True
    assert record_receipt(db, row.id, receipt) is False
    stored = db.query("SELECT id, outbox_id, kind, code, raw FROM receipts")
    assert len(stored) == 1 and (stored[0]["outbox_id"], stored[0]["kind"], stored[0]["code"]) == (
        row.id, "mdn", "902")
    assert b"raw MDN text" not in bytes(stored[0]["raw"])
    assert db.keyring.open(stored[0]["raw"], "receipts", "raw", stored[0]["id"]) == b"raw MDN text"


def test_a_receipt_without_message_id_is_kept_each_time(db, traits) -> None:  # type: ignore[no-untyped-def]
    _queue(db, traits, "1")
    row = _claim(db)
    assert record_receipt(db, row.id, Receipt("dsn", CLOCK)) is True
    assert record_receipt(db, row.id, Receipt("dsn", CLOCK)) is True
    assert db.query("SELECT COUNT(*) AS n FROM receipts")[0]["n"] == 2


def test_a_failed_receipt_makes_a_delivered_row_dead_and_is_audited(db, traits) -> None:  # type: ignore[no-untyped-def]
    _queue(db, traits, "1")
    row = _claim(db)
    mark_delivered(db, row.id)
    mark_failed_after_delivery(db, row.id, "Patient inconnu du destinataire. (code 902)", "902")
    dead = list_outbox(db)[0]
    assert (dead.state, dead.last_error) == (OutboxState.DEAD,
                                             "Patient inconnu du destinataire. (code 902)")
    entry = list_audit(db, limit=1)[0]
    assert (entry.action, entry.object_id, entry.outcome) == ("send", row.id, "error")
    assert entry.details == {"failed_after_delivery": True, "code": "902"}


def test_a_row_not_yet_delivered_cannot_fail_after_delivery(db, traits) -> None:  # type: ignore[no-untyped-def]
    _queue(db, traits, "1")
    row = _claim(db)
    with pytest.raises(RecordRejected):
        mark_failed_after_delivery(db, row.id, "raison", None)
    assert list_outbox(db)[0].state is OutboxState.SENDING


def test_only_the_waiting_rows_of_the_service_back_online_become_due(db, traits) -> None:  # type: ignore[no-untyped-def]
    document = _queue(db, traits, "1", destinations=(Destination.DMP, Destination.MSSANTE))
    _queue(db, traits, "2", destinations=(Destination.DMP,))
    now = datetime.fromisoformat(db.now())
    for destination in (Destination.DMP, Destination.MSSANTE):
        mark_waiting(db, _claim(db, destination), "injoignable", now, random.Random(1))
    assert outbox_state(db, document, Destination.MSSANTE) is OutboxState.WAITING
    assert outbox_state(db, "no-such-document", Destination.DMP) is None
    assert expedite_waiting(db, Destination.DMP) == 1
    due = claim_next(db, "w", Destination.DMP)
    assert due is not None and due.document_id == document
    assert claim_next(db, "w", Destination.MSSANTE) is None
