"""Glucose Measurement (0x2A18) and Glucose Measurement Context (0x2A34): decoding and values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from devices import codes
from devices.ble import const
from devices.ble.bits import Bits, name_bits
from devices.ble.cursor import Cursor
from devices.ble.timing import device_time
from devices.errors import FrameRejected, RejectReason
from devices.ieee11073 import DateTime, Number
from devices.measurement import Context, Flag, Measurement, measure, require_number
from devices.units import mmol_per_l_to_mg_per_dl

KG_PER_L_TO_MG_PER_DL = 100_000
MOL_TO_MMOL = 1000


class ConcentrationUnit(StrEnum):
    """Unit of the concentration, chosen by flags bit 2."""

    KG_PER_L = "kg/L"
    MOL_PER_L = "mol/L"


@dataclass(frozen=True, slots=True)
class GlucoseMeasurement:
    """One decoded 0x2A18 value, fields as sent; `type`/`sample_location` are the raw nibbles."""

    flags: int
    sequence_number: int
    base_time: DateTime
    time_offset: int | None
    glucose_concentration: Number | None
    concentration_unit: ConcentrationUnit
    type: int | None
    sample_location: int | None
    sensor_status_annunciation: Bits | None
    context_information_follows: bool


def parse_glucose(data: bytes) -> GlucoseMeasurement:
    """Decode a Glucose Measurement value (time offset in minutes, signed).

    :raises FrameRejected: TRUNCATED, or IMPOSSIBLE_VALUE for a bad base time.
    """
    cursor = Cursor(data, "Glucose Measurement")
    flags = cursor.uint(1, "flags")
    sequence = cursor.uint(2, "sequence number")
    base = cursor.date_time("base time")
    offset = cursor.sint(2, "time offset") if flags & const.GLUCOSE_FLAG_TIME_OFFSET else None
    concentration: Number | None = None
    kind = location = None
    if flags & const.GLUCOSE_FLAG_CONCENTRATION:
        concentration = cursor.sfloat("concentration")
        packed = cursor.uint(1, "type and sample location")
        kind, location = packed & 0x0F, packed >> 4
    status = None
    if flags & const.GLUCOSE_FLAG_SENSOR_STATUS:
        status = name_bits(cursor.uint(2, "sensor status annunciation"), const.GLUCOSE_SENSOR_STATUS_BITS)
    return GlucoseMeasurement(
        flags=flags,
        sequence_number=sequence,
        base_time=base,
        time_offset=offset,
        glucose_concentration=concentration,
        concentration_unit=(
            ConcentrationUnit.MOL_PER_L
            if flags & const.GLUCOSE_FLAG_MOL_PER_L
            else ConcentrationUnit.KG_PER_L
        ),
        type=kind,
        sample_location=location,
        sensor_status_annunciation=status,
        context_information_follows=bool(flags & const.GLUCOSE_FLAG_CONTEXT_FOLLOWS),
    )


def glucose_measurements(reading: GlucoseMeasurement) -> tuple[Measurement, ...]:
    """Blood glucose in mg/dL at the user-facing time (base time + offset); sequence number kept.

    :raises FrameRejected: NO_MEASUREMENT (no concentration, or a strip/sensor error),
        NOT_STORABLE (control solution, interstitial fluid), SPECIAL_VALUE, IMPOSSIBLE_VALUE.
    """
    if reading.glucose_concentration is None:
        raise FrameRejected(RejectReason.NO_MEASUREMENT, "glucose record without a concentration")
    if (
        reading.type == const.GLUCOSE_TYPE_CONTROL
        or reading.sample_location == const.GLUCOSE_LOCATION_CONTROL
    ):
        raise FrameRejected(RejectReason.NOT_STORABLE, "control-solution test, not a resident reading")
    if reading.type == const.GLUCOSE_TYPE_INTERSTITIAL:
        raise FrameRejected(RejectReason.NOT_STORABLE, "interstitial glucose has no blood-glucose code")
    flags = _status_flags(reading.sensor_status_annunciation)
    value = require_number(reading.glucose_concentration, "glucose concentration")
    moment, time_flags = device_time(reading.base_time)
    if moment is not None and reading.time_offset:
        moment += timedelta(minutes=reading.time_offset)
    context = Context(
        device_time=moment, flags=(*flags, *time_flags), sequence_number=reading.sequence_number
    )
    if reading.concentration_unit is ConcentrationUnit.MOL_PER_L:
        converted = mmol_per_l_to_mg_per_dl(value * MOL_TO_MMOL)
        return (measure(codes.GLUCOSE, converted, context, original=(value, "mol/L")),)
    converted = value * KG_PER_L_TO_MG_PER_DL
    return (measure(codes.GLUCOSE, converted, context, original=(value, "kg/L")),)


def _status_flags(status: Bits | None) -> list[Flag]:
    if status is None:
        return []
    refused = sorted(set(status.names) & const.GLUCOSE_STATUS_REFUSED)
    if refused:
        raise FrameRejected(RejectReason.NO_MEASUREMENT, "glucose meter reports " + ", ".join(refused))
    flags = []
    if "device_battery_low" in status:
        flags.append(Flag.LOW_BATTERY)
    if "time_fault" in status:
        flags.append(Flag.DEVICE_TIME_FAULT)
    if {"result_higher_than_device_can_process", "result_lower_than_device_can_process"} & set(status.names):
        flags.append(Flag.RESULT_OUT_OF_DEVICE_RANGE)
    return flags


class MedicationUnit(StrEnum):
    """Unit of the medication quantity in the context, chosen by flags bit 5."""

    KG = "kg"
    LITRE = "liter"


@dataclass(frozen=True, slots=True)
class GlucoseContext:
    """One decoded 0x2A34 value; joins the measurement with the same sequence number."""

    flags: int
    sequence_number: int
    extended_flags: int | None
    carbohydrate_id: int | None
    carbohydrate: Number | None
    meal: int | None
    tester: int | None
    health: int | None
    exercise_duration: int | None
    exercise_intensity: int | None
    medication_id: int | None
    medication: Number | None
    medication_unit: MedicationUnit
    hba1c: Number | None


def parse_glucose_context(data: bytes) -> GlucoseContext:
    """Decode a Glucose Measurement Context value.

    :raises FrameRejected: TRUNCATED.
    """
    cursor = Cursor(data, "Glucose Measurement Context")
    flags = cursor.uint(1, "flags")
    sequence = cursor.uint(2, "sequence number")
    extended = cursor.uint(1, "extended flags") if flags & const.CONTEXT_FLAG_EXTENDED else None
    carb_id = carb = None
    if flags & const.CONTEXT_FLAG_CARBOHYDRATE:
        carb_id, carb = cursor.uint(1, "carbohydrate id"), cursor.sfloat("carbohydrate")
    meal = cursor.uint(1, "meal") if flags & const.CONTEXT_FLAG_MEAL else None
    tester = health = None
    if flags & const.CONTEXT_FLAG_TESTER_HEALTH:
        packed = cursor.uint(1, "tester and health")
        tester, health = packed & 0x0F, packed >> 4
    duration = intensity = None
    if flags & const.CONTEXT_FLAG_EXERCISE:
        duration, intensity = (
            cursor.uint(2, "exercise duration"),
            cursor.uint(1, "exercise intensity"),
        )
    med_id = medication = None
    if flags & const.CONTEXT_FLAG_MEDICATION:
        med_id, medication = cursor.uint(1, "medication id"), cursor.sfloat("medication")
    hba1c = cursor.sfloat("HbA1c") if flags & const.CONTEXT_FLAG_HBA1C else None
    return GlucoseContext(
        flags=flags,
        sequence_number=sequence,
        extended_flags=extended,
        carbohydrate_id=carb_id,
        carbohydrate=carb,
        meal=meal,
        tester=tester,
        health=health,
        exercise_duration=duration,
        exercise_intensity=intensity,
        medication_id=med_id,
        medication=medication,
        medication_unit=MedicationUnit.LITRE
        if flags & const.CONTEXT_FLAG_MEDICATION_LITRES
        else MedicationUnit.KG,
        hba1c=hba1c,
    )
