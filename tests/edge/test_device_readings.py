"""Device readings: one transaction per reading, matching by a visible rule, the inbox, de-duplication."""

from __future__ import annotations

from datetime import timedelta

import pytest

from edge import (
    Database,
    DeviceBinding,
    DeviceReading,
    DeviceValue,
    IngestStatus,
    MatchRule,
    RecordRejected,
    UnassignedState,
    admit_resident,
    assign_unassigned,
    close_measurement_session,
    get_device,
    get_unassigned,
    ingest_reading,
    list_audit,
    list_observations,
    list_unassigned,
    open_measurement_session,
    pair_device,
    register_device,
    reject_unassigned,
    retire_device,
    verify_audit,
)
from tests.edge.conftest import START

WINDOW = timedelta(minutes=5)
SPOT = DeviceReading((DeviceValue("2708-6", "%", 96.0, device_time="2026-11-22T10:00:00"),
                      DeviceValue("8867-4", "/min", 72.0)))



@pytest.fixture
def residents(record: Database, traits) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    return admit_resident(record, "u1", traits), admit_resident(record, "u1", traits)


def _device(db: Database, address: str = "/dev/ttyUSB0") -> str:
    return register_device(db, "serial", "nonin13", address).id


def test_reading_from_a_personal_device_goes_to_its_resident_with_the_rule(record, residents) -> None:
    device = _device(record)
    pair_device(record, device, "u1", name="Oxymètre chambre 12", binding=DeviceBinding.PERSONAL,
                resident_id=residents[0])
    outcome = ingest_reading(record, device, SPOT, "k1")
    assert outcome.status is IngestStatus.STORED and outcome.committed
    assert outcome.resident_id == residents[0] and outcome.match_rule is MatchRule.PERSONAL_DEVICE
    stored = list_observations(record, residents[0], "u1")
    assert {(o.code, o.unit, o.value) for o in stored} == {("2708-6", "%", 96.0), ("8867-4", "/min", 72.0)}
    assert all(o.device_id == device and o.match_rule == "personal_device" and o.method.value == "device"
               for o in stored)
    assert {o.code: o.device_time for o in stored} == {"2708-6": "2026-11-22T10:00:00", "8867-4": None}
    assert len({o.set_id for o in stored}) == 1


def test_duplicate_reading_returns_the_earlier_outcome_and_stores_nothing(record, residents) -> None:
    device = _device(record)
    pair_device(record, device, "u1", name="Oxy", binding=DeviceBinding.PERSONAL, resident_id=residents[0])
    first = ingest_reading(record, device, SPOT, "same")
    again = ingest_reading(record, device, SPOT, "same")
    assert again.duplicate and not first.duplicate
    assert again.set_id == first.set_id and again.observation_ids == first.observation_ids
    assert len(list_observations(record, residents[0], "u1")) == 2
    assert get_device(record, device).frames_accepted == 1


def test_shared_device_reading_goes_to_the_resident_opened_within_the_window(
        record, residents, clock) -> None:
    device = _device(record)
    pair_device(record, device, "u1", name="Chariot 1", binding=DeviceBinding.SHARED)
    open_measurement_session(record, residents[1], "u1", None, WINDOW)
    clock.now = START + timedelta(minutes=4)
    outcome = ingest_reading(record, device, SPOT, "k1")
    assert outcome.resident_id == residents[1]
    assert outcome.match_rule is MatchRule.SHARED_DEVICE_SESSION


def test_shared_device_reading_outside_the_window_lands_in_the_inbox(record, residents, clock) -> None:
    device = _device(record)
    pair_device(record, device, "u1", name="Chariot 1", binding=DeviceBinding.SHARED)
    open_measurement_session(record, residents[1], "u1", None, WINDOW)
    clock.now = START + timedelta(minutes=6)
    outcome = ingest_reading(record, device, SPOT, "k1")
    assert outcome.status is IngestStatus.UNASSIGNED and outcome.committed
    assert list_observations(record, residents[1], "u1") == []
    inbox = list_unassigned(record, "u1")
    assert [item.id for item in inbox] == [outcome.unassigned_id]
    assert inbox[0].reading.values == SPOT.values


def test_two_residents_open_at_once_is_never_guessed(record, residents) -> None:
    device = _device(record)
    pair_device(record, device, "u1", name="Chariot 1", binding=DeviceBinding.SHARED)
    open_measurement_session(record, residents[0], "u1", None, WINDOW)
    open_measurement_session(record, residents[1], "u2", None, WINDOW)
    assert ingest_reading(record, device, SPOT, "k1").status is IngestStatus.UNASSIGNED


def test_a_session_for_this_device_wins_over_one_for_any_device(record, residents) -> None:
    device = _device(record)
    pair_device(record, device, "u1", name="Chariot 1", binding=DeviceBinding.SHARED)
    open_measurement_session(record, residents[0], "u1", None, WINDOW)
    open_measurement_session(record, residents[1], "u2", device, WINDOW)
    assert ingest_reading(record, device, SPOT, "k1").resident_id == residents[1]


