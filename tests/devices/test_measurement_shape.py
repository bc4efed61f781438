"""The stored shape: codes, unit conversions, range checks and the JSON form."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from devices import codes, units
from devices.errors import FrameRejected, RejectReason
from devices.ieee11073 import SpecialValue
from devices.jsonable import to_jsonable
from devices.measurement import Context, Flag, Measurement, measure, require_number, sorted_flags


def test_national_codes_and_units_are_the_expected_ones() -> None:
    assert [(c.loinc, c.ucum) for c in codes.ALL_CODES if c.national] == [
        ("8480-6", "mm[Hg]"),
        ("8462-4", "mm[Hg]"),
        ("8867-4", "/min"),
        ("9279-1", "/min"),
        ("2708-6", "%"),
        ("8310-5", "Cel"),
        ("29463-7", "kg"),
        ("8302-2", "cm"),
        ("39156-5", "kg/m2"),
        ("2339-0", "mg/dL"),
    ]


@pytest.mark.parametrize(
    ("convert", "value", "expected"),
    [
        (units.kpa_to_mmhg, "16.0", "120.0"),
        (units.kpa_to_mmhg, "17.6", "132.0"),
        (units.fahrenheit_to_celsius, "98.6", "37.00"),
        (units.fahrenheit_to_celsius, "100.4", "38.00"),
        (units.lb_to_kg, "157.20", "71.305"),
        (units.inch_to_cm, "68.6", "174.24"),
        (units.gram_to_kg, "70500", "70.5"),
        (units.mmol_per_l_to_mg_per_dl, "5.5", "99.1"),
    ],
)
def test_conversion_gives_the_stored_unit(convert, value: str, expected: str) -> None:
    assert convert(Decimal(value)) == Decimal(expected)


def test_measure_keeps_the_original_and_sorts_flags() -> None:
    context = Context(device_time=datetime(2024, 1, 2, 3, 4), flags=(Flag.LOW_BATTERY, Flag.ARTIFACT))
    value = measure(
        codes.SYSTOLIC,
        Decimal("120.0"),
        context,
        original=(Decimal("16.0"), "kPa"),
        extra_flags=[Flag.ARTIFACT],
    )
    assert value == Measurement(
        "8480-6",
        "Systolic blood pressure",
        "mm[Hg]",
        Decimal("120.0"),
        Decimal("16.0"),
        "kPa",
        datetime(2024, 1, 2, 3, 4),
        (Flag.ARTIFACT, Flag.LOW_BATTERY),
    )


@pytest.mark.parametrize("value", ["0", "-1", "101", "NaN", "Infinity"])
def test_spo2_outside_its_range_is_impossible(value: str) -> None:
    with pytest.raises(FrameRejected) as caught:
        measure(codes.SPO2, Decimal(value), Context())
    assert caught.value.reason is RejectReason.IMPOSSIBLE_VALUE


def test_special_value_is_never_a_number() -> None:
    with pytest.raises(FrameRejected) as caught:
        require_number(SpecialValue.NRES, "systolic")
    assert caught.value.reason is RejectReason.SPECIAL_VALUE
    assert caught.value.detail == "systolic is NRes, not a value"


def test_sorted_flags_removes_duplicates() -> None:
    assert sorted_flags([Flag.QUESTIONABLE, Flag.ARTIFACT, Flag.QUESTIONABLE]) == (
        Flag.ARTIFACT,
        Flag.QUESTIONABLE,
    )


def test_json_form_uses_numbers_strings_and_iso_times() -> None:
    value = Measurement(
        "8310-5",
        "Body temperature",
        "Cel",
        Decimal("37.00"),
        Decimal("98.6"),
        "[degF]",
        datetime(2024, 11, 22, 9, 30),
        (Flag.LOW_BATTERY,),
    )
    assert to_jsonable(value) == {
        "type": "Measurement",
        "code": "8310-5",
        "display": "Body temperature",
        "unit": "Cel",
        "value": 37,
        "original_value": 98.6,
        "original_unit": "[degF]",
        "device_time": "2024-11-22T09:30:00",
        "flags": ["low_battery"],
        "device_user_id": None,
        "sequence_number": None,
        "site": None,
    }
