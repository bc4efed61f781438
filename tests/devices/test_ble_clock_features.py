"""Current Time (0x2A2B), the values that set device clocks, and the feature characteristics."""

from __future__ import annotations

from datetime import datetime

import pytest

from devices.ble import parse_characteristic
from devices.ble.bits import Bits
from devices.ble.clock import CurrentTime, encode_current_time, encode_date_time, parse_current_time
from devices.ble.features import Features, PlxFeatures, TemperatureType
from devices.errors import FrameRejected, RejectReason
from devices.ieee11073 import DateTime, decode_date_time

CURRENT_TIME = bytes.fromhex("e8070b16091e0f" + "05" + "80" + "01")


def test_current_time_decodes_every_field() -> None:
    value = parse_current_time(CURRENT_TIME)
    assert value == CurrentTime(2024, 11, 22, 9, 30, 15, 5, 128, 1)
    assert value.date_time == DateTime(2024, 11, 22, 9, 30, 15)


def test_current_time_with_day_of_week_8_is_impossible() -> None:
    with pytest.raises(FrameRejected) as caught:
        parse_current_time(CURRENT_TIME[:7] + b"\x08\x00\x00")
    assert caught.value.reason is RejectReason.IMPOSSIBLE_VALUE


def test_clock_values_encode_the_appliance_time() -> None:
    moment = datetime(2024, 11, 22, 9, 30, 15, 500_000)
    assert encode_date_time(moment) == bytes.fromhex("e8070b16091e0f")
    assert encode_current_time(moment) == CURRENT_TIME
    assert decode_date_time(encode_date_time(moment)).to_datetime() == moment.replace(microsecond=0)


def test_feature_characteristics_decode_their_bits() -> None:
    assert parse_characteristic("2A49", bytes.fromhex("0500")) == Features(
        Bits(5, ("body_movement_detection", "irregular_pulse_detection"))
    )
    assert parse_characteristic("2A60", bytes.fromhex("0300" + "ffff" + "ffff00")) == PlxFeatures(
        Bits(3, ("device_and_sensor_status_support", "measurement_status_support")), 0xFFFF, 0xFFFF
    )
    assert parse_characteristic("2A1D", b"\x02") == TemperatureType(2)


def test_plx_features_announcing_status_support_without_it_is_truncated() -> None:
    with pytest.raises(FrameRejected) as caught:
        parse_characteristic("2A60", bytes.fromhex("0100"))
    assert caught.value.reason is RejectReason.TRUNCATED
