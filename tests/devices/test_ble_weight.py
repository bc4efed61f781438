"""Weight Measurement (0x2A9D) and Body Composition Measurement (0x2A9C)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from devices.ble.body_composition import (
    BodyCompositionMeasurement,
    body_composition_measurements,
    parse_body_composition,
)
from devices.ble.weight import LengthUnit, MassUnit, WeightMeasurement, parse_weight, weight_measurements
from devices.errors import FrameRejected, RejectReason
from devices.ieee11073 import DateTime
from devices.measurement import Flag, Measurement

KG_MINIMAL = bytes.fromhex("008c3c")
IMPERIAL_BMI_HEIGHT = bytes.fromhex("09683de600ae02")
SI_ALL_FIELDS = bytes.fromhex("0e" + "8c3c" + "e8070b16091e00" + "02" + "e600" + "dc06")
UNSUCCESSFUL_WEIGHT = bytes.fromhex("00ffff")
BODY_COMP_ALL = bytes.fromhex(
    "fe0f"  # every field but imperial and multi-packet
    + "b400"  # fat 18.0 %
    + "e8070b16091e00"  # time
    + "01"  # user
    + "e01c"  # basal metabolism 7392 kJ
    + "b001"  # muscle 43.2 %
    + "b036"  # muscle mass 70.0 kg
    + "3039"  # fat-free 73.2 kg
    + "a82f"  # soft lean 61.0 kg
    + "f82a"  # body water 55.0 kg
    + "8813"  # impedance 500.0 ohm
    + "8c3c"  # weight 77.5 kg
    + "dc06"  # height 1.756 m
)
BODY_COMP_UNSUCCESSFUL = bytes.fromhex("0200ffff")


def test_si_weight_decodes_to_77_5_kg() -> None:
    assert parse_weight(KG_MINIMAL) == WeightMeasurement(
        flags=0,
        unit=MassUnit.KG,
        weight_raw=15500,
        weight=Decimal("77.5"),
        time_stamp=None,
        user_id=None,
        bmi_raw=None,
        bmi=None,
        height_unit=LengthUnit.M,
        height_raw=None,
        height=None,
    )
    assert weight_measurements(parse_weight(KG_MINIMAL)) == (
        Measurement("29463-7", "Body weight", "kg", Decimal("77.5")),
    )


def test_imperial_weight_uses_the_imperial_resolutions_and_converts() -> None:
    reading = parse_weight(IMPERIAL_BMI_HEIGHT)
    assert reading == WeightMeasurement(
        flags=9,
        unit=MassUnit.LB,
        weight_raw=15720,
        weight=Decimal("157.20"),
        time_stamp=None,
        user_id=None,
        bmi_raw=230,
        bmi=Decimal("23.0"),
        height_unit=LengthUnit.IN,
        height_raw=686,
        height=Decimal("68.6"),
    )
    assert weight_measurements(reading) == (
        Measurement("29463-7", "Body weight", "kg", Decimal("71.305"), Decimal("157.20"), "[lb_av]"),
        Measurement("39156-5", "Body mass index", "kg/m2", Decimal("23.0")),
        Measurement("8302-2", "Body height", "cm", Decimal("174.24"), Decimal("68.6"), "[in_i]"),
    )


def test_si_weight_with_time_user_bmi_and_height() -> None:
    reading = parse_weight(SI_ALL_FIELDS)
    assert reading.time_stamp == DateTime(2024, 11, 22, 9, 30, 0)
    assert (reading.user_id, reading.bmi, reading.height) == (2, Decimal("23.0"), Decimal("1.756"))
    when = datetime(2024, 11, 22, 9, 30)
    assert weight_measurements(reading)[2] == Measurement(
        "8302-2", "Body height", "cm", Decimal("175.6"), Decimal("1.756"), "m", when, device_user_id=2
    )


def test_weight_ffff_is_refused_as_no_measurement() -> None:
    with pytest.raises(FrameRejected) as caught:
        weight_measurements(parse_weight(UNSUCCESSFUL_WEIGHT))
    assert caught.value.reason is RejectReason.NO_MEASUREMENT


@pytest.mark.parametrize("cut", range(len(SI_ALL_FIELDS)))
def test_weight_cut_anywhere_is_refused_as_truncated(cut: int) -> None:
    with pytest.raises(FrameRejected) as caught:
        parse_weight(SI_ALL_FIELDS[:cut])
    assert caught.value.reason is RejectReason.TRUNCATED


def test_body_composition_with_every_field_decodes_each_one() -> None:
    assert parse_body_composition(BODY_COMP_ALL) == BodyCompositionMeasurement(
        flags=0x0FFE,
        unit=MassUnit.KG,
        height_unit=LengthUnit.M,
        measurement_unsuccessful=False,
        body_fat_percentage=Decimal("18.0"),
        time_stamp=DateTime(2024, 11, 22, 9, 30, 0),
        user_id=1,
        basal_metabolism=7392,
        muscle_percentage=Decimal("43.2"),
        muscle_mass=Decimal("70.0"),
        fat_free_mass=Decimal("73.2"),
        soft_lean_mass=Decimal("61.0"),
        body_water_mass=Decimal("55.0"),
        impedance=Decimal("500.0"),
        weight=Decimal("77.5"),
        height=Decimal("1.756"),
        multiple_packet_measurement=False,
    )


def test_body_composition_gives_fat_weight_and_height() -> None:
    values = body_composition_measurements(parse_body_composition(BODY_COMP_ALL))
    assert [(m.code, m.unit, m.value) for m in values] == [
        ("41982-0", "%", Decimal("18.0")),
        ("29463-7", "kg", Decimal("77.5")),
        ("8302-2", "cm", Decimal("175.6")),
    ]


def test_body_composition_unsuccessful_reads_nothing_after_the_fat_field() -> None:
    reading = parse_body_composition(BODY_COMP_UNSUCCESSFUL)
    assert reading.measurement_unsuccessful
    assert reading.time_stamp is None
    with pytest.raises(FrameRejected) as caught:
        body_composition_measurements(reading)
    assert caught.value.reason is RejectReason.NO_MEASUREMENT


def test_multiple_packet_body_composition_is_flagged_partial() -> None:
    reading = parse_body_composition(bytes.fromhex("0110" + "b400"))
    assert reading.multiple_packet_measurement
    assert reading.unit is MassUnit.LB
    assert body_composition_measurements(reading)[0].flags == (Flag.PARTIAL_RECORD,)


@pytest.mark.parametrize("cut", range(len(BODY_COMP_ALL)))
def test_body_composition_cut_anywhere_is_refused_as_truncated(cut: int) -> None:
    with pytest.raises(FrameRejected) as caught:
        parse_body_composition(BODY_COMP_ALL[:cut])
    assert caught.value.reason is RejectReason.TRUNCATED
