"""The delivery worker's rules, with a fake adapter that records calls (no network)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sync_samples import admit, queue_n1, queue_n1_correction, with_status

from edge import (
    AttemptOutcome,
    Destination,
    IdentityStatus,
    OutboxRow,
    OutboxState,
    StoredDocument,
    claim_next,
    list_outbox,
    load_document,
    replay,
)
from sync.adapter import DeliveryReceipt, ProbeResult, ReceiptEvent, ReceiptKind
from sync.delivery import PREVIOUS_VERSION_PENDING, DeliveryWorker
from sync.errors import ConfigurationIncomplete, DeliveryRefused, RetryLater

CLOCK = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


@dataclass
class FakeAdapter:
    """Answers each document by its title (the test decides), records what it was given."""

    destination: Destination = Destination.DMP
    answers: dict[str, Callable[[], DeliveryReceipt]] = field(default_factory=dict)
    acknowledged: bool = True
    reachable: bool = True
    receipts: list[ReceiptEvent] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)

    def deliver(self, row: OutboxRow, document: StoredDocument) -> DeliveryReceipt:
        self.sent.append(document.unique_id)
        answer = self.answers.get(document.metadata.entry.title)
        if answer is not None:
            return answer()
        return DeliveryReceipt(f"ref-{document.unique_id}", acknowledged=self.acknowledged)

    def probe(self) -> ProbeResult:
        return ProbeResult(self.destination, self.reachable, "fake", CLOCK)

    def collect_receipts(self, apply: Callable[[ReceiptEvent], bool]) -> int:
        kept = [event for event in self.receipts if not apply(event)]
        applied, self.receipts = len(self.receipts) - len(kept), kept
        return applied


def _raise(error: Exception) -> Callable[[], DeliveryReceipt]:
    def answer() -> DeliveryReceipt:
        raise error
    return answer


def _worker(db, adapter: FakeAdapter) -> DeliveryWorker:  # type: ignore[no-untyped-def]
    return DeliveryWorker(db, {adapter.destination: adapter}, worker="test",
                          clock=lambda: datetime.fromisoformat(db.now()), rng=random.Random(1))


def _states(db) -> dict[str, OutboxState]:  # type: ignore[no-untyped-def]
    return {row.document_id: row.state for row in list_outbox(db)}


def _attempts(db, document_id: str) -> list[tuple[str, str | None]]:  # type: ignore[no-untyped-def]
    return [(r["outcome"], r["error_code"]) for r in db.query(
        "SELECT a.outcome, a.error_code FROM delivery_attempts a JOIN outbox o "
        "ON o.id = a.outbox_id WHERE o.document_id = ? ORDER BY a.seq", (document_id,))]


def test_one_refused_and_one_broken_document_do_not_stop_the_others(db) -> None:
    resident = admit(db, 1)
    ids = [queue_n1(db, resident, f"1{n}", title=title)
           for n, title in enumerate(["bon", "refusé", "cassé", "bon aussi"])]
    adapter = FakeAdapter(answers={
        "refusé": _raise(DeliveryRefused("XDSUnknownPatientId", "Le DMP ne connaît pas ce patient.")),
        "cassé": _raise(ValueError("bug in a serialiser"))})
    report = _worker(db, adapter).run_pass()
    states = _states(db)
    assert [states[i] for i in ids] == [OutboxState.ACKNOWLEDGED, OutboxState.DEAD,
                                        OutboxState.WAITING, OutboxState.ACKNOWLEDGED]
    assert report.counts == {AttemptOutcome.ACKNOWLEDGED: 2, AttemptOutcome.REFUSED: 1,
                             AttemptOutcome.RETRY: 1}
    dead = next(r for r in list_outbox(db) if r.document_id == ids[1])
    assert dead.last_error == "Le DMP ne connaît pas ce patient."
    assert _attempts(db, ids[1]) == [("refused", "XDSUnknownPatientId")]


def test_try_later_waits_with_a_backoff_and_is_sent_once_due(db) -> None:
    resident = admit(db, 2)
    doc = queue_n1(db, resident, "21", title="lent")
    adapter = FakeAdapter(answers={"lent": _raise(RetryLater("Le DMP est injoignable."))})
    _worker(db, adapter).run_pass()
    row = list_outbox(db)[0]
    assert row.state is OutboxState.WAITING and row.last_error == "Le DMP est injoignable."
    assert row.next_attempt_at is not None and row.next_attempt_at > db.now()
    assert claim_next(db, "test", Destination.DMP) is None
    adapter.answers.clear()
    with db.write() as conn:  # the backoff has elapsed
        conn.execute("UPDATE outbox SET next_attempt_at = ?",
                     ((datetime.fromisoformat(db.now()) - timedelta(hours=2)).isoformat(),))
    _worker(db, adapter).run_pass()
    assert _states(db)[doc] is OutboxState.ACKNOWLEDGED
    assert _attempts(db, doc) == [("retry", "RETRY"), ("acknowledged", None)]


def test_a_service_that_keeps_failing_is_left_alone_for_the_rest_of_the_pass(db) -> None:
    resident = admit(db, 3)
    for n in range(6):
        queue_n1(db, resident, f"3{n}", title="lent")
    adapter = FakeAdapter(answers={"lent": _raise(RetryLater("injoignable"))})
    _worker(db, adapter).run_pass()
    assert len(adapter.sent) == 3
    assert sorted(s.name for s in _states(db).values()) == ["QUEUED"] * 3 + ["WAITING"] * 3


def test_a_missing_setting_blocks_the_row_with_the_reason_and_replay_sends_it(db) -> None:
    resident = admit(db, 4)
    doc = queue_n1(db, resident, "41", title="x")
    adapter = FakeAdapter(answers={"x": _raise(ConfigurationIncomplete("Adresse du DMP absente."))})
    _worker(db, adapter).run_pass()
    row = list_outbox(db)[0]
    assert (row.state, row.blocked_reason) == (OutboxState.BLOCKED, "Adresse du DMP absente.")
    replay(db, row.id, "admin")
    adapter.answers.clear()
    _worker(db, adapter).run_pass()
    assert _states(db)[doc] is OutboxState.ACKNOWLEDGED


def test_a_service_with_later_receipts_leaves_the_row_delivered_until_its_receipt(db) -> None:
    resident = admit(db, 5)
    good, bad = queue_n1(db, resident, "51"), queue_n1(db, resident, "52")
    adapter = FakeAdapter(destination=Destination.DMP, acknowledged=False)
    worker = _worker(db, adapter)
    worker.run_pass()
    assert set(_states(db).values()) == {OutboxState.DELIVERED}
    refs = {r["document_id"]: r["remote_ref"] for r in db.query(
        "SELECT document_id, remote_ref FROM outbox")}
    adapter.receipts = [
        ReceiptEvent(refs[good], ReceiptKind.MDN, True, CLOCK, message_id="<m1>"),
        ReceiptEvent(refs[bad], ReceiptKind.MDN, False, CLOCK, message_id="<m2>", code="902",
                     reason="Patient inconnu du destinataire."),
        ReceiptEvent(refs[good], ReceiptKind.MDN, True, CLOCK, message_id="<m1>")]
    assert worker.collect_receipts() == 3
    states = _states(db)
    assert (states[good], states[bad]) == (OutboxState.ACKNOWLEDGED, OutboxState.DEAD)
    assert db.query("SELECT COUNT(*) AS n FROM receipts")[0]["n"] == 2
    dead = next(r for r in list_outbox(db) if r.document_id == bad)
    assert dead.last_error == "Patient inconnu du destinataire. (code 902)"


def test_claims_left_by_a_killed_worker_are_released_at_start(db) -> None:
    resident = admit(db, 6)
    doc = queue_n1(db, resident, "61")
    assert claim_next(db, "crashed", Destination.DMP) is not None
    worker = _worker(db, FakeAdapter())
    assert worker.recover() == 1
    worker.run_pass()
    assert _states(db)[doc] is OutboxState.ACKNOWLEDGED


def test_a_correction_waits_for_the_version_it_replaces(db) -> None:
    resident = admit(db, 7)
    first = queue_n1(db, resident, "71", title="premier")
    second = queue_n1_correction(db, resident, first, "71")
    adapter = FakeAdapter(answers={"premier": _raise(RetryLater("injoignable"))})
    _worker(db, adapter).run_pass()
    rows = {r.document_id: r for r in list_outbox(db)}
    assert rows[second].state is OutboxState.WAITING
    assert rows[second].last_error == PREVIOUS_VERSION_PENDING
    assert len(adapter.sent) == 1


def test_a_service_reachable_again_makes_its_waiting_rows_due_at_once(db) -> None:
    resident = admit(db, 8)
    queue_n1(db, resident, "81", title="lent")
    adapter = FakeAdapter(answers={"lent": _raise(RetryLater("injoignable"))}, reachable=False)
    worker = _worker(db, adapter)
    worker.probe_all()
    worker.run_pass()
    assert claim_next(db, "test", Destination.DMP) is None
    adapter.reachable = True
    worker.probe_all()
    probe = db.query("SELECT reachable, detail FROM endpoint_probes WHERE destination = 'dmp'")
    assert probe[0]["reachable"] == 1
    assert claim_next(db, "test", Destination.DMP) is not None


def test_a_non_qualified_identity_is_never_handed_to_an_adapter(db) -> None:
    resident = with_status(admit(db, 9), IdentityStatus.RECUP)
    queue_n1(db, resident, "91")
    adapter = FakeAdapter()
    _worker(db, adapter).run_pass()
    assert adapter.sent == []
    assert list_outbox(db)[0].state is OutboxState.BLOCKED


def test_a_receipt_that_arrives_before_its_sending_is_recorded_is_applied_later(db) -> None:
    resident = admit(db, 10)
    doc = queue_n1(db, resident, "101")
    adapter = FakeAdapter(acknowledged=False)
    worker = _worker(db, adapter)
    unique_id = load_document(db, doc).unique_id
    adapter.receipts = [ReceiptEvent(f"ref-{unique_id}", ReceiptKind.MDN, True, CLOCK,
                                     message_id="<early>")]
    assert worker.collect_receipts() == 0
    assert adapter.receipts, "an unmatched receipt must be offered again"
    worker.run_pass()
    assert _states(db)[doc] is OutboxState.DELIVERED
    assert worker.collect_receipts() == 1
    assert _states(db)[doc] is OutboxState.ACKNOWLEDGED
