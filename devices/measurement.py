"""The common shape of a decoded reading that the rest of the appliance stores: `Measurement`.

Every protocol's parser output is turned into one or more measurements with a LOINC code, a UCUM
unit and an exact decimal value; when the device used another unit, the value it sent and its unit
are kept beside the converted one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from devices.codes import Code
from devices.errors import FrameRejected, RejectReason
from devices.ieee11073 import Number, SpecialValue


class Flag(StrEnum):
    """Qualifiers a device attached to a reading; stored with it and shown to staff."""

    DEVICE_TIME_INCOMPLETE = "device_time_incomplete"
    DEVICE_CLOCK_NOT_SET = "device_clock_not_set"
    DEVICE_TIME_FAULT = "device_time_fault"
    FROM_DEVICE_MEMORY = "from_device_memory"
    BODY_MOVEMENT = "body_movement"
    CUFF_TOO_LOOSE = "cuff_too_loose"
    IRREGULAR_PULSE = "irregular_pulse"
    PULSE_RATE_ABOVE_RANGE = "pulse_rate_above_range"
    PULSE_RATE_BELOW_RANGE = "pulse_rate_below_range"
    IMPROPER_POSITION = "improper_position"
    QUESTIONABLE = "questionable"
    EARLY_ESTIMATE = "early_estimate"
    LOW_PERFUSION = "low_perfusion"
    MARGINAL_PERFUSION = "marginal_perfusion"
    ARTIFACT = "artifact"
    OUT_OF_TRACK = "out_of_track"
    POOR_SIGNAL = "poor_signal"
    SENSOR_PROBLEM = "sensor_problem"
    LOW_BATTERY = "low_battery"
    HIGH_QUALITY = "high_quality"
    RESULT_OUT_OF_DEVICE_RANGE = "result_out_of_device_range"
    NET_WEIGHT = "net_weight"
    GROSS_WEIGHT = "gross_weight"
    PARTIAL_RECORD = "partial_record"
    PRELIMINARY = "preliminary"


@dataclass(frozen=True, slots=True)
class Measurement:
    """One storable value.

    :param code: LOINC code (see `devices.codes`).
    :param unit: UCUM unit of `value`.
    :param original_value: the value as the device sent it, when `value` was converted.
    :param device_time: the device's own time stamp (naive local time unless the protocol
        carries an offset), None when it sent none or an incomplete one.
    :param device_user_id: the user slot of a multi-user device, if it reports one.
    :param sequence_number: the device's record number, for de-duplication.
    :param site: where on the body it was taken, when the device says so.
    """

    code: str
    display: str
    unit: str
    value: Decimal
    original_value: Decimal | None = None
    original_unit: str | None = None
    device_time: datetime | None = None
    flags: tuple[Flag, ...] = ()
    device_user_id: int | None = None
    sequence_number: int | None = None
    site: str | None = None


@dataclass(frozen=True, slots=True)
class Context:
    """What every measurement from one reading shares."""

    device_time: datetime | None = None
    flags: tuple[Flag, ...] = ()
    device_user_id: int | None = None
    sequence_number: int | None = None
    site: str | None = None


def sorted_flags(flags: Iterable[Flag]) -> tuple[Flag, ...]:
    """Deduplicate and order flags so equal readings compare equal."""
    return tuple(sorted(set(flags), key=lambda flag: flag.value))


def require_number(number: Number, what: str) -> Decimal:
    """Return the decimal, or refuse a special value ("no reading") with its name.

    :raises FrameRejected: SPECIAL_VALUE.
    """
    if isinstance(number, SpecialValue):
        raise FrameRejected(RejectReason.SPECIAL_VALUE, f"{what} is {number.value}, not a value")
    return number


def measure(
    code: Code,
    value: Decimal,
    context: Context,
    *,
    original: tuple[Decimal, str] | None = None,
    extra_flags: Iterable[Flag] = (),
) -> Measurement:
    """Build a measurement after checking the value is physically possible.

    :raises FrameRejected: IMPOSSIBLE_VALUE when outside the code's range.
    """
    if not value.is_finite() or not code.accepts(value):
        raise FrameRejected(
            RejectReason.IMPOSSIBLE_VALUE,
            f"{code.display} {value} {code.ucum} is outside {code.low}..{code.high}",
        )
    return Measurement(
        code=code.loinc,
        display=code.display,
        unit=code.ucum,
        value=value,
        original_value=original[0] if original else None,
        original_unit=original[1] if original else None,
        device_time=context.device_time,
        flags=sorted_flags((*context.flags, *extra_flags)),
        device_user_id=context.device_user_id,
        sequence_number=context.sequence_number,
        site=context.site,
    )
