"""IEEE 11073-20601 numbers (SFLOAT, FLOAT) and the 7-byte Date Time used by BLE health profiles.

Numbers decode to an exact `Decimal` (mantissa × 10^exponent, never a binary float) or to a
`SpecialValue`; callers must handle both, so a "no reading" pattern can never pass as a number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from devices.errors import FrameRejected, RejectReason, truncated


class SpecialValue(StrEnum):
    """The reserved bit patterns of SFLOAT/FLOAT; none of them is a measured value."""

    NAN = "NaN"
    NRES = "NRes"
    POSITIVE_INFINITY = "+INF"
    NEGATIVE_INFINITY = "-INF"
    RESERVED = "RFU"


Number = Decimal | SpecialValue
"""A decoded 11073 number: an exact decimal or an explicit special value."""

_SFLOAT_SPECIALS = {
    0x07FF: SpecialValue.NAN,
    0x0800: SpecialValue.NRES,
    0x07FE: SpecialValue.POSITIVE_INFINITY,
    0x0802: SpecialValue.NEGATIVE_INFINITY,
    0x0801: SpecialValue.RESERVED,
}
_FLOAT_SPECIALS = {
    0x007FFFFF: SpecialValue.NAN,
    0x00800000: SpecialValue.NRES,
    0x007FFFFE: SpecialValue.POSITIVE_INFINITY,
    0x00800002: SpecialValue.NEGATIVE_INFINITY,
    0x00800001: SpecialValue.RESERVED,
}

SFLOAT_SIZE = 2
FLOAT_SIZE = 4
DATE_TIME_SIZE = 7


def _signed(value: int, bits: int) -> int:
    """Read `value` as a two's-complement integer of `bits` bits."""
    return value - (1 << bits) if value & (1 << (bits - 1)) else value


def sfloat_from_int(raw: int) -> Number:
    """Decode a 16-bit SFLOAT given as the little-endian integer."""
    special = _SFLOAT_SPECIALS.get(raw)
    if special is not None:
        return special
    exponent = _signed(raw >> 12, 4)
    mantissa = _signed(raw & 0x0FFF, 12)
    return Decimal(mantissa).scaleb(exponent)


def float_from_int(raw: int) -> Number:
    """Decode a 32-bit FLOAT given as the little-endian integer."""
    special = _FLOAT_SPECIALS.get(raw)
    if special is not None:
        return special
    exponent = _signed(raw >> 24, 8)
    mantissa = _signed(raw & 0xFFFFFF, 24)
    return Decimal(mantissa).scaleb(exponent)


def decode_sfloat(data: bytes) -> Number:
    """Decode exactly two bytes (as on air) of SFLOAT.

    :raises FrameRejected: if `data` is not two bytes long.
    """
    if len(data) != SFLOAT_SIZE:
        raise _wrong_size("SFLOAT", SFLOAT_SIZE, len(data))
    return sfloat_from_int(int.from_bytes(data, "little"))


def decode_float(data: bytes) -> Number:
    """Decode exactly four bytes (as on air) of FLOAT.

    :raises FrameRejected: if `data` is not four bytes long.
    """
    if len(data) != FLOAT_SIZE:
        raise _wrong_size("FLOAT", FLOAT_SIZE, len(data))
    return float_from_int(int.from_bytes(data, "little"))


def _wrong_size(what: str, size: int, got: int) -> FrameRejected:
    if got < size:
        return truncated(what, size, got)
    return FrameRejected(RejectReason.BAD_FRAMING, f"{what}: {got} bytes, expected {size}")


@dataclass(frozen=True, slots=True)
class DateTime:
    """A device wall-clock time stamp, no time zone; 0 in year, month or day means "not known"."""

    year: int
    month: int
    day: int
    hours: int
    minutes: int
    seconds: int

    @property
    def is_complete(self) -> bool:
        """True when year, month and day are all known."""
        return self.year != 0 and self.month != 0 and self.day != 0

    def to_datetime(self) -> datetime | None:
        """The naive local `datetime`, or None when part of the date is not known."""
        if not self.is_complete:
            return None
        return datetime(  # device time has no zone by definition
            self.year, self.month, self.day, self.hours, self.minutes, self.seconds
        )


def decode_date_time(data: bytes) -> DateTime:
    """Decode the 7-byte Date Time (characteristic 0x2A08 and the time stamp in measurements).

    :raises FrameRejected: TRUNCATED if short, IMPOSSIBLE_VALUE for out-of-range fields.
    """
    if len(data) < DATE_TIME_SIZE:
        raise truncated("Date Time", DATE_TIME_SIZE, len(data))
    stamp = DateTime(
        year=int.from_bytes(data[0:2], "little"),
        month=data[2],
        day=data[3],
        hours=data[4],
        minutes=data[5],
        seconds=data[6],
    )
    _check_date_time(stamp)
    return stamp


def _check_date_time(stamp: DateTime) -> None:
    problems = []
    if stamp.year != 0 and not 1582 <= stamp.year <= 9999:
        problems.append(f"year {stamp.year}")
    if stamp.month > 12:
        problems.append(f"month {stamp.month}")
    if stamp.day > 31:
        problems.append(f"day {stamp.day}")
    if stamp.hours > 23 or stamp.minutes > 59 or stamp.seconds > 59:
        problems.append(f"time {stamp.hours}:{stamp.minutes}:{stamp.seconds}")
    if not problems and stamp.is_complete:
        try:
            stamp.to_datetime()
        except ValueError:
            problems.append(f"day {stamp.day} of month {stamp.month}")
    if problems:
        raise FrameRejected(RejectReason.IMPOSSIBLE_VALUE, "Date Time out of range: " + ", ".join(problems))
