"""Choosing the BLE decoder by UUID, and refusing characteristics the appliance does not read."""

from __future__ import annotations

import pytest

from devices.ble import CHARACTERISTICS, ble_measurements, parse_characteristic, uuid16
from devices.ble.blood_pressure import BloodPressureMeasurement
from devices.ble.racp import RacpValue
from devices.errors import FrameRejected, RejectReason
from devices.ieee11073 import DateTime


@pytest.mark.parametrize("uuid", ["2A35", "2a35", "0x2A35", 0x2A35, "00002a35-0000-1000-8000-00805f9b34fb"])
def test_every_spelling_of_a_uuid_selects_the_same_decoder(uuid: int | str) -> None:
    assert uuid16(uuid) == 0x2A35
    assert isinstance(parse_characteristic(uuid, bytes.fromhex("00bdf00b009ff0")), BloodPressureMeasurement)


def test_the_issue_characteristics_are_all_decoded() -> None:
    wanted = {0x2A35, 0x2A1C, 0x2A5E, 0x2A5F, 0x2A9D, 0x2A9C, 0x2A18, 0x2A34, 0x2A52, 0x2A37}
    assert wanted <= set(CHARACTERISTICS)


def test_unknown_characteristic_is_refused_as_not_this_device() -> None:
    with pytest.raises(FrameRejected) as caught:
        parse_characteristic("2A19", b"\x64")  # battery level
    assert caught.value.reason is RejectReason.NOT_THIS_DEVICE


@pytest.mark.parametrize("uuid", ["zz", "12345", "0000ffff-0000-1000-8000-000000000000", -1])
def test_malformed_uuid_is_refused(uuid: int | str) -> None:
    with pytest.raises(FrameRejected) as caught:
        parse_characteristic(uuid, b"\x00")
    assert caught.value.reason is RejectReason.NOT_THIS_DEVICE


def test_values_without_a_measurement_give_none() -> None:
    assert isinstance(parse_characteristic("2A52", bytes.fromhex("06000101")), RacpValue)
    assert ble_measurements(parse_characteristic("2A52", bytes.fromhex("06000101"))) == ()
    stamp = parse_characteristic("2A08", bytes.fromhex("e8070b16091e0f"))
    assert stamp == DateTime(2024, 11, 22, 9, 30, 15)
    assert ble_measurements(stamp) == ()
