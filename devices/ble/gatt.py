"""The GATT client interface the BLE session is written against, independent of bleak.

`devices.ble.bleak_client` implements it over bleak; tests implement it with an in-memory fake
that replays recorded notification sequences. Characteristics are named by their 16-bit UUID.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from devices.errors import DeviceError

NotificationHandler = Callable[[int, bytes], None]
"""Called with (characteristic UUID, value) for every notification or indication."""

DisconnectHandler = Callable[[], None]
"""Called once when the link drops (by the device, the radio or `disconnect`)."""

Sleep = Callable[[float], Awaitable[None]]
"""How the session waits between connection attempts (asyncio.sleep, or a recorder in tests)."""


class Property(StrEnum):
    """GATT characteristic properties the session looks at."""

    READ = "read"
    WRITE = "write"
    WRITE_WITHOUT_RESPONSE = "write-without-response"
    NOTIFY = "notify"
    INDICATE = "indicate"


@dataclass(frozen=True, slots=True)
class GattCharacteristic:
    """One characteristic the device exposes: its service, UUID and properties."""

    service: int
    uuid: int
    properties: frozenset[Property]

    @property
    def readable(self) -> bool:
        return Property.READ in self.properties

    @property
    def writable(self) -> bool:
        return bool({Property.WRITE, Property.WRITE_WITHOUT_RESPONSE} & self.properties)

    @property
    def subscribable(self) -> bool:
        return bool({Property.NOTIFY, Property.INDICATE} & self.properties)


@dataclass(frozen=True, slots=True)
class Advertisement:
    """One device heard while scanning: its address, local name and advertised 16-bit services."""

    address: str
    local_name: str | None
    service_uuids: tuple[int, ...]
    rssi: int | None = None


class LinkLost(DeviceError):
    """The BLE link dropped or could not be used: retry on the next connection."""


class DeviceUnreachable(DeviceError):
    """Every connection attempt failed: the device is off, away or bonded to another host.

    Try again at the next scan or when the device advertises again.
    """


class GattClient(Protocol):
    """A GATT client bound to one device address.

    Every method raises `LinkLost` when the link is down or drops during the call.
    """

    @property
    def address(self) -> str: ...

    @property
    def is_connected(self) -> bool: ...

    async def connect(self, timeout_s: float) -> None:
        """Connect (and, for a bonded device, encrypt the link). Raises LinkLost on failure."""

    async def disconnect(self) -> None:
        """Close the link; a no-op when already closed."""

    def on_disconnect(self, handler: DisconnectHandler) -> None:
        """Register the handler called when the link drops."""

    async def services(self) -> tuple[GattCharacteristic, ...]:
        """Every characteristic of every service, after discovery."""

    async def read(self, uuid: int) -> bytes:
        """Read a characteristic value."""

    async def write(self, uuid: int, data: bytes) -> None:
        """Write a characteristic value with response."""

    async def start_notify(self, uuid: int, handler: NotificationHandler) -> None:
        """Register `handler` and then enable notifications or indications (CCCD)."""


class GattScanner(Protocol):
    """Listens to advertisements for a while and reports what it heard."""

    async def scan(self, duration_s: float) -> tuple[Advertisement, ...]:
        """Advertisements heard during `duration_s`, one per address (the last heard)."""
