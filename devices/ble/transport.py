"""BLE as a `devices.transport.Transport`: scan, then collect from every paired device heard.

Each cycle listens for advertisements, reports the health devices heard to the registry, and runs
one `BleSession` with each paired BLE device that advertised (devices advertise when they have
readings to give). Sessions run one after the other: a device that fails or misbehaves costs its
own session, never the others'.

The RACP cursor of each device (the highest stored-record sequence number already stored) is kept
in the device registry, so a restarted devices process asks a meter only for newer records. It is
read from the registry the first time a device is met and written after each session that moved
it. The session moves it only past records whose storage committed, and the registry write comes
after the session, so the durable cursor never runs ahead of the record. If the process dies
between a commit and the cursor write, the next session asks again for those few records and
de-duplication drops them. When a meter's numbering restarted, the session sends back a lower
cursor (or none), and that is written the same way.
Device clocks are set only once the appliance's clock is synchronised.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from devices.ble.bleak_client import BleakGattClient, BleakGattScanner
from devices.ble.gatt import DeviceUnreachable, GattClient, GattScanner, Sleep
from devices.ble.profiles import profile_for
from devices.ble.scanner import Discovered, scan_once
from devices.ble.session import BleSession
from devices.ble.session_plan import DEFAULT_TIMING, SessionOutcome, SessionPlan, SessionTiming
from devices.ble.sink import BleRecord, StoreResult
from devices.errors import DeviceError, ReadingNotStored, RejectReason
from devices.transport import Arrival, LinkState, Sink, Source
from edge import (
    Database,
    DeviceState,
    DeviceTransport,
    EdgeError,
    get_device,
    list_devices,
    record_racp_cursor,
    register_device,
)

_LOGGER = logging.getLogger(__name__)
TIMESYNC_STAMP = Path("/run/systemd/timesync/synchronized")
"""systemd-timesyncd creates this file once the system clock is synchronised."""


def clock_is_synchronised() -> bool:
    """True when the appliance's clock was set from the network since boot."""
    return TIMESYNC_STAMP.exists()


@dataclass(frozen=True, slots=True)
class BleSchedule:
    """How often and how long the transport listens (seconds)."""

    scan_s: float = 8.0
    pause_s: float = 2.0


DEFAULT_SCHEDULE = BleSchedule()


class SourceBridge:
    """A session's `RecordSink` and `SessionEvents` for one device, over the devices `Sink`."""

    def __init__(self, sink: Sink, source: Source, db: Database | None = None) -> None:
        self._sink = sink
        self.source = source
        self._db = db

    def store(self, record: BleRecord) -> StoreResult:
        """Deliver the record; returns after commit. :raises ReadingNotStored: not stored."""
        outcome = self._sink.deliver(
            Arrival(self.source, record.measurements, record.dedup_key, record.received_at,
                    record.observed_at))
        if not outcome.committed:
            return StoreResult.REFUSED
        return StoreResult.DUPLICATE if outcome.duplicate else StoreResult.STORED

    def device_connected(self, device_id: str, battery_percent: int | None,
                         manufacturer: str | None, model: str | None,
                         serial_number: str | None) -> None:
        self.source = replace(self.source, manufacturer=manufacturer, model=model,
                              serial_number=serial_number)
        if self._db is not None and (manufacturer or model or serial_number):
            try:
                register_device(self._db, self.source.transport, self.source.protocol,
                                self.source.address, manufacturer=manufacturer, model=model,
                                serial_number=serial_number)
            except EdgeError as error:
                _LOGGER.warning("BLE device %s: identity not recorded: %s", device_id, error)
        self._sink.report(self.source, LinkState.CONNECTED, battery_percent)

    def frame_rejected(self, device_id: str, reason: RejectReason) -> None:
        self._sink.refuse(self.source, reason, "BLE characteristic value refused")


