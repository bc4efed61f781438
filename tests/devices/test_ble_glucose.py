"""Glucose Measurement (0x2A18) and Glucose Measurement Context (0x2A34)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from devices.ble.bits import Bits
from devices.ble.glucose import (
    ConcentrationUnit,
    GlucoseContext,
    GlucoseMeasurement,
    MedicationUnit,
    glucose_measurements,
    parse_glucose,
    parse_glucose_context,
)
from devices.errors import FrameRejected, RejectReason
from devices.ieee11073 import DateTime
from devices.measurement import Flag, Measurement

MINIMAL = bytes.fromhex("000100d0070102030405")
MG_DL_WITH_OFFSET = bytes.fromhex("13" + "2c01" + "e8070b16091e00" + "f6ff" + "6eb0" + "11")
MMOL_WITH_STATUS = bytes.fromhex("0e" + "0200" + "e8070b16091e00" + "3dc0" + "12" + "0108")
CONTROL_SOLUTION = bytes.fromhex("02" + "0300" + "e8070b16091e00" + "6eb0" + "4a")
INTERSTITIAL = bytes.fromhex("02" + "0400" + "e8070b16091e00" + "6eb0" + "19")
STRIP_ERROR = bytes.fromhex("0a" + "0500" + "e8070b16091e00" + "6eb0" + "11" + "0800")
CONTEXT_ALL = bytes.fromhex(
    "ff" + "2c01" + "00" + "01" + "3200" + "02" + "12" + "100e" + "32" + "03" + "0a00" + "3e00"
)


def test_minimal_record_decodes_sequence_and_base_time() -> None:
    assert parse_glucose(MINIMAL) == GlucoseMeasurement(
        flags=0,
        sequence_number=1,
        base_time=DateTime(2000, 1, 2, 3, 4, 5),
        time_offset=None,
        glucose_concentration=None,
        concentration_unit=ConcentrationUnit.KG_PER_L,
        type=None,
        sample_location=None,
        sensor_status_annunciation=None,
        context_information_follows=False,
    )


def test_record_without_concentration_is_no_measurement() -> None:
    with pytest.raises(FrameRejected) as caught:
        glucose_measurements(parse_glucose(MINIMAL))
    assert caught.value.reason is RejectReason.NO_MEASUREMENT


def test_mass_concentration_with_negative_offset_gives_mg_dl_at_user_facing_time() -> None:
    reading = parse_glucose(MG_DL_WITH_OFFSET)
    assert reading == GlucoseMeasurement(
        flags=0x13,
        sequence_number=300,
        base_time=DateTime(2024, 11, 22, 9, 30, 0),
        time_offset=-10,
        glucose_concentration=Decimal("0.00110"),
        concentration_unit=ConcentrationUnit.KG_PER_L,
        type=1,
        sample_location=1,
        sensor_status_annunciation=None,
        context_information_follows=True,
    )
    assert glucose_measurements(reading) == (
        Measurement(
            "2339-0",
            "Glucose [Mass/volume] in Blood",
            "mg/dL",
            Decimal(110),
            Decimal("0.00110"),
            "kg/L",
            datetime(2024, 11, 22, 9, 20),
            sequence_number=300,
        ),
    )


def test_molar_concentration_is_converted_and_status_bits_flagged() -> None:
    reading = parse_glucose(MMOL_WITH_STATUS)
    assert reading.concentration_unit is ConcentrationUnit.MOL_PER_L
    assert reading.glucose_concentration == Decimal("0.0061")
    assert reading.sensor_status_annunciation == Bits(0x0801, ("device_battery_low", "time_fault"))
    (value,) = glucose_measurements(reading)
    assert (value.value, value.original_value, value.original_unit) == (
        Decimal("109.9"),
        Decimal("0.0061"),
        "mol/L",
    )
    assert value.flags == (Flag.DEVICE_TIME_FAULT, Flag.LOW_BATTERY)


@pytest.mark.parametrize("data", [CONTROL_SOLUTION, INTERSTITIAL], ids=["control", "interstitial"])
def test_control_solution_and_interstitial_readings_are_not_stored(data: bytes) -> None:
    with pytest.raises(FrameRejected) as caught:
        glucose_measurements(parse_glucose(data))
    assert caught.value.reason is RejectReason.NOT_STORABLE


def test_strip_error_is_refused_as_no_measurement() -> None:
    with pytest.raises(FrameRejected) as caught:
        glucose_measurements(parse_glucose(STRIP_ERROR))
    assert caught.value.reason is RejectReason.NO_MEASUREMENT


@pytest.mark.parametrize("cut", range(len(MMOL_WITH_STATUS)))
def test_glucose_cut_anywhere_is_refused_as_truncated(cut: int) -> None:
    with pytest.raises(FrameRejected) as caught:
        parse_glucose(MMOL_WITH_STATUS[:cut])
    assert caught.value.reason is RejectReason.TRUNCATED


def test_context_with_every_field_decodes_each_one() -> None:
    assert parse_glucose_context(CONTEXT_ALL) == GlucoseContext(
        flags=0xFF,
        sequence_number=300,
        extended_flags=0,
        carbohydrate_id=1,
        carbohydrate=Decimal(50),
        meal=2,
        tester=2,
        health=1,
        exercise_duration=3600,
        exercise_intensity=50,
        medication_id=3,
        medication=Decimal(10),
        medication_unit=MedicationUnit.LITRE,
        hba1c=Decimal(62),
    )


@pytest.mark.parametrize("cut", range(len(CONTEXT_ALL)))
def test_context_cut_anywhere_is_refused_as_truncated(cut: int) -> None:
    with pytest.raises(FrameRejected) as caught:
        parse_glucose_context(CONTEXT_ALL[:cut])
    assert caught.value.reason is RejectReason.TRUNCATED
