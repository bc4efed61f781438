"""PLX Spot-check (0x2A5E) and PLX Continuous (0x2A5F) measurements."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from devices.ble.bits import Bits
from devices.ble.pulse_oximeter import (
    PlxContinuous,
    PlxSpotCheck,
    parse_plx_continuous,
    parse_plx_spot_check,
    plx_continuous_measurements,
    plx_spot_check_measurements,
)
from devices.errors import FrameRejected, RejectReason
from devices.ieee11073 import DateTime, SpecialValue
from devices.measurement import Flag, Measurement

SPOT_WITH_TIME = bytes.fromhex("03" + "6100" + "4800" + "e8070b16091e00" + "0001")
SPOT_ALL_FIELDS = bytes.fromhex("1f" + "6100" + "4800" + "e8070b16091e00" + "0040" + "200000" + "3200")
CONT_SPEZI = bytes.fromhex("00e8f384f3")
CONT_ALL_FIELDS = bytes.fromhex(
    "1f" + "6000" + "4e00" + "5f00" + "4f00" + "6100" + "4d00" + "8000" + "000000" + "1400"
)
FINGER_OUT = bytes.fromhex("00ff07ff07")
DEMO_DATA = bytes.fromhex("02" + "6100" + "4800" + "0004")


def test_spot_check_with_time_and_status_decodes_every_field() -> None:
    assert parse_plx_spot_check(SPOT_WITH_TIME) == PlxSpotCheck(
        flags=3,
        spo2=Decimal(97),
        pulse_rate=Decimal(72),
        time_stamp=DateTime(2024, 11, 22, 9, 30, 0),
        measurement_status=Bits(0x0100, ("fully_qualified_data",)),
        device_and_sensor_status=None,
        pulse_amplitude_index=None,
        device_clock_not_set=False,
    )
    when = datetime(2024, 11, 22, 9, 30)
    assert plx_spot_check_measurements(parse_plx_spot_check(SPOT_WITH_TIME)) == (
        Measurement("2708-6", "Oxygen saturation in arterial blood", "%", Decimal(97), device_time=when),
        Measurement("8867-4", "Heart rate", "/min", Decimal(72), device_time=when),
    )


def test_spot_check_with_every_flag_reads_statuses_pai_and_clock_not_set() -> None:
    reading = parse_plx_spot_check(SPOT_ALL_FIELDS)
    assert reading == PlxSpotCheck(
        flags=0x1F,
        spo2=Decimal(97),
        pulse_rate=Decimal(72),
        time_stamp=DateTime(2024, 11, 22, 9, 30, 0),
        measurement_status=Bits(0x4000, ("questionable_measurement_detected",)),
        device_and_sensor_status=Bits(0x20, ("low_perfusion_detected",)),
        pulse_amplitude_index=Decimal(50),
        device_clock_not_set=True,
    )
    assert plx_spot_check_measurements(reading)[0].flags == (
        Flag.DEVICE_CLOCK_NOT_SET,
        Flag.LOW_PERFUSION,
        Flag.QUESTIONABLE,
    )


def test_continuous_value_with_exponent_decodes_to_100_and_90() -> None:
    assert parse_plx_continuous(CONT_SPEZI) == PlxContinuous(
        0, Decimal("100.0"), Decimal("90.0"), None, None, None, None, None, None, None
    )


def test_continuous_value_with_every_flag_reads_fast_slow_and_status() -> None:
    assert parse_plx_continuous(CONT_ALL_FIELDS) == PlxContinuous(
        flags=0x1F,
        spo2=Decimal(96),
        pulse_rate=Decimal(78),
        spo2_fast=Decimal(95),
        pulse_rate_fast=Decimal(79),
        spo2_slow=Decimal(97),
        pulse_rate_slow=Decimal(77),
        measurement_status=Bits(0x80, ("validated_data",)),
        device_and_sensor_status=Bits(0, ()),
        pulse_amplitude_index=Decimal(20),
    )
    assert [m.value for m in plx_continuous_measurements(parse_plx_continuous(CONT_ALL_FIELDS))] == [
        Decimal(96),
        Decimal(78),
    ]


def test_finger_out_nan_in_both_fields_is_refused_as_special_value() -> None:
    reading = parse_plx_continuous(FINGER_OUT)
    assert (reading.spo2, reading.pulse_rate) == (SpecialValue.NAN, SpecialValue.NAN)
    with pytest.raises(FrameRejected) as caught:
        plx_continuous_measurements(reading)
    assert caught.value.reason is RejectReason.SPECIAL_VALUE


def test_nan_pulse_rate_keeps_the_spo2() -> None:
    reading = parse_plx_spot_check(bytes.fromhex("00" + "6100" + "ff07"))
    assert [m.code for m in plx_spot_check_measurements(reading)] == ["2708-6"]


def test_demonstration_data_is_not_stored() -> None:
    with pytest.raises(FrameRejected) as caught:
        plx_spot_check_measurements(parse_plx_spot_check(DEMO_DATA))
    assert caught.value.reason is RejectReason.NOT_STORABLE


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        ("0020", RejectReason.NO_MEASUREMENT),
        ("0080", RejectReason.NO_MEASUREMENT),
        ("0008", RejectReason.NOT_STORABLE),
    ],
)
def test_unavailable_invalid_or_test_data_is_refused(status: str, reason: RejectReason) -> None:
    data = bytes.fromhex("02" + "6100" + "4800" + status)
    with pytest.raises(FrameRejected) as caught:
        plx_spot_check_measurements(parse_plx_spot_check(data))
    assert caught.value.reason is reason


def test_spo2_above_100_percent_is_impossible() -> None:
    with pytest.raises(FrameRejected) as caught:
        plx_spot_check_measurements(parse_plx_spot_check(bytes.fromhex("00" + "6500" + "4800")))
    assert caught.value.reason is RejectReason.IMPOSSIBLE_VALUE


@pytest.mark.parametrize("cut", range(len(SPOT_ALL_FIELDS)))
def test_spot_check_cut_anywhere_is_refused_as_truncated(cut: int) -> None:
    with pytest.raises(FrameRejected) as caught:
        parse_plx_spot_check(SPOT_ALL_FIELDS[:cut])
    assert caught.value.reason is RejectReason.TRUNCATED


@pytest.mark.parametrize("cut", range(len(CONT_ALL_FIELDS)))
def test_continuous_cut_anywhere_is_refused_as_truncated(cut: int) -> None:
    with pytest.raises(FrameRejected) as caught:
        parse_plx_continuous(CONT_ALL_FIELDS[:cut])
    assert caught.value.reason is RejectReason.TRUNCATED
