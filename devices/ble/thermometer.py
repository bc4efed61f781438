"""Temperature Measurement (0x2A1C) and Intermediate Temperature (0x2A1E): decoding and values."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from devices import codes
from devices.ble import const
from devices.ble.cursor import Cursor
from devices.ble.timing import device_time
from devices.errors import FrameRejected, RejectReason
from devices.ieee11073 import DateTime, Number
from devices.measurement import Context, Measurement, measure, require_number
from devices.units import fahrenheit_to_celsius


class TemperatureUnit(StrEnum):
    """Unit of the temperature, chosen by flags bit 0."""

    CELSIUS = "celsius"
    FAHRENHEIT = "fahrenheit"


@dataclass(frozen=True, slots=True)
class TemperatureMeasurement:
    """One decoded 0x2A1C (or 0x2A1E when `intermediate`) value, fields as sent.

    `temperature_type` is the raw code (1 armpit … 9 tympanum); other values are reserved and
    kept as sent.
    """

    flags: int
    unit: TemperatureUnit
    temperature: Number
    time_stamp: DateTime | None
    temperature_type: int | None
    intermediate: bool = False


def parse_temperature(data: bytes, *, intermediate: bool = False) -> TemperatureMeasurement:
    """Decode a Temperature Measurement (or Intermediate Temperature) value.

    :raises FrameRejected: TRUNCATED, or IMPOSSIBLE_VALUE for a bad time stamp.
    """
    what = "Intermediate Temperature" if intermediate else "Temperature Measurement"
    cursor = Cursor(data, what)
    flags = cursor.uint(1, "flags")
    temperature = cursor.float32("temperature")
    stamp = cursor.date_time("time stamp") if flags & const.TEMP_FLAG_TIME_STAMP else None
    kind = cursor.uint(1, "temperature type") if flags & const.TEMP_FLAG_TYPE else None
    return TemperatureMeasurement(
        flags=flags,
        unit=TemperatureUnit.FAHRENHEIT if flags & const.TEMP_FLAG_FAHRENHEIT else TemperatureUnit.CELSIUS,
        temperature=temperature,
        time_stamp=stamp,
        temperature_type=kind,
        intermediate=intermediate,
    )


def temperature_measurements(reading: TemperatureMeasurement) -> tuple[Measurement, ...]:
    """The body temperature in Cel (converted from [degF] if needed), with the site if sent.

    :raises FrameRejected: NOT_STORABLE for an intermediate value, SPECIAL_VALUE, IMPOSSIBLE_VALUE.
    """
    if reading.intermediate:
        raise FrameRejected(RejectReason.NOT_STORABLE, "intermediate temperature is not a reading")
    value = require_number(reading.temperature, "temperature")
    moment, flags = device_time(reading.time_stamp)
    site = const.TEMPERATURE_TYPES.get(reading.temperature_type or 0)
    context = Context(device_time=moment, flags=flags, site=site)
    if reading.unit is TemperatureUnit.FAHRENHEIT:
        return (
            measure(
                codes.BODY_TEMPERATURE,
                fahrenheit_to_celsius(value),
                context,
                original=(value, "[degF]"),
            ),
        )
    return (measure(codes.BODY_TEMPERATURE, value, context),)
