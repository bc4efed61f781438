"""The bleak adapter: `GattClient` and `GattScanner` over bleak (BlueZ through D-Bus on the box).

This is the only module that imports bleak. bleak's errors become `LinkLost`, so the session
never sees a bleak type; 128-bit UUIDs outside the Bluetooth base range (vendor services) are
left out of the discovered characteristics.
"""

from __future__ import annotations

import logging
from typing import Any

from bleak import BleakClient, BleakScanner
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.exc import BleakError

from devices.ble.const import BASE_UUID_SUFFIX
from devices.ble.gatt import (
    Advertisement,
    DisconnectHandler,
    GattCharacteristic,
    LinkLost,
    NotificationHandler,
    Property,
)
from devices.ble.parser import uuid16

_LOGGER = logging.getLogger(__name__)
_LINK_ERRORS = (BleakError, TimeoutError, OSError, EOFError)
_PROPERTIES = {item.value: item for item in Property}


def full_uuid(uuid: int) -> str:
    """The 128-bit form bleak takes for a 16-bit UUID."""
    return f"0000{uuid:04x}{BASE_UUID_SUFFIX}"


def _short(uuid: str) -> int | None:
    try:
        return uuid16(uuid)
    except ValueError:
        return None


class BleakGattClient:
    """A `GattClient` for one address, through bleak.

    :param adapter: the BlueZ adapter ("hci0"), None for the default one.
    """

    def __init__(self, address: str, adapter: str | None = None) -> None:
        self._address = address
        self._adapter = adapter
        self._client: BleakClient | None = None
        self._on_disconnect: DisconnectHandler | None = None

    @property
    def address(self) -> str:
        return self._address

    @property
    def is_connected(self) -> bool:
        return self._client is not None and self._client.is_connected

    def on_disconnect(self, handler: DisconnectHandler) -> None:
        self._on_disconnect = handler

    def _disconnected(self, _client: BleakClient) -> None:
        if self._on_disconnect is not None:
            self._on_disconnect()

    def _connected(self) -> BleakClient:
        if self._client is None or not self._client.is_connected:
            raise LinkLost("not connected")
        return self._client

    async def connect(self, timeout_s: float) -> None:
        kwargs: dict[str, Any] = {"timeout": timeout_s}
        if self._adapter is not None:
            kwargs["bluez"] = {"adapter": self._adapter}
        self._client = BleakClient(self._address, disconnected_callback=self._disconnected, **kwargs)
        try:
            await self._client.connect()
        except _LINK_ERRORS as error:
            raise LinkLost(f"connection failed: {type(error).__name__}") from error

    async def disconnect(self) -> None:
        if self._client is None:
            return
        try:
            await self._client.disconnect()
        except _LINK_ERRORS as error:
            _LOGGER.debug("BLE disconnect of %s: %s", self._address, error)

    async def services(self) -> tuple[GattCharacteristic, ...]:
        client = self._connected()
        found = []
        for service in client.services:
            service_uuid = _short(service.uuid)
            for char in service.characteristics:
                char_uuid = _short(char.uuid)
                if service_uuid is None or char_uuid is None:
                    continue
                properties = frozenset(_PROPERTIES[name] for name in char.properties if name in _PROPERTIES)
                found.append(GattCharacteristic(service_uuid, char_uuid, properties))
        return tuple(found)

    async def read(self, uuid: int) -> bytes:
        try:
            return bytes(await self._connected().read_gatt_char(full_uuid(uuid)))
        except _LINK_ERRORS as error:
            raise LinkLost(f"read of 0x{uuid:04X} failed: {type(error).__name__}") from error

    async def write(self, uuid: int, data: bytes) -> None:
        try:
            await self._connected().write_gatt_char(full_uuid(uuid), data, response=True)
        except _LINK_ERRORS as error:
            raise LinkLost(f"write to 0x{uuid:04X} failed: {type(error).__name__}") from error

    async def start_notify(self, uuid: int, handler: NotificationHandler) -> None:
        def _forward(char: BleakGATTCharacteristic, data: bytearray) -> None:
            handler(uuid, bytes(data))

        try:
            await self._connected().start_notify(full_uuid(uuid), _forward)
        except _LINK_ERRORS as error:
            raise LinkLost(f"subscription to 0x{uuid:04X} failed: {type(error).__name__}") from error


class BleakGattScanner:
    """A `GattScanner` through bleak's active scan."""

    def __init__(self, adapter: str | None = None) -> None:
        self._adapter = adapter

    async def scan(self, duration_s: float) -> tuple[Advertisement, ...]:
        kwargs: dict[str, Any] = {}
        if self._adapter is not None:
            kwargs["bluez"] = {"adapter": self._adapter}
        try:
            heard = await BleakScanner.discover(timeout=duration_s, return_adv=True, **kwargs)
        except _LINK_ERRORS as error:
            raise LinkLost(f"scan failed: {type(error).__name__}") from error
        adverts = []
        for device, data in heard.values():
            services = tuple(uuid for uuid in map(_short, data.service_uuids) if uuid is not None)
            adverts.append(Advertisement(device.address, data.local_name, services, data.rssi))
        return tuple(adverts)
