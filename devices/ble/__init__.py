"""BLE GATT health profiles: pure decoders for the characteristic values the appliance reads."""

from __future__ import annotations

from devices.ble.parser import (
    CHARACTERISTICS,
    BleReading,
    ble_measurements,
    parse_characteristic,
    uuid16,
)

__all__ = ["CHARACTERISTICS", "BleReading", "ble_measurements", "parse_characteristic", "uuid16"]
