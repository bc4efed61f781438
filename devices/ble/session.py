"""One connection to a paired BLE health device, from connect to disconnect, without bleak.

The session connects (with retries and backoff), reads the battery and device information, sets
the device clock where the profile allows it, registers its handlers and then enables indications,
fetches stored records through the Record Access Control Point where the profile uses it, and
hands every decoded record to a sink. A record counts as collected only when the sink says it is
stored (or was already): only then does the RACP cursor move past its sequence number, and only
then may stored records be deleted from the device. A link lost mid-transfer ends the session
early; the next session asks again from the cursor, and de-duplication drops what comes twice.

A meter whose numbering went backwards (memory cleared, factory reset, a replacement meter at the
same address) would answer "no records" to "from N + 1" forever. So when that request finds
nothing, the session asks for the last stored record (one record, sent again on every idle
session); if its sequence number is below the cursor, the numbering restarted: the session forgets
the cursor and fetches every stored record once (de-duplication keys on the sequence number and
the device time, so the new record 3 is not mistaken for the old one). A restarted numbering that
already climbed past the cursor cannot be told apart from new records by sequence numbers alone.

BlueZ confirms indications itself when they arrive; the appliance cannot hold the confirmation
back until the commit. What it can hold back is the cursor and the deletion, which is what makes a
crash between the confirmation and the commit lose nothing on devices that keep their records.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, tzinfo

from devices.ble import const, racp
from devices.ble.clock_setting import ClockResult, set_device_clock
from devices.ble.dedup import dedup_key
from devices.ble.gatt import DeviceUnreachable, GattCharacteristic, GattClient, LinkLost, Sleep
from devices.ble.parser import ble_measurements, parse_characteristic
from devices.ble.profiles import (
    BATTERY_LEVEL,
    FIRMWARE_REVISION,
    MANUFACTURER_NAME,
    MODEL_NUMBER,
    SERIAL_NUMBER,
)
from devices.ble.session_plan import (
    DEFAULT_TIMING,
    DeviceInfo,
    SessionOutcome,
    SessionPlan,
    SessionTiming,
)
from devices.ble.sink import BleRecord, RecordSink, SessionEvents, StoreResult
from devices.errors import FrameRejected
from devices.measurement import Flag, Measurement

_LOGGER = logging.getLogger(__name__)

_Notification = tuple[int, bytes, datetime]  # characteristic UUID, value, when it arrived
SEQUENCE_MAX = 0xFFFF
_UNTRUSTED_TIME = {Flag.DEVICE_CLOCK_NOT_SET, Flag.DEVICE_TIME_FAULT, Flag.DEVICE_TIME_INCOMPLETE}


class BleSession:
    """Collects the readings of one paired device over one connection.

    :param clock: the appliance's time (aware); received times and device clocks come from it.
    :param local_zone: the zone device clocks are set in (None: the system's local zone).
    :param sleep: how to wait between connection attempts.
    """

    def __init__(self, client: GattClient, plan: SessionPlan, sink: RecordSink,
                 events: SessionEvents, *, clock: Callable[[], datetime], sleep: Sleep,
                 timing: SessionTiming = DEFAULT_TIMING, local_zone: tzinfo | None = None) -> None:
        self._client = client
        self._plan = plan
        self._sink = sink
        self._events = events
        self._clock = clock
        self._sleep = sleep
        self._timing = timing
        self._zone = local_zone
        self._queue: asyncio.Queue[_Notification | None] = asyncio.Queue()  # None: link lost
        self._seen: set[str] = set()
        self._stored = self._duplicates = self._rejected = 0
        self._last_sequence = plan.last_sequence
        self._max_fetched: int | None = None
        self._newest_seen: int | None = None
        self._cursor_reset = False
        self._clock_result: ClockResult | None = None

    async def run(self) -> SessionOutcome:
        """Connect, collect, disconnect.

        :raises DeviceUnreachable: every connection attempt failed.
        """
        await self._connect()
        info = DeviceInfo()
        clock: ClockResult | None = None
        completed = False
        count = result = None
        try:
            characteristics = {char.uuid: char for char in await self._client.services()}
            info = await self._read_info(characteristics)
            self._events.device_connected(self._plan.device_id, info.battery_percent,
                                          info.manufacturer, info.model, info.serial_number)
            if self._plan.set_clock:
                clock = await set_device_clock(self._client, characteristics, self._plan.profile,
                                               self._local_now(), self._timing.clock_tolerance_s)
                self._clock_result = clock
            await self._subscribe(characteristics)
            if self._plan.profile.uses_racp and const.RECORD_ACCESS_CONTROL_POINT in characteristics:
                count, result = await self._fetch_stored()
                completed = result in (racp.ResponseCode.SUCCESS, racp.ResponseCode.NO_RECORDS_FOUND)
            else:
                completed = await self._collect_pushed()
        except LinkLost as error:
            _LOGGER.warning("BLE device %s: link lost mid-transfer (%s); resuming next time",
                            self._plan.device_id, error)
        finally:
            await self._client.disconnect()
        return SessionOutcome(completed, self._stored, self._duplicates, self._rejected,
                              self._last_sequence, count, result, clock, info,
                              cursor_reset=self._cursor_reset)

    async def _connect(self) -> None:
        delay = self._timing.backoff_first_s
        self._client.on_disconnect(lambda: self._queue.put_nowait(None))
        for attempt in range(1, self._timing.connect_attempts + 1):
            try:
                await self._client.connect(self._timing.connect_timeout_s)
                _LOGGER.info("BLE device %s connected (attempt %s)", self._plan.device_id, attempt)
                return
            except LinkLost as error:
                _LOGGER.warning("BLE device %s: connection attempt %s failed: %s",
                                self._plan.device_id, attempt, error)
                if attempt == self._timing.connect_attempts:
                    raise DeviceUnreachable(
                        f"no connection after {attempt} attempts") from error
                await self._sleep(delay)
                delay = min(delay * 2, self._timing.backoff_max_s)

    async def _read_info(self, characteristics: dict[int, GattCharacteristic]) -> DeviceInfo:
        texts: dict[int, str | None] = {}
        for uuid in (MANUFACTURER_NAME, MODEL_NUMBER, SERIAL_NUMBER, FIRMWARE_REVISION):
            texts[uuid] = await self._read_text(characteristics, uuid)
        battery = None
        char = characteristics.get(BATTERY_LEVEL)
        if char is not None and char.readable:
            value = await self._client.read(BATTERY_LEVEL)
            if len(value) >= 1 and value[0] <= 100:
                battery = value[0]
        return DeviceInfo(battery, texts[MANUFACTURER_NAME], texts[MODEL_NUMBER],
                          texts[SERIAL_NUMBER], texts[FIRMWARE_REVISION])

    async def _read_text(self, characteristics: dict[int, GattCharacteristic], uuid: int) -> str | None:
        char = characteristics.get(uuid)
        if char is None or not char.readable:
            return None
        text = (await self._client.read(uuid)).decode("utf-8", errors="replace").strip("\x00 ")
        return text[:64] or None

    async def _subscribe(self, characteristics: dict[int, GattCharacteristic]) -> None:
        wanted = [*self._plan.profile.measurements]
        if self._plan.profile.uses_racp:
            wanted.append(const.RECORD_ACCESS_CONTROL_POINT)
        for uuid in wanted:
            char = characteristics.get(uuid)
            if char is not None and char.subscribable:
                await self._client.start_notify(uuid, self._on_value)

    def _on_value(self, uuid: int, data: bytes) -> None:
        self._queue.put_nowait((uuid, bytes(data), self._clock()))

    async def _fetch_stored(self) -> tuple[int | None, racp.ResponseCode | None]:
        first = self._first_wanted()
        count, result = await self._fetch_from(first)
        if (first is not None and result is racp.ResponseCode.NO_RECORDS_FOUND
                and await self._numbering_restarted(first - 1)):
            _LOGGER.warning("BLE device %s: newest stored record numbered %s, below the cursor %s; "
                            "its numbering restarted, fetching every stored record once",
                            self._plan.device_id, self._newest_seen, first - 1)
            self._cursor_reset = True
            self._last_sequence = None
            count, result = await self._fetch_from(None)
        if result not in (racp.ResponseCode.SUCCESS, racp.ResponseCode.NO_RECORDS_FOUND):
            _LOGGER.warning("BLE device %s: stored-records request ended with %s",
                            self._plan.device_id, result.name if result else "no answer")
        elif self._plan.delete_after_store and self._max_fetched is not None:
            await self._racp(racp.report_records(racp.OpCode.DELETE_STORED_RECORDS,
                                                 racp.Operator.LESS_THAN_OR_EQUAL_TO,
                                                 last=self._max_fetched), self._timing.racp_timeout_s)
        return count, result

    async def _fetch_from(self, first: int | None) -> tuple[int | None, racp.ResponseCode | None]:
        """Count, then fetch, the stored records from sequence number `first` (None: all)."""
        count_request = racp.report_number_of_records(first)
        count_answer = await self._racp(count_request, self._timing.racp_timeout_s)
        count = count_answer.number_of_records if count_answer is not None else None
        if count == 0:
            return 0, racp.ResponseCode.NO_RECORDS_FOUND
        request = racp.report_all_records() if first is None else racp.report_records_from(first)
        answer = await self._racp(request, self._timing.racp_timeout_s)
        return count, answer.response_code if answer is not None else None

    async def _numbering_restarted(self, cursor: int) -> bool:
        """Ask for the last stored record: True when it is numbered below `cursor`."""
        self._newest_seen = None
        answer = await self._racp(racp.report_records(racp.OpCode.REPORT_STORED_RECORDS,
                                                      racp.Operator.LAST_RECORD),
                                  self._timing.racp_timeout_s)
        if answer is None or answer.response_code is not racp.ResponseCode.SUCCESS:
            _LOGGER.info("BLE device %s: last stored record not reported (%s)", self._plan.device_id,
                         answer.response_code_name if answer is not None else "no answer")
            return False
        return self._newest_seen is not None and self._newest_seen < cursor

    def _first_wanted(self) -> int | None:
        last = self._last_sequence
        if not self._plan.profile.sequenced or last is None or last >= SEQUENCE_MAX:
            return None
        return last + 1

    async def _racp(self, request: bytes, timeout_s: float) -> racp.RacpValue | None:
        """Write a RACP request and handle values until its final answer (None on timeout)."""
        await self._client.write(const.RECORD_ACCESS_CONTROL_POINT, request)
        while True:
            item = await self._next(timeout_s)
            if item is None:
                return None
            uuid, data, received_at = item
            if uuid != const.RECORD_ACCESS_CONTROL_POINT:
                self._handle(uuid, data, received_at)
                continue
            try:
                answer = racp.parse_racp(data)
            except FrameRejected as error:
                self._reject(error)
                continue
            if answer.is_final:
                return answer

    async def _collect_pushed(self) -> bool:
        """Handle pushed records until the device hangs up (True) or stays idle (True)."""
        while True:
            try:
                item = await self._next(self._timing.idle_timeout_s)
            except LinkLost:
                return True  # these devices disconnect by themselves once done
            if item is None:
                return True
            self._handle(*item)

    async def _next(self, timeout_s: float) -> _Notification | None:
        try:
            item = await asyncio.wait_for(self._queue.get(), timeout_s)
        except TimeoutError:
            return None
        if item is None:
            raise LinkLost("the device disconnected")
        return item

    def _handle(self, uuid: int, data: bytes, received_at: datetime) -> None:
        _LOGGER.debug("BLE device %s 0x%04X: %s", self._plan.device_id, uuid, data.hex())
        try:
            measurements = ble_measurements(parse_characteristic(uuid, data))
        except FrameRejected as error:
            self._reject(error)
            return
        if not measurements:
            return
        sequence = measurements[0].sequence_number if self._plan.profile.sequenced else None
        key = dedup_key(uuid, measurements, self._plan.connection_id)
        if key in self._seen:  # already dealt with by the sink on this connection
            self._duplicates += 1
            self._advance(sequence)
            return
        record = BleRecord(self._plan.device_id, uuid, measurements, key, received_at,
                           self._observed_at(measurements))
        outcome = self._sink.store(record)
        self._seen.add(key)
        if outcome is StoreResult.STORED:
            self._stored += 1
        elif outcome is StoreResult.DUPLICATE:
            self._duplicates += 1
        else:
            self._rejected += 1
        self._advance(sequence)

    def _advance(self, sequence: int | None) -> None:
        """A record numbered `sequence` is dealt with by the sink: the cursor may pass it."""
        if sequence is None:
            return
        self._newest_seen = sequence if self._newest_seen is None else max(self._newest_seen, sequence)
        self._max_fetched = sequence if self._max_fetched is None else max(self._max_fetched, sequence)
        if self._last_sequence is None or sequence > self._last_sequence:
            self._last_sequence = sequence

    def _observed_at(self, measurements: tuple[Measurement, ...]) -> datetime | None:
        """The device time as an aware moment, when the device clock can be believed."""
        moment = measurements[0].device_time
        clock = self._clock_result
        if moment is None or clock is None or clock.offset_s is None:
            return None
        if abs(clock.offset_s) > self._timing.clock_tolerance_s:
            return None
        if _UNTRUSTED_TIME & set(measurements[0].flags):
            return None
        return moment.replace(tzinfo=self._local_now().tzinfo) if moment.tzinfo is None else moment

    def _reject(self, error: FrameRejected) -> None:
        self._rejected += 1
        _LOGGER.warning("BLE device %s: value refused (%s)", self._plan.device_id, error.reason.value)
        self._events.frame_rejected(self._plan.device_id, error.reason)

    def _local_now(self) -> datetime:
        return self._clock().astimezone(self._zone)

