"""Feature and type characteristics read once per connection: what a device can report."""

from __future__ import annotations

from dataclasses import dataclass

from devices.ble.bits import Bits, name_bits
from devices.ble.cursor import Cursor

BP_FEATURE_BITS = {
    0: "body_movement_detection",
    1: "cuff_fit_detection",
    2: "irregular_pulse_detection",
    3: "pulse_rate_range_detection",
    4: "measurement_position_detection",
    5: "multiple_bond",
}
PLX_FEATURE_BITS = {
    0: "measurement_status_support",
    1: "device_and_sensor_status_support",
    2: "measurement_storage_for_spot_check",
    3: "timestamp_for_spot_check",
    4: "spo2pr_fast",
    5: "spo2pr_slow",
    6: "pulse_amplitude_index",
    7: "multiple_bonds",
}
WEIGHT_FEATURE_BITS = {0: "time_stamp", 1: "multiple_users", 2: "bmi"}
GLUCOSE_FEATURE_BITS = {
    0: "low_battery_detection",
    1: "sensor_malfunction_detection",
    2: "sensor_sample_size",
    3: "sensor_strip_insertion_error_detection",
    4: "sensor_strip_type_error_detection",
    5: "sensor_result_high_low_detection",
    6: "sensor_temperature_high_low_detection",
    7: "sensor_read_interrupt_detection",
    8: "general_device_fault",
    9: "time_fault",
    10: "multiple_bond",
}


@dataclass(frozen=True, slots=True)
class Features:
    """A feature bit field (0x2A49, 0x2A51, 0x2A9E) decoded with its names."""

    features: Bits


@dataclass(frozen=True, slots=True)
class PlxFeatures:
    """PLX Features (0x2A60): supported features, then the supported status bits if announced."""

    supported_features: Bits
    measurement_status_support: int | None
    device_and_sensor_status_support: int | None


@dataclass(frozen=True, slots=True)
class TemperatureType:
    """Temperature Type (0x2A1D): where the thermometer measures (same codes as in 0x2A1C)."""

    temperature_type: int


def parse_bp_feature(data: bytes) -> Features:
    """Blood Pressure Feature (uint16)."""
    return Features(name_bits(Cursor(data, "Blood Pressure Feature").uint(2, "features"), BP_FEATURE_BITS))


def parse_glucose_feature(data: bytes) -> Features:
    """Glucose Feature (uint16)."""
    return Features(name_bits(Cursor(data, "Glucose Feature").uint(2, "features"), GLUCOSE_FEATURE_BITS))


def parse_weight_scale_feature(data: bytes) -> Features:
    """Weight Scale Feature (uint32; resolution fields stay in `raw`)."""
    raw = Cursor(data, "Weight Scale Feature").uint(4, "features")
    return Features(name_bits(raw, WEIGHT_FEATURE_BITS))


def parse_plx_features(data: bytes) -> PlxFeatures:
    """PLX Features.

    :raises FrameRejected: TRUNCATED.
    """
    cursor = Cursor(data, "PLX Features")
    supported = name_bits(cursor.uint(2, "supported features"), PLX_FEATURE_BITS)
    status = cursor.uint(2, "measurement status support") if supported.raw & 0x01 else None
    sensor = cursor.uint(3, "device and sensor status support") if supported.raw & 0x02 else None
    return PlxFeatures(supported, status, sensor)


def parse_temperature_type(data: bytes) -> TemperatureType:
    """Temperature Type (uint8)."""
    return TemperatureType(Cursor(data, "Temperature Type").uint(1, "temperature type"))
