"""BLE GATT identifiers and bit tables for the health profiles the appliance reads."""

from __future__ import annotations

# Services (16-bit UUIDs)
GLUCOSE_SERVICE = 0x1808
HEALTH_THERMOMETER_SERVICE = 0x1809
HEART_RATE_SERVICE = 0x180D
BLOOD_PRESSURE_SERVICE = 0x1810
BODY_COMPOSITION_SERVICE = 0x181B
WEIGHT_SCALE_SERVICE = 0x181D
PULSE_OXIMETER_SERVICE = 0x1822

# Characteristics (16-bit UUIDs)
DATE_TIME = 0x2A08
GLUCOSE_MEASUREMENT = 0x2A18
TEMPERATURE_MEASUREMENT = 0x2A1C
TEMPERATURE_TYPE = 0x2A1D
INTERMEDIATE_TEMPERATURE = 0x2A1E
GLUCOSE_MEASUREMENT_CONTEXT = 0x2A34
BLOOD_PRESSURE_MEASUREMENT = 0x2A35
INTERMEDIATE_CUFF_PRESSURE = 0x2A36
HEART_RATE_MEASUREMENT = 0x2A37
BLOOD_PRESSURE_FEATURE = 0x2A49
CURRENT_TIME = 0x2A2B
GLUCOSE_FEATURE = 0x2A51
RECORD_ACCESS_CONTROL_POINT = 0x2A52
PLX_SPOT_CHECK_MEASUREMENT = 0x2A5E
PLX_CONTINUOUS_MEASUREMENT = 0x2A5F
PLX_FEATURES = 0x2A60
BODY_COMPOSITION_MEASUREMENT = 0x2A9C
WEIGHT_MEASUREMENT = 0x2A9D
WEIGHT_SCALE_FEATURE = 0x2A9E

BASE_UUID_SUFFIX = "-0000-1000-8000-00805f9b34fb"
"""A 16-bit UUID xxxx is the 128-bit UUID 0000xxxx + this suffix."""

# Blood Pressure Measurement flags
BP_FLAG_KPA = 0x01
BP_FLAG_TIME_STAMP = 0x02
BP_FLAG_PULSE_RATE = 0x04
BP_FLAG_USER_ID = 0x08
BP_FLAG_STATUS = 0x10
BP_STATUS_BITS = {
    0: "body_movement_detected",
    1: "cuff_too_loose",
    2: "irregular_pulse_detected",
    5: "improper_measurement_position",
}
BP_PULSE_RANGE_SHIFT = 3
BP_PULSE_RANGE_NAMES = {
    0: "within_range",
    1: "exceeds_upper_limit",
    2: "below_lower_limit",
    3: "reserved",
}

# Temperature Measurement flags
TEMP_FLAG_FAHRENHEIT = 0x01
TEMP_FLAG_TIME_STAMP = 0x02
TEMP_FLAG_TYPE = 0x04
TEMPERATURE_TYPES = {
    1: "armpit",
    2: "body",
    3: "ear",
    4: "finger",
    5: "gastro_intestinal_tract",
    6: "mouth",
    7: "rectum",
    8: "toe",
    9: "tympanum",
}

# PLX
PLX_SPOT_FLAG_TIME_STAMP = 0x01
PLX_SPOT_FLAG_MEASUREMENT_STATUS = 0x02
PLX_SPOT_FLAG_DEVICE_STATUS = 0x04
PLX_SPOT_FLAG_PAI = 0x08
PLX_SPOT_FLAG_CLOCK_NOT_SET = 0x10
PLX_CONT_FLAG_FAST = 0x01
PLX_CONT_FLAG_SLOW = 0x02
PLX_CONT_FLAG_MEASUREMENT_STATUS = 0x04
PLX_CONT_FLAG_DEVICE_STATUS = 0x08
PLX_CONT_FLAG_PAI = 0x10
PLX_MEASUREMENT_STATUS_BITS = {
    5: "measurement_ongoing",
    6: "early_estimated_data",
    7: "validated_data",
    8: "fully_qualified_data",
    9: "data_from_measurement_storage",
    10: "data_for_demonstration",
    11: "data_for_testing",
    12: "calibration_ongoing",
    13: "measurement_unavailable",
    14: "questionable_measurement_detected",
    15: "invalid_measurement_detected",
}
PLX_DEVICE_STATUS_BITS = {
    0: "extended_display_update_ongoing",
    1: "equipment_malfunction_detected",
    2: "signal_processing_irregularity_detected",
    3: "inadequate_signal_detected",
    4: "poor_signal_detected",
    5: "low_perfusion_detected",
    6: "erratic_signal_detected",
    7: "nonpulsatile_signal_detected",
    8: "questionable_pulse_detected",
    9: "signal_analysis_ongoing",
    10: "sensor_interference_detected",
    11: "sensor_unconnected_to_user",
    12: "unknown_sensor_connected",
    13: "sensor_displaced",
    14: "sensor_malfunctioning",
    15: "sensor_disconnected",
}

