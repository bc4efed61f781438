"""An in-memory BLE peripheral behind the `GattClient` interface, for the BLE session tests.

It behaves like the devices of DEVICES.md §4: a push device (BP monitor, thermometer, scale)
indicates every unsent reading once its CCCD is enabled, oldest first, and forgets a reading only
when its indication was confirmed (delivered while the link was up), then hangs up; a RACP device
(glucose meter, oximeter with storage) keeps its records and answers "number of records" and
"report stored records" requests (all, from a sequence number, or the last record). Faults:
failed connection attempts, the link dropping after N notifications (the last one unconfirmed),
a device that re-sends what it already sent.
Values are the bytes as sent on air; the fake never decodes a measurement.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from devices.ble.gatt import (
    DisconnectHandler,
    GattCharacteristic,
    LinkLost,
    NotificationHandler,
    Property,
)

RACP = 0x2A52
READ, WRITE, NOTIFY, INDICATE = Property.READ, Property.WRITE, Property.NOTIFY, Property.INDICATE


@dataclass
class FakePeripheral:
    """The device's state; it survives across connections (as a real device's memory does)."""

    characteristics: dict[int, tuple[int, frozenset[Property]]]
    values: dict[int, bytes] = field(default_factory=dict)
    unsent: list[tuple[int, bytes]] = field(default_factory=list)
    records: list[bytes] = field(default_factory=list)
    record_uuid: int = 0x2A18
    failing_connects: int = 0
    drop_after: list[int | None] = field(default_factory=list)
    resend_confirmed: bool = False
    writes: list[tuple[int, bytes]] = field(default_factory=list)
    connections: int = 0


def sequence_of(record: bytes) -> int:
    """The sequence number of a Glucose Measurement value (bytes 1–2)."""
    return int.from_bytes(record[1:3], "little")


class FakeGattClient:
    """The `GattClient` side of a FakePeripheral."""

    def __init__(self, device: FakePeripheral, address: str = "C0:FF:EE:00:00:01") -> None:
        self.device = device
        self._address = address
        self._connected = False
        self._handlers: dict[int, NotificationHandler] = {}
        self._on_disconnect: DisconnectHandler | None = None
        self._budget: int | None = None
        self.subscribed: list[int] = []

    @property
    def address(self) -> str:
        return self._address

    @property
    def is_connected(self) -> bool:
        return self._connected

    def on_disconnect(self, handler: DisconnectHandler) -> None:
        self._on_disconnect = handler

    async def connect(self, timeout_s: float) -> None:
        if self.device.failing_connects > 0:
            self.device.failing_connects -= 1
            raise LinkLost("page timeout")
        self._connected = True
        self._handlers = {}
        self.subscribed = []
        self._budget = self.device.drop_after.pop(0) if self.device.drop_after else None
        self.device.connections += 1

    async def disconnect(self) -> None:
        self._hang_up()

    def _hang_up(self) -> None:
        if self._connected:
            self._connected = False
            if self._on_disconnect is not None:
                self._on_disconnect()

    def _require_link(self) -> None:
        if not self._connected:
            raise LinkLost("not connected")

    async def services(self) -> tuple[GattCharacteristic, ...]:
        self._require_link()
        return tuple(GattCharacteristic(service, uuid, props)
                     for uuid, (service, props) in self.device.characteristics.items())

    async def read(self, uuid: int) -> bytes:
        self._require_link()
        return self.device.values[uuid]

    async def write(self, uuid: int, data: bytes) -> None:
        self._require_link()
        self.device.writes.append((uuid, bytes(data)))
        if uuid == RACP:
            self._answer_racp(bytes(data))
        else:
            self.device.values[uuid] = bytes(data)

    async def start_notify(self, uuid: int, handler: NotificationHandler) -> None:
        self._require_link()
        self._handlers[uuid] = handler
        self.subscribed.append(uuid)
        pending = [item for item in self.device.unsent if item[0] == uuid]
        if not pending:
            return
        for item in pending:
            if not self._send(*item):
                return
            if not self.device.resend_confirmed:
                self.device.unsent.remove(item)
        self._hang_up()  # everything sent: the device hangs up by itself

    def _send(self, uuid: int, value: bytes) -> bool:
        """Indicate `value`; False when the link dropped before the confirmation."""
        if not self._connected or uuid not in self._handlers:
            return False
        self._handlers[uuid](uuid, value)
        if self._budget is not None:
            self._budget -= 1
            if self._budget <= 0:
                self._hang_up()
                return False
        return True

    def _answer_racp(self, request: bytes) -> None:
        op, operator = request[0], request[1]
        if operator == 0x06:  # the last record: the newest stored, whatever its number
            wanted = self.device.records[-1:]
        else:
            first = int.from_bytes(request[3:5], "little") if operator == 0x03 else 0
            wanted = [rec for rec in self.device.records if sequence_of(rec) >= first]
        if op == 0x04:
            self._send(RACP, bytes([0x05, 0x00]) + len(wanted).to_bytes(2, "little"))
        elif op == 0x01:
            for record in wanted:
                if not self._send(self.device.record_uuid, record):
                    return
            self._send(RACP, bytes([0x06, 0x00, 0x01, 0x01 if wanted else 0x06]))
        elif op == 0x02:
            last = int.from_bytes(request[3:5], "little")
            self.device.records = [rec for rec in self.device.records if sequence_of(rec) > last]
            self._send(RACP, bytes([0x06, 0x00, 0x02, 0x01]))
        else:
            self._send(RACP, bytes([0x06, 0x00, op, 0x02]))
