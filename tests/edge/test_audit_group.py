"""Tests of edge.audit_group: audit entries from many threads share transactions, each is on disk
(seen by another connection) when its caller's wait returns, the chain stays intact, and an entry
that cannot be written fails alone."""

from __future__ import annotations

import threading

import pytest

from edge import AuditAction, AuditGroupWriter, AuditRequest, Database, StorageFailure, list_audit
from edge.audit import verify_audit
from edge.config import Settings
from edge.datadir import open_record


def _read(object_id: str) -> AuditRequest:
    return AuditRequest("user-1", AuditAction.READ, "page:test", object_id,
                        details={"residents": [object_id], "count": 1})


def test_entries_from_many_threads_are_all_committed_in_order_of_the_chain(db: Database,
                                                                           settings: Settings):
    writer = AuditGroupWriter(db)
    seqs: list[int] = []
    lock = threading.Lock()

    def work(index: int) -> None:
        for turn in range(20):
            seq = writer.append(_read(f"r{index}-{turn}"))
            with lock:
                seqs.append(seq)

    threads = [threading.Thread(target=work, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    writer.stop()
    assert len(seqs) == len(set(seqs)) == 160
    other = open_record(settings)  # another connection sees every acknowledged entry
    try:
        shown = {entry.object_id for entry in list_audit(other, limit=1000)
                 if entry.object_type == "page:test"}
        assert shown == {f"r{index}-{turn}" for index in range(8) for turn in range(20)}
        assert verify_audit(other).intact
    finally:
        other.close()


def test_an_entry_that_cannot_be_written_fails_alone(db: Database):
    writer = AuditGroupWriter(db)
    bad = writer.submit(AuditRequest("user-1", AuditAction.READ, "page:test", "bad",
                                     details={"not json": object()}))
    good = writer.submit(_read("good"))
    with pytest.raises(StorageFailure):
        bad.wait()
    seq = good.wait()
    writer.stop()
    [entry] = [e for e in list_audit(db, limit=100) if e.object_type == "page:test"]
    assert (entry.seq, entry.object_id) == (seq, "good")
    assert verify_audit(db).intact


def test_the_writer_thread_ends_when_idle_and_a_new_entry_starts_it_again(db: Database):
    writer = AuditGroupWriter(db)
    first = writer.append(_read("one"))
    writer.stop()
    second = writer.append(_read("two"))
    writer.stop()
    assert second == first + 1