# Weight Measurement flags
WEIGHT_FLAG_IMPERIAL = 0x01
WEIGHT_FLAG_TIME_STAMP = 0x02
WEIGHT_FLAG_USER_ID = 0x04
WEIGHT_FLAG_BMI_HEIGHT = 0x08

# Body Composition Measurement flags (16 bits)
BC_FLAG_IMPERIAL = 0x0001
BC_FLAG_TIME_STAMP = 0x0002
BC_FLAG_USER_ID = 0x0004
BC_FLAG_BASAL_METABOLISM = 0x0008
BC_FLAG_MUSCLE_PERCENTAGE = 0x0010
BC_FLAG_MUSCLE_MASS = 0x0020
BC_FLAG_FAT_FREE_MASS = 0x0040
BC_FLAG_SOFT_LEAN_MASS = 0x0080
BC_FLAG_BODY_WATER_MASS = 0x0100
BC_FLAG_IMPEDANCE = 0x0200
BC_FLAG_WEIGHT = 0x0400
BC_FLAG_HEIGHT = 0x0800
BC_FLAG_MULTIPLE_PACKET = 0x1000
BC_MEASUREMENT_UNSUCCESSFUL = 0xFFFF

# Glucose Measurement flags
GLUCOSE_FLAG_TIME_OFFSET = 0x01
GLUCOSE_FLAG_CONCENTRATION = 0x02
GLUCOSE_FLAG_MOL_PER_L = 0x04
GLUCOSE_FLAG_SENSOR_STATUS = 0x08
GLUCOSE_FLAG_CONTEXT_FOLLOWS = 0x10
GLUCOSE_TYPES = {
    1: "capillary_whole_blood",
    2: "capillary_plasma",
    3: "venous_whole_blood",
    4: "venous_plasma",
    5: "arterial_whole_blood",
    6: "arterial_plasma",
    7: "undetermined_whole_blood",
    8: "undetermined_plasma",
    9: "interstitial_fluid",
    10: "control_solution",
}
GLUCOSE_TYPE_INTERSTITIAL = 9
GLUCOSE_TYPE_CONTROL = 10
GLUCOSE_LOCATIONS = {
    1: "finger",
    2: "alternate_site_test",
    3: "earlobe",
    4: "control_solution",
    15: "not_available",
}
GLUCOSE_LOCATION_CONTROL = 4
GLUCOSE_SENSOR_STATUS_BITS = {
    0: "device_battery_low",
    1: "sensor_malfunction",
    2: "sample_size_insufficient",
    3: "strip_insertion_error",
    4: "strip_type_incorrect",
    5: "result_higher_than_device_can_process",
    6: "result_lower_than_device_can_process",
    7: "sensor_temperature_too_high",
    8: "sensor_temperature_too_low",
    9: "sensor_read_interrupted",
    10: "general_device_fault",
    11: "time_fault",
}
GLUCOSE_STATUS_REFUSED = frozenset(
    {
        "sensor_malfunction",
        "sample_size_insufficient",
        "strip_insertion_error",
        "strip_type_incorrect",
        "sensor_temperature_too_high",
        "sensor_temperature_too_low",
        "sensor_read_interrupted",
        "general_device_fault",
    }
)

# Glucose Measurement Context flags
CONTEXT_FLAG_CARBOHYDRATE = 0x01
CONTEXT_FLAG_MEAL = 0x02
CONTEXT_FLAG_TESTER_HEALTH = 0x04
CONTEXT_FLAG_EXERCISE = 0x08
CONTEXT_FLAG_MEDICATION = 0x10
CONTEXT_FLAG_MEDICATION_LITRES = 0x20
CONTEXT_FLAG_HBA1C = 0x40
CONTEXT_FLAG_EXTENDED = 0x80

# Heart Rate Measurement flags
HR_FLAG_UINT16 = 0x01
HR_CONTACT_SHIFT = 1
HR_FLAG_ENERGY = 0x08
HR_FLAG_RR = 0x10
HR_CONTACT_NAMES = {
    0: "not_supported",
    1: "not_supported",
    2: "not_detected",
    3: "detected",
}
