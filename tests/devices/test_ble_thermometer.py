"""Temperature Measurement (0x2A1C) and Intermediate Temperature (0x2A1E)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from devices.ble.thermometer import (
    TemperatureMeasurement,
    TemperatureUnit,
    parse_temperature,
    temperature_measurements,
)
from devices.errors import FrameRejected, RejectReason
from devices.ieee11073 import DateTime, SpecialValue
from devices.measurement import Flag, Measurement

TYMPANUM = bytes.fromhex("041b0e00fe09")
FAHRENHEIT = bytes.fromhex("01da0300ff")
MOUTH_WITH_TIME = bytes.fromhex("06710100ffe8070b16091e0006")
NAN = bytes.fromhex("00ffff7f00")
RESERVED_TYPE_AND_FLAGS = bytes.fromhex("fe" + "710100ff" + "e8070b16091e00" + "0e")


def test_celsius_reading_with_type_decodes_every_field() -> None:
    assert parse_temperature(TYMPANUM) == TemperatureMeasurement(
        flags=4,
        unit=TemperatureUnit.CELSIUS,
        temperature=Decimal("36.11"),
        time_stamp=None,
        temperature_type=9,
    )
    assert temperature_measurements(parse_temperature(TYMPANUM)) == (
        Measurement("8310-5", "Body temperature", "Cel", Decimal("36.11"), site="tympanum"),
    )


def test_fahrenheit_reading_is_converted_and_keeps_the_original() -> None:
    reading = parse_temperature(FAHRENHEIT)
    assert reading == TemperatureMeasurement(1, TemperatureUnit.FAHRENHEIT, Decimal("98.6"), None, None)
    assert temperature_measurements(reading) == (
        Measurement("8310-5", "Body temperature", "Cel", Decimal("37.00"), Decimal("98.6"), "[degF]"),
    )


def test_time_stamp_and_site_are_kept() -> None:
    reading = parse_temperature(MOUTH_WITH_TIME)
    assert reading == TemperatureMeasurement(
        6, TemperatureUnit.CELSIUS, Decimal("36.9"), DateTime(2024, 11, 22, 9, 30, 0), 6
    )
    assert temperature_measurements(reading) == (
        Measurement(
            "8310-5",
            "Body temperature",
            "Cel",
            Decimal("36.9"),
            device_time=datetime(2024, 11, 22, 9, 30),
            site="mouth",
        ),
    )


def test_nan_temperature_decodes_but_is_refused_as_special_value() -> None:
    reading = parse_temperature(NAN)
    assert reading.temperature is SpecialValue.NAN
    with pytest.raises(FrameRejected) as caught:
        temperature_measurements(reading)
    assert caught.value.reason is RejectReason.SPECIAL_VALUE


def test_reserved_flags_and_unknown_type_are_kept_as_sent_without_a_site() -> None:
    reading = parse_temperature(RESERVED_TYPE_AND_FLAGS)
    assert reading.temperature_type == 14
    assert temperature_measurements(reading)[0].site is None


def test_intermediate_temperature_is_not_stored() -> None:
    reading = parse_temperature(TYMPANUM, intermediate=True)
    assert reading.intermediate
    with pytest.raises(FrameRejected) as caught:
        temperature_measurements(reading)
    assert caught.value.reason is RejectReason.NOT_STORABLE


def test_room_temperature_is_refused_as_impossible_body_temperature() -> None:
    data = bytes.fromhex("00" + "05000000")  # 5 °C
    with pytest.raises(FrameRejected) as caught:
        temperature_measurements(parse_temperature(data))
    assert caught.value.reason is RejectReason.IMPOSSIBLE_VALUE


@pytest.mark.parametrize("cut", range(len(MOUTH_WITH_TIME)))
def test_value_cut_anywhere_is_refused_as_truncated(cut: int) -> None:
    with pytest.raises(FrameRejected) as caught:
        parse_temperature(MOUTH_WITH_TIME[:cut])
    assert caught.value.reason is RejectReason.TRUNCATED


def test_unknown_year_in_time_stamp_is_flagged() -> None:
    data = bytes.fromhex("02" + "710100ff" + "00000b16091e00")
    (value,) = temperature_measurements(parse_temperature(data))
    assert (value.device_time, value.flags) == (None, (Flag.DEVICE_TIME_INCOMPLETE,))
