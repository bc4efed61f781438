"""What the appliance does with each BLE health profile: the characteristics to subscribe to,
whether stored records are fetched through RACP, and how the device clock is set.

A profile is chosen from the services a device advertises (scanning) or the protocol name kept in
the device registry (connecting to a paired device).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from devices.ble import const

BATTERY_SERVICE = 0x180F
BATTERY_LEVEL = 0x2A19
CURRENT_TIME_SERVICE = 0x1805
DEVICE_INFORMATION_SERVICE = 0x180A
MODEL_NUMBER = 0x2A24
SERIAL_NUMBER = 0x2A25
FIRMWARE_REVISION = 0x2A26
MANUFACTURER_NAME = 0x2A29


class BleProtocol(StrEnum):
    """The protocol names stored in the device registry for BLE devices."""

    BLOOD_PRESSURE = "ble-blood-pressure"
    THERMOMETER = "ble-thermometer"
    PULSE_OXIMETER = "ble-pulse-oximeter"
    WEIGHT_SCALE = "ble-weight-scale"
    BODY_COMPOSITION = "ble-body-composition"
    GLUCOSE = "ble-glucose"
    HEART_RATE = "ble-heart-rate"


class ClockWrite(StrEnum):
    """Which characteristic sets the device clock, when the device exposes it writable."""

    CURRENT_TIME = "current-time"
    DATE_TIME = "date-time"


@dataclass(frozen=True, slots=True)
class Profile:
    """How to collect readings from one kind of device.

    :param service: the advertised 16-bit service that identifies it.
    :param measurements: characteristics whose values are readings, in subscription order.
    :param uses_racp: stored records are requested through the Record Access Control Point;
        otherwise the device pushes unsent readings itself after the subscription.
    :param sequenced: its records carry a sequence number, so RACP can ask "from N on".
    :param clock_writes: clock characteristics to try, in order (only those the device has).
    """

    protocol: BleProtocol
    service: int
    measurements: tuple[int, ...]
    uses_racp: bool = False
    sequenced: bool = False
    clock_writes: tuple[ClockWrite, ...] = (ClockWrite.CURRENT_TIME,)


PROFILES: dict[BleProtocol, Profile] = {
    profile.protocol: profile
    for profile in (
        Profile(
            BleProtocol.BLOOD_PRESSURE,
            const.BLOOD_PRESSURE_SERVICE,
            (const.BLOOD_PRESSURE_MEASUREMENT,),
            clock_writes=(ClockWrite.CURRENT_TIME, ClockWrite.DATE_TIME),
        ),
        Profile(
            BleProtocol.THERMOMETER,
            const.HEALTH_THERMOMETER_SERVICE,
            (const.TEMPERATURE_MEASUREMENT,),
        ),
        Profile(
            BleProtocol.PULSE_OXIMETER,
            const.PULSE_OXIMETER_SERVICE,
            (const.PLX_SPOT_CHECK_MEASUREMENT,),
            uses_racp=True,
        ),
        Profile(
            BleProtocol.WEIGHT_SCALE,
            const.WEIGHT_SCALE_SERVICE,
            (const.WEIGHT_MEASUREMENT,),
        ),
        Profile(
            BleProtocol.BODY_COMPOSITION,
            const.BODY_COMPOSITION_SERVICE,
            (const.BODY_COMPOSITION_MEASUREMENT, const.WEIGHT_MEASUREMENT),
        ),
        Profile(
            BleProtocol.GLUCOSE,
            const.GLUCOSE_SERVICE,
            (const.GLUCOSE_MEASUREMENT, const.GLUCOSE_MEASUREMENT_CONTEXT),
            uses_racp=True,
            sequenced=True,
        ),
        Profile(
            BleProtocol.HEART_RATE,
            const.HEART_RATE_SERVICE,
            (const.HEART_RATE_MEASUREMENT,),
            clock_writes=(),
        ),
    )
}

# When a device advertises several health services, the first match in this order names it
# (a body-composition scale also advertises the weight scale service).
_PRECEDENCE = (
    BleProtocol.BODY_COMPOSITION,
    BleProtocol.BLOOD_PRESSURE,
    BleProtocol.PULSE_OXIMETER,
    BleProtocol.GLUCOSE,
    BleProtocol.THERMOMETER,
    BleProtocol.WEIGHT_SCALE,
    BleProtocol.HEART_RATE,
)


def protocol_for_services(services: Iterable[int]) -> BleProtocol | None:
    """The protocol of a device advertising `services`, or None when it is no health device."""
    heard = set(services)
    for protocol in _PRECEDENCE:
        if PROFILES[protocol].service in heard:
            return protocol
    return None


def profile_for(protocol: str) -> Profile | None:
    """The profile of a registry protocol name, or None when it is not a BLE protocol."""
    try:
        return PROFILES[BleProtocol(protocol)]
    except ValueError:
        return None
