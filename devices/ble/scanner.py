"""Scanning for BLE health devices: advertised service UUIDs name the protocol, and every health
device heard is reported to the registry as discovered (its pairing is kept if it is known)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from devices.ble.gatt import Advertisement, GattScanner, LinkLost
from devices.ble.profiles import BleProtocol, protocol_for_services

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Discovered:
    """A health device heard while scanning."""

    address: str
    protocol: BleProtocol
    local_name: str | None
    rssi: int | None


class DiscoveryRegistry(Protocol):
    """Where discovered devices go (the device registry)."""

    def discovered(self, device: Discovered) -> None: ...


def health_devices(advertisements: Iterable[Advertisement]) -> list[Discovered]:
    """The advertisements that announce a health profile, one per address, by address."""
    found: dict[str, Discovered] = {}
    for advert in advertisements:
        protocol = protocol_for_services(advert.service_uuids)
        if protocol is None:
            continue
        found[advert.address.upper()] = Discovered(
            advert.address.upper(), protocol, advert.local_name, advert.rssi
        )
    return [found[address] for address in sorted(found)]


async def scan_once(scanner: GattScanner, registry: DiscoveryRegistry, duration_s: float) -> list[Discovered]:
    """Listen for `duration_s`, report each health device heard, return them.

    A scan that fails (adapter off, BlueZ restarting) reports nothing and returns [].
    """
    try:
        heard = await scanner.scan(duration_s)
    except LinkLost as error:
        _LOGGER.warning("BLE scan failed: %s", error)
        return []
    devices = health_devices(heard)
    for device in devices:
        registry.discovered(device)
    _LOGGER.info("BLE scan: %s advertisements, %s health devices", len(heard), len(devices))
    return devices
