"""Device clocks: Current Time (0x2A2B) decoding, and the Date Time / Current Time values that set them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from devices.ble.cursor import Cursor
from devices.errors import FrameRejected, RejectReason
from devices.ieee11073 import DateTime

ADJUST_MANUAL = 0x01
ADJUST_EXTERNAL_REFERENCE = 0x02
ADJUST_TIME_ZONE = 0x04
ADJUST_DST = 0x08


@dataclass(frozen=True, slots=True)
class CurrentTime:
    """One decoded 0x2A2B value: the 7-byte date time, day of week (1 Monday … 7, 0 unknown),
    fractions of a second in 1/256 and the adjust-reason bits."""

    year: int
    month: int
    day: int
    hours: int
    minutes: int
    seconds: int
    day_of_week: int
    fractions256: int
    adjust_reason: int

    @property
    def date_time(self) -> DateTime:
        """The date and time part."""
        return DateTime(self.year, self.month, self.day, self.hours, self.minutes, self.seconds)


def parse_current_time(data: bytes) -> CurrentTime:
    """Decode a Current Time value.

    :raises FrameRejected: TRUNCATED, IMPOSSIBLE_VALUE (bad date or day of week).
    """
    cursor = Cursor(data, "Current Time")
    stamp = cursor.date_time("date time")
    day_of_week = cursor.uint(1, "day of week")
    fractions = cursor.uint(1, "fractions256")
    reason = cursor.uint(1, "adjust reason")
    if day_of_week > 7:
        raise FrameRejected(RejectReason.IMPOSSIBLE_VALUE, f"day of week {day_of_week}")
    return CurrentTime(
        stamp.year,
        stamp.month,
        stamp.day,
        stamp.hours,
        stamp.minutes,
        stamp.seconds,
        day_of_week,
        fractions,
        reason,
    )


def encode_date_time(moment: datetime) -> bytes:
    """The 7-byte Date Time (0x2A08) for a local wall-clock time (the zone, if any, is dropped)."""
    return bytes(
        [
            *moment.year.to_bytes(2, "little"),
            moment.month,
            moment.day,
            moment.hour,
            moment.minute,
            moment.second,
        ]
    )


def encode_current_time(moment: datetime, adjust_reason: int = ADJUST_MANUAL) -> bytes:
    """The 10-byte Current Time (0x2A2B) value that sets a device clock to `moment`."""
    fractions = moment.microsecond * 256 // 1_000_000
    return encode_date_time(moment) + bytes([moment.isoweekday(), fractions, adjust_reason])
