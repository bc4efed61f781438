"""PLX Spot-check (0x2A5E) and PLX Continuous (0x2A5F) measurements: decoding and values."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from devices import codes
from devices.ble import const
from devices.ble.bits import Bits, name_bits
from devices.ble.cursor import Cursor
from devices.ble.timing import device_time
from devices.errors import FrameRejected, RejectReason
from devices.ieee11073 import DateTime, Number, SpecialValue
from devices.measurement import Context, Flag, Measurement, measure


@dataclass(frozen=True, slots=True)
class PlxSpotCheck:
    """One decoded 0x2A5E value, fields as sent."""

    flags: int
    spo2: Number
    pulse_rate: Number
    time_stamp: DateTime | None
    measurement_status: Bits | None
    device_and_sensor_status: Bits | None
    pulse_amplitude_index: Number | None
    device_clock_not_set: bool


@dataclass(frozen=True, slots=True)
class PlxContinuous:
    """One decoded 0x2A5F value, fields as sent."""

    flags: int
    spo2: Number
    pulse_rate: Number
    spo2_fast: Number | None
    pulse_rate_fast: Number | None
    spo2_slow: Number | None
    pulse_rate_slow: Number | None
    measurement_status: Bits | None
    device_and_sensor_status: Bits | None
    pulse_amplitude_index: Number | None


def _statuses(cursor: Cursor, measurement: bool, device: bool) -> tuple[Bits | None, Bits | None]:
    status = (
        name_bits(cursor.uint(2, "measurement status"), const.PLX_MEASUREMENT_STATUS_BITS)
        if measurement
        else None
    )
    sensor = (
        name_bits(cursor.uint(3, "device and sensor status"), const.PLX_DEVICE_STATUS_BITS)
        if device
        else None
    )
    return status, sensor


def parse_plx_spot_check(data: bytes) -> PlxSpotCheck:
    """Decode a PLX Spot-check Measurement value.

    :raises FrameRejected: TRUNCATED, or IMPOSSIBLE_VALUE for a bad time stamp.
    """
    cursor = Cursor(data, "PLX Spot-check Measurement")
    flags = cursor.uint(1, "flags")
    spo2 = cursor.sfloat("SpO2")
    pulse = cursor.sfloat("pulse rate")
    stamp = cursor.date_time("time stamp") if flags & const.PLX_SPOT_FLAG_TIME_STAMP else None
    status, sensor = _statuses(
        cursor,
        bool(flags & const.PLX_SPOT_FLAG_MEASUREMENT_STATUS),
        bool(flags & const.PLX_SPOT_FLAG_DEVICE_STATUS),
    )
    pai = cursor.sfloat("pulse amplitude index") if flags & const.PLX_SPOT_FLAG_PAI else None
    return PlxSpotCheck(
        flags=flags,
        spo2=spo2,
        pulse_rate=pulse,
        time_stamp=stamp,
        measurement_status=status,
        device_and_sensor_status=sensor,
        pulse_amplitude_index=pai,
        device_clock_not_set=bool(flags & const.PLX_SPOT_FLAG_CLOCK_NOT_SET),
    )


def parse_plx_continuous(data: bytes) -> PlxContinuous:
    """Decode a PLX Continuous Measurement value.

    :raises FrameRejected: TRUNCATED.
    """
    cursor = Cursor(data, "PLX Continuous Measurement")
    flags = cursor.uint(1, "flags")
    spo2 = cursor.sfloat("SpO2")
    pulse = cursor.sfloat("pulse rate")
    fast = (
        (cursor.sfloat("SpO2 fast"), cursor.sfloat("PR fast"))
        if flags & const.PLX_CONT_FLAG_FAST
        else (None, None)
    )
    slow = (
        (cursor.sfloat("SpO2 slow"), cursor.sfloat("PR slow"))
        if flags & const.PLX_CONT_FLAG_SLOW
        else (None, None)
    )
    status, sensor = _statuses(
        cursor,
        bool(flags & const.PLX_CONT_FLAG_MEASUREMENT_STATUS),
        bool(flags & const.PLX_CONT_FLAG_DEVICE_STATUS),
    )
    pai = cursor.sfloat("pulse amplitude index") if flags & const.PLX_CONT_FLAG_PAI else None
    return PlxContinuous(
        flags=flags,
        spo2=spo2,
        pulse_rate=pulse,
        spo2_fast=fast[0],
        pulse_rate_fast=fast[1],
        spo2_slow=slow[0],
        pulse_rate_slow=slow[1],
        measurement_status=status,
        device_and_sensor_status=sensor,
        pulse_amplitude_index=pai,
    )


_REFUSED_STATUS = {
    "data_for_demonstration": RejectReason.NOT_STORABLE,
    "data_for_testing": RejectReason.NOT_STORABLE,
    "measurement_unavailable": RejectReason.NO_MEASUREMENT,
    "invalid_measurement_detected": RejectReason.NO_MEASUREMENT,
}
_STATUS_FLAGS = {
    "questionable_measurement_detected": Flag.QUESTIONABLE,
    "early_estimated_data": Flag.EARLY_ESTIMATE,
    "data_from_measurement_storage": Flag.FROM_DEVICE_MEMORY,
}
_SIGNAL_BITS = frozenset(
    {
        "signal_processing_irregularity_detected",
        "inadequate_signal_detected",
        "poor_signal_detected",
        "erratic_signal_detected",
        "nonpulsatile_signal_detected",
        "questionable_pulse_detected",
        "sensor_interference_detected",
    }
)
_SENSOR_BITS = frozenset(
    {
        "equipment_malfunction_detected",
        "sensor_unconnected_to_user",
        "unknown_sensor_connected",
        "sensor_displaced",
        "sensor_malfunctioning",
        "sensor_disconnected",
    }
)


def _status_flags(status: Bits | None, sensor: Bits | None) -> list[Flag]:
    flags: list[Flag] = []
    for name in status.names if status else ():
        if name in _REFUSED_STATUS:
            raise FrameRejected(_REFUSED_STATUS[name], f"PLX status says {name}")
        if name in _STATUS_FLAGS:
            flags.append(_STATUS_FLAGS[name])
    names = set(sensor.names) if sensor else set()
    if names & _SENSOR_BITS:
        flags.append(Flag.SENSOR_PROBLEM)
    if names & _SIGNAL_BITS:
        flags.append(Flag.POOR_SIGNAL)
    if "low_perfusion_detected" in names:
        flags.append(Flag.LOW_PERFUSION)
    return flags


def _values(spo2: Number, pulse: Number, context: Context) -> tuple[Measurement, ...]:
    present: Iterable[tuple[codes.Code, Number]] = ((codes.SPO2, spo2), (codes.HEART_RATE, pulse))
    result = tuple(
        measure(code, number, context) for code, number in present if not isinstance(number, SpecialValue)
    )
    if not result:
        raise FrameRejected(RejectReason.SPECIAL_VALUE, f"SpO2 is {spo2}, pulse rate is {pulse}: no reading")
    return result


def plx_spot_check_measurements(reading: PlxSpotCheck) -> tuple[Measurement, ...]:
    """SpO2 (%) and pulse rate (/min); a special value drops only its own field.

    :raises FrameRejected: SPECIAL_VALUE when neither is a number; NOT_STORABLE for demo or test
        data; NO_MEASUREMENT when the device marks the reading unavailable or invalid;
        IMPOSSIBLE_VALUE.
    """
    flags = _status_flags(reading.measurement_status, reading.device_and_sensor_status)
    moment, time_flags = device_time(reading.time_stamp)
    flags += time_flags
    if reading.device_clock_not_set:
        flags.append(Flag.DEVICE_CLOCK_NOT_SET)
    return _values(reading.spo2, reading.pulse_rate, Context(device_time=moment, flags=tuple(flags)))


def plx_continuous_measurements(reading: PlxContinuous) -> tuple[Measurement, ...]:
    """SpO2 (%) and pulse rate (/min) of the normal (not fast, not slow) averaging.

    :raises FrameRejected: as `plx_spot_check_measurements`.
    """
    flags = _status_flags(reading.measurement_status, reading.device_and_sensor_status)
    return _values(reading.spo2, reading.pulse_rate, Context(flags=tuple(flags)))
