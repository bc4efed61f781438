"""Heart Rate Measurement (0x2A37): decoding and values."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from devices import codes
from devices.ble import const
from devices.ble.cursor import Cursor
from devices.errors import FrameRejected, RejectReason
from devices.measurement import Context, Measurement, measure


@dataclass(frozen=True, slots=True)
class HeartRateMeasurement:
    """One decoded 0x2A37 value; RR intervals are raw, in 1/1024 s."""

    flags: int
    heart_rate_bpm: int
    sensor_contact: str
    energy_expended: int | None
    rr_intervals: tuple[int, ...]


def parse_heart_rate(data: bytes) -> HeartRateMeasurement:
    """Decode a Heart Rate Measurement value.

    :raises FrameRejected: TRUNCATED, including when bit 4 announces RR intervals and none follow.
    """
    cursor = Cursor(data, "Heart Rate Measurement")
    flags = cursor.uint(1, "flags")
    rate = cursor.uint(2 if flags & const.HR_FLAG_UINT16 else 1, "heart rate")
    energy = cursor.uint(2, "energy expended") if flags & const.HR_FLAG_ENERGY else None
    intervals: list[int] = []
    if flags & const.HR_FLAG_RR:
        intervals.append(cursor.uint(2, "RR interval"))
        while cursor.remaining >= 2:
            intervals.append(cursor.uint(2, "RR interval"))
    return HeartRateMeasurement(
        flags=flags,
        heart_rate_bpm=rate,
        sensor_contact=const.HR_CONTACT_NAMES[(flags >> const.HR_CONTACT_SHIFT) & 0x03],
        energy_expended=energy,
        rr_intervals=tuple(intervals),
    )


def heart_rate_measurements(reading: HeartRateMeasurement) -> tuple[Measurement, ...]:
    """The heart rate in /min.

    :raises FrameRejected: NO_MEASUREMENT when the sensor reports no skin contact,
        IMPOSSIBLE_VALUE.
    """
    if reading.sensor_contact == "not_detected":
        raise FrameRejected(RejectReason.NO_MEASUREMENT, "heart-rate sensor not in contact")
    return (measure(codes.HEART_RATE, Decimal(reading.heart_rate_bpm), Context()),)
