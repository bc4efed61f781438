"""The durable RACP cursor: a restarted devices process asks a meter only for newer records, and a
meter whose numbering restarted still has every new record fetched and stored once.

Driven by the in-memory GATT peripheral over a real record (see `test_ble_session`); a "restart"
is a new transport object over the same record, as after `python -m devices` was restarted.
"""

from __future__ import annotations

import logging

from devices.ble.profiles import BleProtocol
from edge import get_device, record_racp_cursor
from tests.devices.test_ble_session import GLUCOSE_CODE, Rig, glucose_meter, glucose_record


def reset_meter(rig: Rig, readings: int) -> None:
    """The meter's memory was cleared: new readings (later in the day) numbered from 1 again."""
    rig.device.records = [glucose_record(n, 10 + n, 100 + n) for n in range(1, readings + 1)]


def session_writes(rig: Rig, before: int) -> list[str]:
    return rig.racp_writes()[before:]


def test_after_a_restart_the_next_session_asks_from_the_stored_cursor(db, traits):
    rig = Rig(db, traits, glucose_meter(4), BleProtocol.GLUCOSE)
    device_id = rig.pair()
    rig.cycle()
    assert get_device(db, device_id).racp_last_sequence == 4

    rig.restart()
    rig.device.records.append(glucose_record(5, 5, 120))
    before = len(rig.racp_writes())
    [again] = rig.cycle()

    assert session_writes(rig, before) == ["0403010500", "0103010500"]
    assert (again.stored, again.duplicates, again.last_sequence, again.cursor_reset) == (1, 0, 5, False)
    assert get_device(db, device_id).racp_last_sequence == 5
    assert len(rig.values(GLUCOSE_CODE)) == 5


def test_a_session_with_nothing_new_checks_the_last_record_and_keeps_the_cursor(db, traits):
    rig = Rig(db, traits, glucose_meter(4), BleProtocol.GLUCOSE)
    device_id = rig.pair()
    rig.cycle()
    rig.restart()
    before = len(rig.racp_writes())

    [idle] = rig.cycle()

    assert session_writes(rig, before) == ["0403010500", "0106"]
    assert (idle.completed, idle.stored, idle.duplicates, idle.cursor_reset) == (True, 0, 1, False)
    assert idle.last_sequence == 4
    assert get_device(db, device_id).racp_last_sequence == 4
    assert len(rig.values(GLUCOSE_CODE)) == 4


def test_the_stored_cursor_never_passes_a_record_that_was_not_stored(db, traits):
    # The count answer, records 1 and 2, then the link drops.
    rig = Rig(db, traits, glucose_meter(5, drop_after=[3]), BleProtocol.GLUCOSE)
    device_id = rig.pair()
    [cut] = rig.cycle()
    assert (cut.completed, cut.last_sequence) == (False, 2)
    assert get_device(db, device_id).racp_last_sequence == 2

    rig.restart()
    before = len(rig.racp_writes())
    [resumed] = rig.cycle()

    assert session_writes(rig, before) == ["0403010300", "0103010300"]
    assert (resumed.stored, resumed.duplicates) == (3, 0)
    assert get_device(db, device_id).racp_last_sequence == 5
    assert [stamp for _, stamp in rig.values(GLUCOSE_CODE)] == [
        f"2024-11-22T09:0{n}:00" for n in range(1, 6)]


def test_a_meter_whose_numbering_restarted_has_its_new_records_fetched_and_stored_once(
        db, traits, caplog):
    rig = Rig(db, traits, glucose_meter(4), BleProtocol.GLUCOSE)
    device_id = rig.pair()
    rig.cycle()
    rig.restart()
    reset_meter(rig, 3)
    before = len(rig.racp_writes())

    with caplog.at_level(logging.WARNING, logger="devices.ble.session"):
        [outcome] = rig.cycle()

    assert session_writes(rig, before) == ["0403010500", "0106", "0401", "0101"]
    assert (outcome.completed, outcome.cursor_reset, outcome.last_sequence) == (True, True, 3)
    assert (outcome.stored, outcome.duplicates) == (3, 1)  # record 3 came twice: probe, then all
    assert get_device(db, device_id).racp_last_sequence == 3
    stamps = sorted(stamp for _, stamp in rig.values(GLUCOSE_CODE))  # 09:13 came first, by the check
    assert stamps == [f"2024-11-22T09:0{n}:00" for n in range(1, 5)] + [
        f"2024-11-22T09:1{n}:00" for n in range(1, 4)]
    [warning] = [r for r in caplog.records if "numbering restarted" in r.getMessage()]
    assert device_id in warning.getMessage()
    assert traits.birth_family_name not in caplog.text

    rig.device.records.append(glucose_record(4, 14, 130))
    before = len(rig.racp_writes())
    [next_session] = rig.cycle()
    assert session_writes(rig, before) == ["0403010400", "0103010400"]
    assert (next_session.stored, next_session.cursor_reset) == (1, False)
    assert rig.values(GLUCOSE_CODE)[-1] == (130.0, "2024-11-22T09:14:00")


def test_a_reset_meter_that_drops_the_link_after_the_check_is_asked_for_everything_next_time(
        db, traits):
    rig = Rig(db, traits, glucose_meter(4), BleProtocol.GLUCOSE)
    device_id = rig.pair()
    rig.cycle()
    reset_meter(rig, 3)
    rig.device.drop_after = [3]  # the count answer, the last record, its answer, then nothing

    [cut] = rig.cycle()

    assert (cut.completed, cut.cursor_reset, cut.last_sequence) == (False, True, None)
    assert get_device(db, device_id).racp_last_sequence is None

    rig.restart()
    before = len(rig.racp_writes())
    [again] = rig.cycle()

    assert session_writes(rig, before) == ["0401", "0101"]
    assert (again.stored, again.duplicates, again.last_sequence) == (2, 1, 3)
    assert len(rig.values(GLUCOSE_CODE)) == 7


def test_a_meter_that_cannot_report_its_last_record_keeps_the_cursor(db, traits):
    rig = Rig(db, traits, glucose_meter(4), BleProtocol.GLUCOSE)
    device_id = rig.pair()
    record_racp_cursor(db, device_id, 9)
    rig.device.records = []  # an empty meter answers "no records found" to the last-record request

    [outcome] = rig.cycle()

    assert (outcome.completed, outcome.cursor_reset, outcome.last_sequence) == (True, False, 9)
    assert rig.racp_writes() == ["0403010a00", "0106"]
    assert get_device(db, device_id).racp_last_sequence == 9
