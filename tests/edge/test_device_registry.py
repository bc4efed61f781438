"""The device registry: discovery, pairing (name sealed), unpairing, retiring, health and counters."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest

from edge import (
    DeviceBinding,
    DeviceState,
    NotFound,
    RecordRejected,
    admit_resident,
    find_device,
    get_device,
    list_devices,
    pair_device,
    record_battery,
    record_rejected_frame,
    record_seen,
    register_device,
    retire_device,
    unpair_device,
)
from tests.edge.conftest import START


def test_registering_twice_returns_the_same_device_discovered_and_shared(record) -> None:
    first = register_device(record, "ble", "blood_pressure", "AA:BB:CC:DD:EE:FF", model="UA-651BLE")
    again = register_device(record, "ble", "blood_pressure", "AA:BB:CC:DD:EE:FF")
    assert again.id == first.id and again.model == "UA-651BLE"
    assert (first.state, first.binding, first.name) == (DeviceState.DISCOVERED, DeviceBinding.SHARED, None)
    assert find_device(record, "ble", "AA:BB:CC:DD:EE:FF") == again
    assert find_device(record, "serial", "AA:BB:CC:DD:EE:FF") is None


def test_pairing_seals_the_name_and_binds_the_resident(record, traits, settings) -> None:
    resident = admit_resident(record, "u1", traits)
    device = register_device(record, "serial", "nonin8", "/dev/ttyUSB0")
    paired = pair_device(record, device.id, "admin", name="Oxymètre de Mme D.",
                         binding=DeviceBinding.PERSONAL, resident_id=resident)
    assert (paired.state, paired.binding, paired.resident_id, paired.name) == (
        DeviceState.PAIRED, DeviceBinding.PERSONAL, resident, "Oxymètre de Mme D.")
    assert paired.paired_by == "admin"
    raw = sqlite3.connect(settings.database_path).execute("SELECT name FROM devices").fetchone()[0]
    assert b"Mme D." not in raw


@pytest.mark.parametrize(("binding", "with_resident", "message"), [
    (DeviceBinding.PERSONAL, False, "attribué à un résident"),
    (DeviceBinding.SHARED, True, "partagé"),
])
def test_pairing_refuses_an_inconsistent_binding(record, traits, binding, with_resident, message) -> None:
    resident = admit_resident(record, "u1", traits)
    device = register_device(record, "serial", "nonin8", "/dev/ttyUSB0")
    with pytest.raises(RecordRejected, match=message):
        pair_device(record, device.id, "admin", name="Oxy", binding=binding,
                    resident_id=resident if with_resident else None)


def test_unpairing_returns_to_discovered_and_retiring_is_final(record, traits) -> None:
    resident = admit_resident(record, "u1", traits)
    device = register_device(record, "serial", "nonin8", "/dev/ttyUSB0")
    pair_device(record, device.id, "admin", name="Oxy", binding=DeviceBinding.PERSONAL, resident_id=resident)
    back = unpair_device(record, device.id, "admin")
    assert (back.state, back.binding, back.resident_id) == (
        DeviceState.DISCOVERED, DeviceBinding.SHARED, None)
    retire_device(record, device.id, "admin")
    with pytest.raises(RecordRejected, match="retiré"):
        pair_device(record, device.id, "admin", name="Oxy", binding=DeviceBinding.SHARED)
    assert list_devices(record) == []
    assert [d.id for d in list_devices(record, include_retired=True)] == [device.id]
    with pytest.raises(NotFound):
        unpair_device(record, "nope", "admin")


def test_battery_last_seen_and_refused_frames_are_recorded(record) -> None:
    device = register_device(record, "serial", "seca", "/dev/ttyS1").id
    record_battery(record, device, 42)
    record_battery(record, device, 140)
    record_rejected_frame(record, device, "bad_checksum", 3)
    entry = get_device(record, device)
    assert (entry.battery_percent, entry.frames_rejected, entry.last_reject_reason) == (42, 3, "bad_checksum")
    assert entry.last_seen_at == entry.battery_at is not None


def test_a_paired_device_not_heard_from_for_longer_than_expected_is_silent(record, clock) -> None:
    device = register_device(record, "serial", "seca", "/dev/ttyS1").id
    pair_device(record, device, "admin", name="Balance", binding=DeviceBinding.SHARED,
                expected_interval_s=3600)
    record_seen(record, device)
    clock.now = START + timedelta(minutes=59)
    assert not get_device(record, device).silent
    clock.now = START + timedelta(minutes=61)
    assert get_device(record, device).silent
    record_seen(record, device)
    assert not list_devices(record)[0].silent


def test_a_device_without_an_expected_interval_is_never_silent(record, clock) -> None:
    device = register_device(record, "serial", "seca", "/dev/ttyS1").id
    pair_device(record, device, "admin", name="Balance", binding=DeviceBinding.SHARED)
    clock.now = START + timedelta(days=30)
    assert not get_device(record, device).silent
