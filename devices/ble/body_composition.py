"""Body Composition Measurement (0x2A9C): decoding and values."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from devices import codes
from devices.ble import const
from devices.ble.cursor import Cursor
from devices.ble.timing import device_time, known_user
from devices.ble.weight import LengthUnit, MassUnit, height_value, length, mass, weight_value
from devices.errors import FrameRejected, RejectReason
from devices.ieee11073 import DateTime
from devices.measurement import Context, Flag, Measurement, measure

PERCENT_RESOLUTION = Decimal("0.1")
IMPEDANCE_RESOLUTION = Decimal("0.1")


@dataclass(frozen=True, slots=True)
class BodyCompositionMeasurement:
    """One decoded 0x2A9C value, scaled to its unit (`unit`/`height_unit`); None = not sent."""

    flags: int
    unit: MassUnit
    height_unit: LengthUnit
    measurement_unsuccessful: bool
    body_fat_percentage: Decimal | None
    time_stamp: DateTime | None
    user_id: int | None
    basal_metabolism: int | None
    muscle_percentage: Decimal | None
    muscle_mass: Decimal | None
    fat_free_mass: Decimal | None
    soft_lean_mass: Decimal | None
    body_water_mass: Decimal | None
    impedance: Decimal | None
    weight: Decimal | None
    height: Decimal | None
    multiple_packet_measurement: bool


def parse_body_composition(data: bytes) -> BodyCompositionMeasurement:
    """Decode a Body Composition Measurement value.

    A body fat of 0xFFFF means "measurement unsuccessful": nothing after it is read.

    :raises FrameRejected: TRUNCATED, or IMPOSSIBLE_VALUE for a bad time stamp.
    """
    cursor = Cursor(data, "Body Composition Measurement")
    flags = cursor.uint(2, "flags")
    imperial = bool(flags & const.BC_FLAG_IMPERIAL)
    unit = MassUnit.LB if imperial else MassUnit.KG
    height_unit = LengthUnit.IN if imperial else LengthUnit.M
    fat_raw = cursor.uint(2, "body fat percentage")
    unsuccessful = fat_raw == const.BC_MEASUREMENT_UNSUCCESSFUL
    reading = BodyCompositionMeasurement(
        flags=flags,
        unit=unit,
        height_unit=height_unit,
        measurement_unsuccessful=unsuccessful,
        body_fat_percentage=None if unsuccessful else fat_raw * PERCENT_RESOLUTION,
        multiple_packet_measurement=bool(flags & const.BC_FLAG_MULTIPLE_PACKET),
        **dict.fromkeys(_OPTIONAL_FIELDS),
    )
    if unsuccessful:
        return reading
    return replace(reading, **_optional_fields(cursor, flags, unit, height_unit))


_OPTIONAL_FIELDS = (
    "time_stamp",
    "user_id",
    "basal_metabolism",
    "muscle_percentage",
    "muscle_mass",
    "fat_free_mass",
    "soft_lean_mass",
    "body_water_mass",
    "impedance",
    "weight",
    "height",
)
_MASS_FIELDS = (
    (const.BC_FLAG_MUSCLE_MASS, "muscle_mass"),
    (const.BC_FLAG_FAT_FREE_MASS, "fat_free_mass"),
    (const.BC_FLAG_SOFT_LEAN_MASS, "soft_lean_mass"),
    (const.BC_FLAG_BODY_WATER_MASS, "body_water_mass"),
)


def _optional_fields(cursor: Cursor, flags: int, unit: MassUnit, height_unit: LengthUnit) -> dict[str, Any]:
    found: dict[str, Any] = {}
    if flags & const.BC_FLAG_TIME_STAMP:
        found["time_stamp"] = cursor.date_time("time stamp")
    if flags & const.BC_FLAG_USER_ID:
        found["user_id"] = cursor.uint(1, "user id")
    if flags & const.BC_FLAG_BASAL_METABOLISM:
        found["basal_metabolism"] = cursor.uint(2, "basal metabolism")
    if flags & const.BC_FLAG_MUSCLE_PERCENTAGE:
        found["muscle_percentage"] = cursor.uint(2, "muscle percentage") * PERCENT_RESOLUTION
    for bit, name in _MASS_FIELDS:
        if flags & bit:
            found[name] = mass(cursor.uint(2, name.replace("_", " ")), unit)
    if flags & const.BC_FLAG_IMPEDANCE:
        found["impedance"] = cursor.uint(2, "impedance") * IMPEDANCE_RESOLUTION
    if flags & const.BC_FLAG_WEIGHT:
        found["weight"] = mass(cursor.uint(2, "weight"), unit)
    if flags & const.BC_FLAG_HEIGHT:
        found["height"] = length(cursor.uint(2, "height"), height_unit)
    return found


def body_composition_measurements(reading: BodyCompositionMeasurement) -> tuple[Measurement, ...]:
    """Body fat (%), and weight (kg) and height (cm) when sent; a split record is flagged partial.

    :raises FrameRejected: NO_MEASUREMENT when the scale reports an unsuccessful measurement,
        IMPOSSIBLE_VALUE.
    """
    if reading.measurement_unsuccessful or reading.body_fat_percentage is None:
        raise FrameRejected(RejectReason.NO_MEASUREMENT, "body composition measurement unsuccessful")
    moment, flags = device_time(reading.time_stamp)
    if reading.multiple_packet_measurement:
        flags = (*flags, Flag.PARTIAL_RECORD)
    context = Context(device_time=moment, flags=flags, device_user_id=known_user(reading.user_id))
    result = [measure(codes.BODY_FAT, reading.body_fat_percentage, context)]
    if reading.weight is not None:
        result.append(weight_value(reading.weight, reading.unit, context))
    if reading.height is not None:
        result.append(height_value(reading.height, reading.height_unit, context))
    return tuple(result)
