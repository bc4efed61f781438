"""Weight Measurement (0x2A9D): decoding and values; shared mass/length helpers for scales."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from devices import codes
from devices.ble import const
from devices.ble.cursor import Cursor
from devices.ble.timing import device_time, known_user
from devices.errors import FrameRejected, RejectReason
from devices.ieee11073 import DateTime
from devices.measurement import Context, Measurement, measure
from devices.units import inch_to_cm, lb_to_kg, metre_to_cm

KG_RESOLUTION = Decimal("0.005")
LB_RESOLUTION = Decimal("0.01")
M_RESOLUTION = Decimal("0.001")
IN_RESOLUTION = Decimal("0.1")
BMI_RESOLUTION = Decimal("0.1")
UNSUCCESSFUL = 0xFFFF


class MassUnit(StrEnum):
    """Mass unit of a scale value: SI or imperial, by flags bit 0."""

    KG = "kg"
    LB = "lb"


class LengthUnit(StrEnum):
    """Length unit of a scale value: SI or imperial, by flags bit 0."""

    M = "m"
    IN = "in"


def mass(raw: int, unit: MassUnit) -> Decimal:
    """A raw scale mass in its unit (0.005 kg or 0.01 lb steps)."""
    return raw * (KG_RESOLUTION if unit is MassUnit.KG else LB_RESOLUTION)


def length(raw: int, unit: LengthUnit) -> Decimal:
    """A raw scale height in its unit (0.001 m or 0.1 in steps)."""
    return raw * (M_RESOLUTION if unit is LengthUnit.M else IN_RESOLUTION)


@dataclass(frozen=True, slots=True)
class WeightMeasurement:
    """One decoded 0x2A9D value; `weight`, `bmi`, `height` are scaled, the raw fields as sent."""

    flags: int
    unit: MassUnit
    weight_raw: int
    weight: Decimal
    time_stamp: DateTime | None
    user_id: int | None
    bmi_raw: int | None
    bmi: Decimal | None
    height_unit: LengthUnit
    height_raw: int | None
    height: Decimal | None


def parse_weight(data: bytes) -> WeightMeasurement:
    """Decode a Weight Measurement value.

    :raises FrameRejected: TRUNCATED, or IMPOSSIBLE_VALUE for a bad time stamp.
    """
    cursor = Cursor(data, "Weight Measurement")
    flags = cursor.uint(1, "flags")
    imperial = bool(flags & const.WEIGHT_FLAG_IMPERIAL)
    unit = MassUnit.LB if imperial else MassUnit.KG
    height_unit = LengthUnit.IN if imperial else LengthUnit.M
    weight_raw = cursor.uint(2, "weight")
    stamp = cursor.date_time("time stamp") if flags & const.WEIGHT_FLAG_TIME_STAMP else None
    user = cursor.uint(1, "user id") if flags & const.WEIGHT_FLAG_USER_ID else None
    bmi_raw = height_raw = None
    if flags & const.WEIGHT_FLAG_BMI_HEIGHT:
        bmi_raw = cursor.uint(2, "BMI")
        height_raw = cursor.uint(2, "height")
    return WeightMeasurement(
        flags=flags,
        unit=unit,
        weight_raw=weight_raw,
        weight=mass(weight_raw, unit),
        time_stamp=stamp,
        user_id=user,
        bmi_raw=bmi_raw,
        bmi=None if bmi_raw is None else bmi_raw * BMI_RESOLUTION,
        height_unit=height_unit,
        height_raw=height_raw,
        height=None if height_raw is None else length(height_raw, height_unit),
    )


def weight_value(weight: Decimal, unit: MassUnit, context: Context) -> Measurement:
    """Body weight in kg, converted from lb if needed."""
    if unit is MassUnit.LB:
        return measure(codes.BODY_WEIGHT, lb_to_kg(weight), context, original=(weight, "[lb_av]"))
    return measure(codes.BODY_WEIGHT, weight, context)


def height_value(height: Decimal, unit: LengthUnit, context: Context) -> Measurement:
    """Body height in cm, converted from m or inches."""
    if unit is LengthUnit.IN:
        return measure(codes.BODY_HEIGHT, inch_to_cm(height), context, original=(height, "[in_i]"))
    return measure(codes.BODY_HEIGHT, metre_to_cm(height), context, original=(height, "m"))


def weight_measurements(reading: WeightMeasurement) -> tuple[Measurement, ...]:
    """Weight (kg), and BMI and height (cm) when sent.

    :raises FrameRejected: NO_MEASUREMENT for the 0xFFFF weight, IMPOSSIBLE_VALUE.
    """
    if reading.weight_raw == UNSUCCESSFUL:
        raise FrameRejected(RejectReason.NO_MEASUREMENT, "weight 0xFFFF: measurement unsuccessful")
    moment, flags = device_time(reading.time_stamp)
    context = Context(device_time=moment, flags=flags, device_user_id=known_user(reading.user_id))
    result = [weight_value(reading.weight, reading.unit, context)]
    if reading.bmi is not None and reading.bmi_raw:
        result.append(measure(codes.BMI, reading.bmi, context))
    if reading.height is not None and reading.height_raw:
        result.append(height_value(reading.height, reading.height_unit, context))
    return tuple(result)