class BleTransport:
    """The BLE listener of the devices process.

    :param client_for: builds a GATT client for an address (bleak on the box, a fake in tests).
    :param clock: the appliance's time, aware.
    """

    name = "ble"

    def __init__(self, db: Database, scanner: GattScanner, client_for: Callable[[str], GattClient],
                 *, clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 synchronised: Callable[[], bool] = clock_is_synchronised,
                 timing: SessionTiming = DEFAULT_TIMING,
                 schedule: BleSchedule = DEFAULT_SCHEDULE, sleep: Sleep = asyncio.sleep) -> None:
        self._db = db
        self._scanner = scanner
        self._client_for = client_for
        self._clock = clock
        self._synchronised = synchronised
        self._timing = timing
        self._schedule = schedule
        self._sleep = sleep
        self._cursors: dict[str, int | None] = {}
        self._connections = 0

    def run(self, sink: Sink, stop: threading.Event) -> None:
        """Scan and collect until `stop` is set."""
        asyncio.run(self._loop(sink, stop))

    async def _loop(self, sink: Sink, stop: threading.Event) -> None:
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            await self.cycle(sink, _SinkRegistry(sink))
            await loop.run_in_executor(None, stop.wait, self._schedule.pause_s)

    async def cycle(self, sink: Sink, registry: _SinkRegistry | None = None) -> list[SessionOutcome]:
        """One scan, then one session with each paired device heard. Returns the sessions' outcomes."""
        heard = await scan_once(self._scanner, registry or _SinkRegistry(sink), self._schedule.scan_s)
        paired = {device.address.upper(): device for device in self._paired()}
        outcomes = []
        for found in heard:
            device = paired.get(found.address)
            if device is not None:
                outcome = await self.collect(sink, device.id, device.address, device.protocol)
                if outcome is not None:
                    outcomes.append(outcome)
        return outcomes

    def _paired(self) -> list[_PairedDevice]:
        try:
            devices = list_devices(self._db)
        except EdgeError as error:
            _LOGGER.warning("BLE: the device registry could not be read: %s", error)
            return []
        return [_PairedDevice(d.id, d.address, d.protocol) for d in devices
                if d.transport == DeviceTransport.BLE.value and d.state is DeviceState.PAIRED]

    async def collect(self, sink: Sink, device_id: str, address: str,
                      protocol: str) -> SessionOutcome | None:
        """Run one session with a paired device; None when it could not run or store."""
        profile = profile_for(protocol)
        if profile is None:
            _LOGGER.warning("BLE device %s: protocol %s is not a BLE profile", device_id, protocol)
            return None
        self._connections += 1
        cursor = self._cursor(device_id)
        plan = SessionPlan(device_id, profile,
                           connection_id=f"{self._clock():%Y%m%d%H%M%S}-{self._connections}",
                           last_sequence=cursor, set_clock=self._synchronised())
        bridge = SourceBridge(sink, Source(DeviceTransport.BLE.value, address, protocol), self._db)
        session = BleSession(self._client_for(address), plan, bridge, bridge, clock=self._clock,
                             sleep=self._sleep, timing=self._timing)
        try:
            outcome = await session.run()
        except DeviceUnreachable as error:
            sink.report(bridge.source, LinkState.RETRYING)
            _LOGGER.warning("BLE device %s unreachable: %s", device_id, error)
            return None
        except ReadingNotStored as error:
            _LOGGER.warning("BLE device %s: a reading was not stored (%s); asking again next time",
                            device_id, error)
            return None
        except DeviceError as error:
            _LOGGER.warning("BLE device %s: session failed: %s", device_id, error)
            return None
        if outcome.last_sequence != cursor:
            self._keep_cursor(device_id, outcome.last_sequence)
        sink.report(bridge.source, LinkState.DISCONNECTED)
        _LOGGER.info("BLE device %s: %s stored, %s duplicates, %s refused, %s", device_id,
                     outcome.stored, outcome.duplicates, outcome.rejected,
                     "complete" if outcome.completed else "interrupted")
        return outcome

    def _cursor(self, device_id: str) -> int | None:
        """The device's RACP cursor: in memory, else from the registry (None if unreadable)."""
        if device_id not in self._cursors:
            try:
                self._cursors[device_id] = get_device(self._db, device_id).racp_last_sequence
            except EdgeError as error:
                _LOGGER.warning("BLE device %s: stored cursor not read (%s); asking for every "
                                "stored record", device_id, error)
                return None
        return self._cursors[device_id]

    def _keep_cursor(self, device_id: str, sequence: int | None) -> None:
        """Remember a cursor the session moved; its records are already committed."""
        self._cursors[device_id] = sequence
        try:
            record_racp_cursor(self._db, device_id, sequence)
        except EdgeError as error:
            _LOGGER.warning("BLE device %s: cursor %s not recorded (%s); after a restart some "
                            "records are asked for again", device_id, sequence, error)


@dataclass(frozen=True, slots=True)
class _PairedDevice:
    id: str
    address: str
    protocol: str


class _SinkRegistry:
    """Discovered devices go to the registry through the sink (registered on first report)."""

    def __init__(self, sink: Sink) -> None:
        self._sink = sink

    def discovered(self, device: Discovered) -> None:
        self._sink.report(Source(DeviceTransport.BLE.value, device.address, device.protocol.value),
                          LinkState.DISCONNECTED)


def bleak_transport(db: Database, adapter: str = "") -> BleTransport:
    """The BLE transport over bleak, on `adapter` ("hci0"; "" for BlueZ's default)."""
    name = adapter or None
    return BleTransport(db, BleakGattScanner(name), lambda address: BleakGattClient(address, name))