def test_closed_session_no_longer_matches(record, residents) -> None:
    device = _device(record)
    pair_device(record, device, "u1", name="Chariot 1", binding=DeviceBinding.SHARED)
    session = open_measurement_session(record, residents[0], "u1", None, WINDOW)
    close_measurement_session(record, session.id, "u1")
    assert ingest_reading(record, device, SPOT, "k1").status is IngestStatus.UNASSIGNED


def test_unpaired_device_reading_waits_in_the_inbox_even_with_a_session_open(record, residents) -> None:
    device = _device(record)
    open_measurement_session(record, residents[0], "u1", None, WINDOW)
    assert ingest_reading(record, device, SPOT, "k1").status is IngestStatus.UNASSIGNED


def test_assigning_an_inbox_reading_stores_it_for_that_resident_by_that_carer(record, residents) -> None:
    device = _device(record)
    waiting = ingest_reading(record, device, SPOT, "k1")
    assert waiting.unassigned_id is not None
    outcome = assign_unassigned(record, waiting.unassigned_id, residents[0], "carer")
    stored = list_observations(record, residents[0], "carer")
    assert {o.match_rule for o in stored} == {"assigned_by_carer"}
    assert {o.author_id for o in stored} == {"carer"} and {o.device_id for o in stored} == {device}
    assert outcome.set_id == stored[0].set_id
    item = get_unassigned(record, waiting.unassigned_id)
    assert item.state is UnassignedState.ASSIGNED and item.resident_id == residents[0]
    with pytest.raises(RecordRejected):
        assign_unassigned(record, waiting.unassigned_id, residents[1], "carer")


def test_rejecting_an_inbox_reading_keeps_the_reason_and_stores_nothing(record, residents) -> None:
    device = _device(record)
    waiting = ingest_reading(record, device, SPOT, "k1")
    assert waiting.unassigned_id is not None
    with pytest.raises(RecordRejected):
        reject_unassigned(record, waiting.unassigned_id, "carer", "  ")
    reject_unassigned(record, waiting.unassigned_id, "carer", "essai de l'appareil")
    item = get_unassigned(record, waiting.unassigned_id)
    assert item.state is UnassignedState.REJECTED and item.reason == "essai de l'appareil"
    assert list_unassigned(record, "carer") == []
    assert list_observations(record, residents[0], "carer") == []


def test_impossible_value_refuses_the_reading_with_the_reason_and_counts_it(record, residents) -> None:
    device = _device(record)
    pair_device(record, device, "u1", name="Oxy", binding=DeviceBinding.PERSONAL, resident_id=residents[0])
    reading = DeviceReading((DeviceValue("2708-6", "%", 140.0), DeviceValue("8867-4", "/min", 72.0)))
    outcome = ingest_reading(record, device, reading, "k1")
    assert outcome.status is IngestStatus.REJECTED and not outcome.committed
    assert outcome.reason is not None and outcome.reason.startswith("impossible_value")
    assert list_observations(record, residents[0], "u1") == []
    entry = get_device(record, device)
    assert (entry.frames_accepted, entry.frames_rejected) == (0, 1)
    assert entry.last_reject_reason is not None and "140" in entry.last_reject_reason


def test_codes_relais_does_not_record_are_skipped_and_reported(record, residents) -> None:
    device = _device(record)
    pair_device(record, device, "u1", name="Balance", binding=DeviceBinding.PERSONAL,
                resident_id=residents[0])
    reading = DeviceReading((DeviceValue("29463-7", "kg", 70.5), DeviceValue("41982-0", "%", 27.5)))
    outcome = ingest_reading(record, device, reading, "k1")
    assert outcome.skipped_codes == ("41982-0",) and len(outcome.observation_ids) == 1
    only_unknown = DeviceReading((DeviceValue("41982-0", "%", 27.5),))
    assert ingest_reading(record, device, only_unknown, "k2").status is IngestStatus.REJECTED


def test_retired_device_readings_are_refused(record, residents) -> None:
    device = _device(record)
    retire_device(record, device, "admin")
    outcome = ingest_reading(record, device, SPOT, "k1")
    assert outcome.status is IngestStatus.REJECTED and outcome.reason == "device_retired"


def test_every_step_is_in_the_audit_chain(record, residents) -> None:
    device = _device(record)
    pair_device(record, device, "u1", name="Oxy", binding=DeviceBinding.PERSONAL, resident_id=residents[0])
    ingest_reading(record, device, SPOT, "k1")
    entries = list_audit(record, resident_id=residents[0])
    assert any(e.actor_id == f"device:{device}" and e.object_type == "observation"
               and e.details and e.details["match_rule"] == "personal_device" for e in entries)
    assert any(e.object_type == "device" and e.actor_id == "u1" for e in entries)
    assert verify_audit(record).intact
