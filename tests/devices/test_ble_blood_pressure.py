"""Blood Pressure Measurement (0x2A35) and Intermediate Cuff Pressure (0x2A36)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from devices.ble.bits import Bits
from devices.ble.blood_pressure import (
    BloodPressureMeasurement,
    PressureUnit,
    blood_pressure_measurements,
    parse_blood_pressure,
)
from devices.errors import FrameRejected, RejectReason
from devices.ieee11073 import DateTime, SpecialValue
from devices.measurement import Flag, Measurement

FULL_MMHG = bytes.fromhex("1e84004e006000e8070b16091e0048000100" + "00")
KPA_MINIMAL = bytes.fromhex("01b0f06ef08ef0")
STATUS_ALL_SET = bytes.fromhex("10" + "780050006000" + "2f00")  # bits 0-2, range 1 (above), bit 5
RESERVED_FLAGS = bytes.fromhex("e0" + "7800" + "5000" + "6000")
ICP = bytes.fromhex("04" + "5a00" + "ff07" + "ff07" + "4800")
TIME_UNKNOWN_DATE = bytes.fromhex("02" + "7800500060" + "00" + "000000000e1e00")
USER_UNKNOWN = bytes.fromhex("08" + "780050006000" + "ff")
NOT_THIS_DEVICE = bytes.fromhex("0055")  # a heart-rate value sent to the BP decoder

STAMP = DateTime(2024, 11, 22, 9, 30, 0)
WHEN = datetime(2024, 11, 22, 9, 30, 0)


def test_full_mmhg_reading_decodes_every_field() -> None:
    assert parse_blood_pressure(FULL_MMHG) == BloodPressureMeasurement(
        flags=0x1E,
        unit=PressureUnit.MMHG,
        systolic=Decimal(132),
        diastolic=Decimal(78),
        mean_arterial_pressure=Decimal(96),
        time_stamp=STAMP,
        pulse_rate=Decimal(72),
        user_id=1,
        measurement_status=Bits(0, ()),
        pulse_rate_range="within_range",
    )


def test_full_mmhg_reading_gives_systolic_diastolic_and_pulse() -> None:
    common = {"device_time": WHEN, "device_user_id": 1}
    assert blood_pressure_measurements(parse_blood_pressure(FULL_MMHG)) == (
        Measurement("8480-6", "Systolic blood pressure", "mm[Hg]", Decimal(132), **common),
        Measurement("8462-4", "Diastolic blood pressure", "mm[Hg]", Decimal(78), **common),
        Measurement("8867-4", "Heart rate", "/min", Decimal(72), **common),
    )


def test_kpa_reading_is_converted_to_mmhg_and_keeps_the_original() -> None:
    reading = parse_blood_pressure(KPA_MINIMAL)
    assert reading.unit is PressureUnit.KPA
    assert (reading.systolic, reading.diastolic, reading.mean_arterial_pressure) == (
        Decimal("17.6"),
        Decimal("11.0"),
        Decimal("14.2"),
    )
    assert blood_pressure_measurements(reading) == (
        Measurement("8480-6", "Systolic blood pressure", "mm[Hg]", Decimal("132.0"), Decimal("17.6"), "kPa"),
        Measurement("8462-4", "Diastolic blood pressure", "mm[Hg]", Decimal("82.5"), Decimal("11.0"), "kPa"),
    )


def test_every_status_bit_becomes_a_flag() -> None:
    reading = parse_blood_pressure(STATUS_ALL_SET)
    assert reading.measurement_status == Bits(
        0x2F,
        (
            "body_movement_detected",
            "cuff_too_loose",
            "improper_measurement_position",
            "irregular_pulse_detected",
        ),
    )
    assert reading.pulse_rate_range == "exceeds_upper_limit"
    assert blood_pressure_measurements(reading)[0].flags == (
        Flag.BODY_MOVEMENT,
        Flag.CUFF_TOO_LOOSE,
        Flag.IMPROPER_POSITION,
        Flag.IRREGULAR_PULSE,
        Flag.PULSE_RATE_ABOVE_RANGE,
    )


def test_pulse_rate_below_range_is_flagged() -> None:
    data = bytes.fromhex("10" + "780050006000" + "1000")
    reading = parse_blood_pressure(data)
    assert reading.pulse_rate_range == "below_lower_limit"
    assert blood_pressure_measurements(reading)[0].flags == (Flag.PULSE_RATE_BELOW_RANGE,)


def test_reserved_flag_bits_are_ignored() -> None:
    reading = parse_blood_pressure(RESERVED_FLAGS)
    assert reading == BloodPressureMeasurement(
        flags=0xE0,
        unit=PressureUnit.MMHG,
        systolic=Decimal(120),
        diastolic=Decimal(80),
        mean_arterial_pressure=Decimal(96),
        time_stamp=None,
        pulse_rate=None,
        user_id=None,
        measurement_status=None,
        pulse_rate_range=None,
    )


def test_intermediate_cuff_pressure_decodes_but_is_not_stored() -> None:
    reading = parse_blood_pressure(ICP, intermediate=True)
    assert reading.systolic == Decimal(90)
    assert reading.diastolic is SpecialValue.NAN
    with pytest.raises(FrameRejected) as caught:
        blood_pressure_measurements(reading)
    assert caught.value.reason is RejectReason.NOT_STORABLE


@pytest.mark.parametrize("special", ["ff07", "0008", "fe07", "0208", "0108"])
def test_special_systolic_is_refused_as_special_value(special: str) -> None:
    data = bytes.fromhex("00" + special + "5000" + "6000")
    with pytest.raises(FrameRejected) as caught:
        blood_pressure_measurements(parse_blood_pressure(data))
    assert caught.value.reason is RejectReason.SPECIAL_VALUE


def test_special_pulse_rate_drops_only_the_pulse() -> None:
    data = bytes.fromhex("04" + "7800" + "5000" + "6000" + "ff07")
    codes = [m.code for m in blood_pressure_measurements(parse_blood_pressure(data))]
    assert codes == ["8480-6", "8462-4"]


def test_unknown_date_in_time_stamp_is_flagged_not_invented() -> None:
    (systolic, _diastolic) = blood_pressure_measurements(parse_blood_pressure(TIME_UNKNOWN_DATE))
    assert systolic.device_time is None
    assert systolic.flags == (Flag.DEVICE_TIME_INCOMPLETE,)


def test_unknown_user_is_not_a_user_slot() -> None:
    reading = parse_blood_pressure(USER_UNKNOWN)
    assert reading.user_id == 0xFF
    assert blood_pressure_measurements(reading)[0].device_user_id is None


def test_impossible_pressure_is_refused() -> None:
    data = bytes.fromhex("00" + "0000" + "5000" + "6000")  # systolic 0
    with pytest.raises(FrameRejected) as caught:
        blood_pressure_measurements(parse_blood_pressure(data))
    assert caught.value.reason is RejectReason.IMPOSSIBLE_VALUE


@pytest.mark.parametrize("cut", range(len(FULL_MMHG)))
def test_value_cut_anywhere_is_refused_as_truncated(cut: int) -> None:
    with pytest.raises(FrameRejected) as caught:
        parse_blood_pressure(FULL_MMHG[:cut])
    assert caught.value.reason is RejectReason.TRUNCATED


def test_heart_rate_bytes_are_not_a_blood_pressure() -> None:
    with pytest.raises(FrameRejected):
        parse_blood_pressure(NOT_THIS_DEVICE)
