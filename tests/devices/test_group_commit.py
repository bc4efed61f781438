"""Group commit: many readings per transaction, each undone alone, results only after COMMIT."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import serial

from devices.errors import ReadingNotStored
from devices.group_commit import GroupCommitWriter, WriterStopped
from devices.ingest import Ingestor
from devices.measurement import Measurement
from devices.simulators import frames
from devices.transport import Arrival, Source
from devices.wired import SerialTransport
from edge import (
    Database,
    DeviceBinding,
    IngestOutcome,
    IngestStatus,
    admit_resident,
    pair_device,
    retire_device,
)

AT = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
OXIMETER = Source("serial", "/dev/ttyUSB0", "nonin13")
RETIRED = Source("serial", "/dev/ttyUSB1", "nonin13")


def _arrival(index: int, source: Source = OXIMETER) -> Arrival:
    pulse = Measurement("8867-4", "Heart rate", "/min", Decimal(60 + index),
                        device_time=datetime(2026, 11, 22, 8, 0) + timedelta(minutes=index),
                        sequence_number=index)
    return Arrival(source, (pulse,), f"k{index}", AT + timedelta(seconds=index))


def _stored_keys(db: Database) -> set[str]:
    return {row["dedup_key"] for row in db.query("SELECT dedup_key FROM device_receipts")}


@pytest.fixture
def writer(db: Database) -> Iterator[GroupCommitWriter]:
    started = GroupCommitWriter(db).start()
    yield started
    started.stop()


@pytest.fixture
def ingestor(db: Database, traits, writer: GroupCommitWriter) -> Ingestor:  # type: ignore[no-untyped-def]
    ingestor = Ingestor(db, writer=writer)
    resident = admit_resident(db, "u1", traits)
    for source in (OXIMETER, RETIRED):
        pair_device(db, ingestor.device_id(source), "u1", name="Oxy",
                    binding=DeviceBinding.PERSONAL, resident_id=resident)
    retire_device(db, ingestor.device_id(RETIRED), "u1")
    return ingestor


def test_a_refused_reading_in_a_batch_does_not_lose_the_others(db: Database, ingestor: Ingestor,
                                                               writer: GroupCommitWriter) -> None:
    results = ingestor.deliver_many([_arrival(1), _arrival(2, RETIRED), _arrival(3)])
    assert writer.batches == 1 and writer.items == 3  # one transaction, one fsync
    assert [r.status for r in results if isinstance(r, IngestOutcome)] == [
        IngestStatus.STORED, IngestStatus.REJECTED, IngestStatus.STORED]
    assert _stored_keys(db) == {"k1", "k3"}
    retired = db.query("SELECT frames_rejected, last_reject_reason FROM devices WHERE id = ?",
                       (ingestor.device_id(RETIRED),))[0]
    assert (retired["frames_rejected"], retired["last_reject_reason"]) == (1, "device_retired")


def test_a_reading_failing_after_it_wrote_is_undone_alone(db: Database, ingestor: Ingestor,
                                                          writer: GroupCommitWriter) -> None:
    def store_then_fail() -> None:
        ingestor.deliver(_arrival(2))  # joins the batch's transaction: writes, then …
        raise RuntimeError("… a failure after the writes")

    def deliver(index: int) -> object:
        return ingestor.deliver(_arrival(index))

    first, failed, last = writer.run_all([lambda: deliver(1), store_then_fail, lambda: deliver(3)])
    assert isinstance(failed, RuntimeError)
    assert isinstance(first, IngestOutcome) and isinstance(last, IngestOutcome)
    assert _stored_keys(db) == {"k1", "k3"}
    assert db.query("SELECT COUNT(*) AS n FROM observations")[0]["n"] == 2


def test_results_are_handed_out_only_after_the_commit(db: Database, ingestor: Ingestor,
                                                      writer: GroupCommitWriter) -> None:
    inside, release = threading.Event(), threading.Event()

    def hold_the_transaction() -> None:
        inside.set()
        assert release.wait(10)

    [stored, held] = writer.submit([lambda: ingestor.deliver(_arrival(1)), hold_the_transaction])
    assert inside.wait(10)
    assert not stored.done()  # written, not yet committed: no acknowledgement possible
    assert _stored_keys(db) == set()
    release.set()
    assert stored.result(10).committed and held.result(10) is None
    assert _stored_keys(db) == {"k1"}


def test_a_batch_whose_transaction_is_lost_acknowledges_none_of_it(
        db: Database, ingestor: Ingestor, writer: GroupCommitWriter) -> None:
    def lose_the_transaction() -> None:
        db._writer.execute("ROLLBACK")  # what SQLite does by itself on some I/O errors
        raise OSError("I/O error")

    results = writer.run_all([lambda: ingestor.deliver(_arrival(1)), lose_the_transaction,
                              lambda: ingestor.deliver(_arrival(3))])
    assert all(isinstance(result, ReadingNotStored) for result in results)
    assert _stored_keys(db) == set()
    assert ingestor.deliver(_arrival(4)).committed  # the writer goes on with the next batch
    assert _stored_keys(db) == {"k4"}


def test_a_disk_filling_mid_batch_never_reports_an_unstored_reading_as_stored(
        db: Database, ingestor: Ingestor) -> None:
    pages = db.reader().execute("PRAGMA page_count").fetchone()[0]
    db._writer.execute(f"PRAGMA max_page_count = {pages + 40}")  # SQLite's own "disk full"
    acknowledged: set[str] = set()
    refused: set[str] = set()
    for start in range(0, 4000, 10):
        arrivals = [_arrival(index) for index in range(start, start + 10)]
        for arrival, result in zip(arrivals, ingestor.deliver_many(arrivals), strict=True):
            target = refused if isinstance(result, ReadingNotStored) else acknowledged
            target.add(arrival.dedup_key)
        if len(refused) >= 30:
            break
    assert acknowledged and len(refused) >= 30
    assert _stored_keys(db) == acknowledged
    assert db.reader().execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_serial_handshake_is_sent_only_once_another_connection_sees_the_reading(
        db: Database, ingestor: Ingestor) -> None:
    seen_when_acknowledged: list[int] = []

    def acknowledge(_frame: object, _outcome: IngestOutcome) -> bytes:
        count = db.query("SELECT COUNT(*) AS n FROM device_receipts")[0]["n"]  # a read connection
        seen_when_acknowledged.append(count)
        return b"\x06"

    transport = SerialTransport("nonin13", "loop://", address="/dev/ttyUSB0",
                                acknowledge=acknowledge)
    data = b"".join(frames.nonin13(datetime(2026, 11, 1, 8) + timedelta(minutes=index), 70, 97)
                    for index in range(5))
    port = serial.serial_for_url("loop://", timeout=1)
    splitter = transport._spec.splitter()
    transport.handle(splitter.feed(data), ingestor, port, AT)
    assert seen_when_acknowledged == [5, 5, 5, 5, 5]  # all five committed together, then acked
    assert port.read(5) == b"\x06" * 5
    port.close()


def test_a_stopped_writer_stores_what_was_queued_and_takes_nothing_more(
        db: Database, ingestor: Ingestor, writer: GroupCommitWriter) -> None:
    futures = writer.submit([lambda: ingestor.deliver(_arrival(1))])
    writer.stop()
    assert futures[0].result(10).committed
    with pytest.raises(WriterStopped):
        ingestor.deliver(_arrival(2))
    assert _stored_keys(db) == {"k1"}
