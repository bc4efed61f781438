"""BLE characteristic values: the decoder for each 16-bit UUID, and readings to measurements."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from devices.ble import const
from devices.ble.blood_pressure import (
    BloodPressureMeasurement,
    blood_pressure_measurements,
    parse_blood_pressure,
)
from devices.ble.body_composition import (
    BodyCompositionMeasurement,
    body_composition_measurements,
    parse_body_composition,
)
from devices.ble.clock import CurrentTime, parse_current_time
from devices.ble.features import (
    Features,
    PlxFeatures,
    TemperatureType,
    parse_bp_feature,
    parse_glucose_feature,
    parse_plx_features,
    parse_temperature_type,
    parse_weight_scale_feature,
)
from devices.ble.glucose import (
    GlucoseContext,
    GlucoseMeasurement,
    glucose_measurements,
    parse_glucose,
    parse_glucose_context,
)
from devices.ble.heart_rate import HeartRateMeasurement, heart_rate_measurements, parse_heart_rate
from devices.ble.pulse_oximeter import (
    PlxContinuous,
    PlxSpotCheck,
    parse_plx_continuous,
    parse_plx_spot_check,
    plx_continuous_measurements,
    plx_spot_check_measurements,
)
from devices.ble.racp import RacpValue, parse_racp
from devices.ble.thermometer import (
    TemperatureMeasurement,
    parse_temperature,
    temperature_measurements,
)
from devices.ble.weight import WeightMeasurement, parse_weight, weight_measurements
from devices.errors import FrameRejected, RejectReason
from devices.ieee11073 import DateTime, decode_date_time
from devices.measurement import Measurement

_LOGGER = logging.getLogger(__name__)

BleReading = (
    BloodPressureMeasurement
    | TemperatureMeasurement
    | PlxSpotCheck
    | PlxContinuous
    | WeightMeasurement
    | BodyCompositionMeasurement
    | GlucoseMeasurement
    | GlucoseContext
    | RacpValue
    | HeartRateMeasurement
    | DateTime
    | CurrentTime
    | Features
    | PlxFeatures
    | TemperatureType
)


@dataclass(frozen=True, slots=True)
class Characteristic:
    """A characteristic the appliance can decode."""

    uuid: int
    name: str
    parse: Callable[[bytes], BleReading]


CHARACTERISTICS: dict[int, Characteristic] = {
    entry.uuid: entry
    for entry in (
        Characteristic(const.DATE_TIME, "Date Time", decode_date_time),
        Characteristic(const.GLUCOSE_MEASUREMENT, "Glucose Measurement", parse_glucose),
        Characteristic(const.TEMPERATURE_MEASUREMENT, "Temperature Measurement", parse_temperature),
        Characteristic(
            const.INTERMEDIATE_TEMPERATURE,
            "Intermediate Temperature",
            partial(parse_temperature, intermediate=True),
        ),
        Characteristic(
            const.GLUCOSE_MEASUREMENT_CONTEXT, "Glucose Measurement Context", parse_glucose_context
        ),
        Characteristic(const.BLOOD_PRESSURE_MEASUREMENT, "Blood Pressure Measurement", parse_blood_pressure),
        Characteristic(
            const.INTERMEDIATE_CUFF_PRESSURE,
            "Intermediate Cuff Pressure",
            partial(parse_blood_pressure, intermediate=True),
        ),
        Characteristic(const.HEART_RATE_MEASUREMENT, "Heart Rate Measurement", parse_heart_rate),
        Characteristic(const.RECORD_ACCESS_CONTROL_POINT, "Record Access Control Point", parse_racp),
        Characteristic(const.PLX_SPOT_CHECK_MEASUREMENT, "PLX Spot-check Measurement", parse_plx_spot_check),
        Characteristic(const.PLX_CONTINUOUS_MEASUREMENT, "PLX Continuous Measurement", parse_plx_continuous),
        Characteristic(
            const.BODY_COMPOSITION_MEASUREMENT,
            "Body Composition Measurement",
            parse_body_composition,
        ),
        Characteristic(const.WEIGHT_MEASUREMENT, "Weight Measurement", parse_weight),
        Characteristic(const.CURRENT_TIME, "Current Time", parse_current_time),
        Characteristic(const.TEMPERATURE_TYPE, "Temperature Type", parse_temperature_type),
        Characteristic(const.BLOOD_PRESSURE_FEATURE, "Blood Pressure Feature", parse_bp_feature),
        Characteristic(const.GLUCOSE_FEATURE, "Glucose Feature", parse_glucose_feature),
        Characteristic(const.PLX_FEATURES, "PLX Features", parse_plx_features),
        Characteristic(const.WEIGHT_SCALE_FEATURE, "Weight Scale Feature", parse_weight_scale_feature),
    )
}

_MEASUREMENTS: dict[type, Callable[[Any], tuple[Measurement, ...]]] = {
    BloodPressureMeasurement: blood_pressure_measurements,
    TemperatureMeasurement: temperature_measurements,
    PlxSpotCheck: plx_spot_check_measurements,
    PlxContinuous: plx_continuous_measurements,
    WeightMeasurement: weight_measurements,
    BodyCompositionMeasurement: body_composition_measurements,
    GlucoseMeasurement: glucose_measurements,
    HeartRateMeasurement: heart_rate_measurements,
}


def uuid16(uuid: int | str) -> int:
    """The 16-bit UUID from an int, "2A35", "0x2a35" or the full 128-bit Bluetooth base form.

    :raises ValueError: for anything else.
    """
    if isinstance(uuid, int):
        number = uuid
    else:
        text = uuid.strip().lower()
        if len(text) == 36 and text.endswith(const.BASE_UUID_SUFFIX) and text.startswith("0000"):
            text = text[4:8]
        text = text.removeprefix("0x")
        if not 1 <= len(text) <= 4:
            raise ValueError(f"not a 16-bit UUID: {uuid!r}")
        number = int(text, 16)
    if not 0 <= number <= 0xFFFF:
        raise ValueError(f"not a 16-bit UUID: {uuid!r}")
    return number


def parse_characteristic(uuid: int | str, data: bytes) -> BleReading:
    """Decode the value of characteristic `uuid`.

    :raises FrameRejected: NOT_THIS_DEVICE for a characteristic the appliance does not read, or
        the decoder's own rejection.
    """
    try:
        number = uuid16(uuid)
    except ValueError as error:
        raise FrameRejected(RejectReason.NOT_THIS_DEVICE, str(error)) from error
    entry = CHARACTERISTICS.get(number)
    if entry is None:
        raise FrameRejected(
            RejectReason.NOT_THIS_DEVICE, f"characteristic 0x{number:04X} is not decoded here"
        )
    _LOGGER.debug("decoding 0x%04X: %s", number, data.hex())
    return entry.parse(data)


def ble_measurements(reading: BleReading) -> tuple[Measurement, ...]:
    """The storable measurements of a reading; () for values that carry none (RACP, context, time).

    :raises FrameRejected: when the reading must not be stored (see each characteristic).
    """
    convert = _MEASUREMENTS.get(type(reading))
    return () if convert is None else convert(reading)
