"""The pure rules under the BLE session: de-duplication keys, profiles from advertised services,
device clock offsets and values."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from devices.ble import ble_measurements, parse_characteristic
from devices.ble.clock_setting import clock_offset_s, clock_value
from devices.ble.dedup import dedup_key
from devices.ble.gatt import Advertisement
from devices.ble.profiles import BleProtocol, ClockWrite, profile_for, protocol_for_services
from devices.ble.scanner import health_devices

BP_132_78 = bytes.fromhex("1E84004E006000E8070B16091E004800010000")
GLUCOSE_SEQ_7 = bytes.fromhex("020700E8070B16091E006EB011")


def measurements(uuid: int, data: bytes):
    return ble_measurements(parse_characteristic(uuid, data))


def test_a_sequenced_record_is_keyed_by_its_sequence_number_and_device_time():
    key = dedup_key(0x2A18, measurements(0x2A18, GLUCOSE_SEQ_7), "conn-1")
    assert key == "ble:2a18:seq:7:2024-11-22T09:30:00"


def test_the_same_reading_with_another_exponent_has_the_same_key():
    # 97 % / 72 bpm sent as mantissa 97 × 10⁰ and as 970 × 10⁻¹ (DEVICES.md §3.3).
    plain = bytes.fromhex("0161004800E8070B16091E00")
    scaled = bytes.fromhex("01CAF3D0F2E8070B16091E00")
    first = dedup_key(0x2A5E, measurements(0x2A5E, plain), "a")
    second = dedup_key(0x2A5E, measurements(0x2A5E, scaled), "b")
    assert first == second
    assert first.startswith("ble:2a5e:time:2024-11-22T09:30:00:")


def test_different_values_at_the_same_device_time_have_different_keys():
    other = bytearray(BP_132_78)
    other[1] = 0x85  # systolic 133
    assert (dedup_key(0x2A35, measurements(0x2A35, BP_132_78), "c")
            != dedup_key(0x2A35, measurements(0x2A35, bytes(other)), "c"))


def test_a_reading_without_time_or_sequence_is_keyed_within_its_connection_only():
    weight = bytes.fromhex("008C3C")  # 77.5 kg, no time stamp
    assert dedup_key(0x2A9D, measurements(0x2A9D, weight), "c1") != dedup_key(
        0x2A9D, measurements(0x2A9D, weight), "c2")
    assert measurements(0x2A9D, weight)[0].value == Decimal("77.5")


def test_an_empty_record_has_no_key():
    with pytest.raises(ValueError):
        dedup_key(0x2A35, (), "c")


@pytest.mark.parametrize(("services", "protocol"), [
    ((0x1810,), BleProtocol.BLOOD_PRESSURE),
    ((0x181D, 0x181B), BleProtocol.BODY_COMPOSITION),
    ((0x180F, 0x1808), BleProtocol.GLUCOSE),
    ((0x1822,), BleProtocol.PULSE_OXIMETER),
    ((0x1809,), BleProtocol.THERMOMETER),
    ((0x181D,), BleProtocol.WEIGHT_SCALE),
    ((0x180D,), BleProtocol.HEART_RATE),
    ((0x110B, 0x180F), None),
])
def test_advertised_services_name_the_protocol(services, protocol):
    assert protocol_for_services(services) is protocol


def test_only_glucose_records_are_fetched_from_a_sequence_number():
    sequenced = {p for p in BleProtocol if (profile := profile_for(p.value)) and profile.sequenced}
    assert sequenced == {BleProtocol.GLUCOSE}
    assert profile_for("nonin8") is None


def test_scanning_keeps_one_entry_per_address_and_only_health_devices():
    heard = health_devices([
        Advertisement("aa:00:00:00:00:01", None, (0x1810,), -70),
        Advertisement("AA:00:00:00:00:01", "A&D", (0x1810,), -60),
        Advertisement("AA:00:00:00:00:02", "tv", (0x1812,)),
    ])
    assert [(d.address, d.protocol, d.local_name, d.rssi) for d in heard] == [
        ("AA:00:00:00:00:01", BleProtocol.BLOOD_PRESSURE, "A&D", -60)]


def test_the_clock_offset_is_device_minus_appliance_in_seconds():
    now = datetime(2024, 11, 22, 9, 30, 0, 500000)
    assert clock_offset_s(ClockWrite.DATE_TIME, bytes.fromhex("E8070B16091E0F"), now) == 15
    assert clock_offset_s(ClockWrite.CURRENT_TIME, bytes.fromhex("E8070B16091D00050000"), now) == -60
    assert clock_offset_s(ClockWrite.DATE_TIME, bytes.fromhex("00000000091E00"), now) is None
    assert clock_offset_s(ClockWrite.DATE_TIME, b"\x01", now) is None


def test_clock_values_follow_the_date_time_and_current_time_layouts():
    moment = datetime(2025, 3, 16, 8, 30, 0, 500000)  # a Sunday
    assert clock_value(ClockWrite.DATE_TIME, moment).hex() == "e9070310081e00"
    assert clock_value(ClockWrite.CURRENT_TIME, moment).hex() == "e9070310081e00078001"
