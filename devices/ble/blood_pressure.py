"""Blood Pressure Measurement (0x2A35) and Intermediate Cuff Pressure (0x2A36)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from devices import codes
from devices.ble import const
from devices.ble.bits import Bits, name_bits
from devices.ble.cursor import Cursor
from devices.ble.timing import device_time, known_user
from devices.errors import FrameRejected, RejectReason
from devices.ieee11073 import DateTime, Number, SpecialValue
from devices.measurement import Context, Flag, Measurement, measure, require_number
from devices.units import kpa_to_mmhg


class PressureUnit(StrEnum):
    """Unit of the three pressures, chosen by flags bit 0."""

    MMHG = "mmHg"
    KPA = "kPa"


@dataclass(frozen=True, slots=True)
class BloodPressureMeasurement:
    """One decoded 0x2A35 (or 0x2A36 when `intermediate`) value, fields as sent."""

    flags: int
    unit: PressureUnit
    systolic: Number
    diastolic: Number
    mean_arterial_pressure: Number
    time_stamp: DateTime | None
    pulse_rate: Number | None
    user_id: int | None
    measurement_status: Bits | None
    pulse_rate_range: str | None
    intermediate: bool = False


def parse_blood_pressure(data: bytes, *, intermediate: bool = False) -> BloodPressureMeasurement:
    """Decode a Blood Pressure Measurement (or Intermediate Cuff Pressure) value.

    :raises FrameRejected: TRUNCATED, or IMPOSSIBLE_VALUE for a bad time stamp.
    """
    what = "Intermediate Cuff Pressure" if intermediate else "Blood Pressure Measurement"
    cursor = Cursor(data, what)
    flags = cursor.uint(1, "flags")
    systolic = cursor.sfloat("systolic")
    diastolic = cursor.sfloat("diastolic")
    mean = cursor.sfloat("mean arterial pressure")
    stamp = cursor.date_time("time stamp") if flags & const.BP_FLAG_TIME_STAMP else None
    pulse = cursor.sfloat("pulse rate") if flags & const.BP_FLAG_PULSE_RATE else None
    user = cursor.uint(1, "user id") if flags & const.BP_FLAG_USER_ID else None
    status: Bits | None = None
    pulse_range: str | None = None
    if flags & const.BP_FLAG_STATUS:
        raw = cursor.uint(2, "measurement status")
        status = name_bits(raw, const.BP_STATUS_BITS)
        pulse_range = const.BP_PULSE_RANGE_NAMES[(raw >> const.BP_PULSE_RANGE_SHIFT) & 0x03]
    return BloodPressureMeasurement(
        flags=flags,
        unit=PressureUnit.KPA if flags & const.BP_FLAG_KPA else PressureUnit.MMHG,
        systolic=systolic,
        diastolic=diastolic,
        mean_arterial_pressure=mean,
        time_stamp=stamp,
        pulse_rate=pulse,
        user_id=user,
        measurement_status=status,
        pulse_rate_range=pulse_range,
        intermediate=intermediate,
    )


_STATUS_FLAGS = {
    "body_movement_detected": Flag.BODY_MOVEMENT,
    "cuff_too_loose": Flag.CUFF_TOO_LOOSE,
    "irregular_pulse_detected": Flag.IRREGULAR_PULSE,
    "improper_measurement_position": Flag.IMPROPER_POSITION,
}
_RANGE_FLAGS = {
    "exceeds_upper_limit": Flag.PULSE_RATE_ABOVE_RANGE,
    "below_lower_limit": Flag.PULSE_RATE_BELOW_RANGE,
}


def blood_pressure_measurements(reading: BloodPressureMeasurement) -> tuple[Measurement, ...]:
    """Systolic and diastolic in mm[Hg] (converted from kPa if needed) and the pulse rate.

    The mean arterial pressure is decoded but not stored (no national code). A special value in
    the pulse rate drops only the pulse rate.

    :raises FrameRejected: NOT_STORABLE for cuff pressure, SPECIAL_VALUE, IMPOSSIBLE_VALUE.
    """
    if reading.intermediate:
        raise FrameRejected(RejectReason.NOT_STORABLE, "intermediate cuff pressure is not a reading")
    moment, time_flags = device_time(reading.time_stamp)
    flags = list(time_flags)
    if reading.measurement_status is not None:
        flags += [_STATUS_FLAGS[name] for name in reading.measurement_status.names]
    if reading.pulse_rate_range in _RANGE_FLAGS:
        flags.append(_RANGE_FLAGS[reading.pulse_rate_range])
    context = Context(device_time=moment, flags=tuple(flags), device_user_id=known_user(reading.user_id))
    result = [
        _pressure(codes.SYSTOLIC, reading.systolic, reading.unit, context, "systolic"),
        _pressure(codes.DIASTOLIC, reading.diastolic, reading.unit, context, "diastolic"),
    ]
    if reading.pulse_rate is not None and not isinstance(reading.pulse_rate, SpecialValue):
        result.append(measure(codes.HEART_RATE, reading.pulse_rate, context))
    return tuple(result)


def _pressure(
    code: codes.Code, number: Number, unit: PressureUnit, context: Context, what: str
) -> Measurement:
    value = require_number(number, what)
    if unit is PressureUnit.KPA:
        return measure(code, kpa_to_mmhg(value), context, original=(value, "kPa"))
    return measure(code, value, context)
