"""The BLE session driven by an in-memory GATT peripheral, storing into a real record.

Values are the bytes devices send on air (DEVICES.md §3 encodings); the readings go through the
BLE transport's bridge and the devices ingest sink into an `edge` record on a temporary directory.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import pytest

from devices.ble import const
from devices.ble.gatt import Advertisement, DeviceUnreachable
from devices.ble.profiles import BATTERY_LEVEL, MANUFACTURER_NAME, PROFILES, BleProtocol
from devices.ble.session import BleSession
from devices.ble.session_plan import SessionPlan
from devices.ble.transport import BleSchedule, BleTransport, SourceBridge
from devices.ingest import Ingestor
from devices.transport import Source
from edge import (
    Database,
    DeviceBinding,
    IdentityTraits,
    admit_resident,
    get_device,
    list_devices,
    list_observations,
    list_unassigned,
    pair_device,
    record_racp_cursor,
    register_device,
)
from tests.devices.ble_fake_gatt import INDICATE as I
from tests.devices.ble_fake_gatt import NOTIFY as N
from tests.devices.ble_fake_gatt import RACP, FakeGattClient, FakePeripheral
from tests.devices.ble_fake_gatt import READ as R
from tests.devices.ble_fake_gatt import WRITE as W

NOW = datetime(2024, 11, 22, 10, 0, 0, tzinfo=UTC)
ADDRESS = "C0:FF:EE:00:00:01"
GLUCOSE_CODE = "2339-0"
SYSTOLIC = "8480-6"


def glucose_record(sequence: int, minute: int, mg_dl_mantissa: int = 110) -> bytes:
    """Glucose Measurement: concentration in kg/L (mantissa × 10⁻⁵), capillary blood, finger,
    base time 2024-11-22 09:mm:00."""
    sfloat = (0xB << 12) | mg_dl_mantissa
    return (bytes([0x02]) + sequence.to_bytes(2, "little") + bytes.fromhex("E8070B1609")
            + bytes([minute, 0]) + sfloat.to_bytes(2, "little") + bytes([0x11]))


def blood_pressure(systolic: int, minute: int) -> bytes:
    """Blood Pressure Measurement in mmHg with a time stamp and a pulse (2024-11-22 09:mm:00)."""
    return (bytes([0x06]) + systolic.to_bytes(2, "little") + bytes.fromhex("4E006000")
            + bytes.fromhex("E8070B1609") + bytes([minute, 0]) + bytes.fromhex("4800"))


def glucose_meter(records: int, **faults: object) -> FakePeripheral:
    return FakePeripheral(
        characteristics={
            const.GLUCOSE_MEASUREMENT: (const.GLUCOSE_SERVICE, frozenset({N})),
            const.GLUCOSE_MEASUREMENT_CONTEXT: (const.GLUCOSE_SERVICE, frozenset({N})),
            RACP: (const.GLUCOSE_SERVICE, frozenset({W, I})),
            BATTERY_LEVEL: (0x180F, frozenset({R})),
            MANUFACTURER_NAME: (0x180A, frozenset({R})),
        },
        values={BATTERY_LEVEL: bytes([85]), MANUFACTURER_NAME: b"Ascensia\x00"},
        records=[glucose_record(n, n) for n in range(1, records + 1)],
        **faults,  # type: ignore[arg-type]
    )


def blood_pressure_monitor(readings: list[bytes], **faults: object) -> FakePeripheral:
    return FakePeripheral(
        characteristics={
            const.BLOOD_PRESSURE_MEASUREMENT: (const.BLOOD_PRESSURE_SERVICE, frozenset({I})),
            const.DATE_TIME: (const.BLOOD_PRESSURE_SERVICE, frozenset({R, W})),
            BATTERY_LEVEL: (0x180F, frozenset({R})),
        },
        values={const.DATE_TIME: bytes.fromhex("D0070101000000"), BATTERY_LEVEL: bytes([40])},
        unsent=[(const.BLOOD_PRESSURE_MEASUREMENT, value) for value in readings],
        **faults,  # type: ignore[arg-type]
    )


class FakeScanner:
    def __init__(self, *adverts: Advertisement) -> None:
        self.adverts = adverts

    async def scan(self, duration_s: float) -> tuple[Advertisement, ...]:
        return self.adverts


class Rig:
    """A record with one resident, the devices ingest sink and a BLE transport over a fake."""

    def __init__(self, db: Database, traits: IdentityTraits, device: FakePeripheral,
                 protocol: BleProtocol, *, synchronised: bool = True) -> None:
        self.db = db
        self.device = device
        self.protocol = protocol
        self.sink = Ingestor(db)
        self.resident = admit_resident(db, "u1", traits)
        self.sleeps: list[float] = []
        self.clients: list[FakeGattClient] = []
        self.scanner = FakeScanner(Advertisement(ADDRESS, "meter", (PROFILES[protocol].service,)))
        self.transport = self._transport(synchronised)

    def _transport(self, synchronised: bool) -> BleTransport:
        return BleTransport(self.db, self.scanner, self._client, clock=lambda: NOW,
                            synchronised=lambda: synchronised, schedule=BleSchedule(0, 0),
                            sleep=self._sleep)

    async def _sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def _client(self, address: str) -> FakeGattClient:
        client = FakeGattClient(self.device, address)
        self.clients.append(client)
        return client

    def restart(self) -> None:
        """A new devices process: same record, cursors lost."""
        self.transport = self._transport(True)

    def pair(self, binding: DeviceBinding = DeviceBinding.PERSONAL) -> str:
        device = register_device(self.db, "ble", self.protocol.value, ADDRESS)
        pair_device(self.db, device.id, "u1", name="Lecteur", binding=binding,
                    resident_id=self.resident if binding is DeviceBinding.PERSONAL else None)
        return device.id

    def cycle(self) -> list:
        return asyncio.run(self.transport.cycle(self.sink))

    def values(self, code: str) -> list[tuple[float, str | None]]:
        return [(obs.value, obs.device_time)
                for obs in list_observations(self.db, self.resident, None, codes=[code])]

    def racp_writes(self) -> list[str]:
        return [data.hex() for uuid, data in self.device.writes if uuid == RACP]


def direct_session(rig: Rig, device_id: str, sleep: Callable[[float], Awaitable[None]]) -> BleSession:
    bridge = SourceBridge(rig.sink, Source("ble", ADDRESS, BleProtocol.GLUCOSE.value), rig.db)
    plan = SessionPlan(device_id, PROFILES[BleProtocol.GLUCOSE], "c1")
    return BleSession(FakeGattClient(rig.device), plan, bridge, bridge, clock=lambda: NOW, sleep=sleep)


def test_glucose_records_are_fetched_through_racp_and_stored_once_each(db, traits):
    rig = Rig(db, traits, glucose_meter(3), BleProtocol.GLUCOSE)
    device_id = rig.pair()

    [outcome] = rig.cycle()

    assert (outcome.completed, outcome.stored, outcome.duplicates, outcome.last_sequence) == (True, 3, 0, 3)
    assert outcome.stored_on_device == 3
    assert rig.racp_writes() == ["0401", "0101"]
    assert rig.values(GLUCOSE_CODE) == [(110.0, f"2024-11-22T09:0{n}:00") for n in (1, 2, 3)]
    observation = list_observations(db, rig.resident, None)[0]
    assert (observation.device_id, observation.match_rule) == (device_id, "personal_device")
    registered = get_device(db, device_id)
    assert (registered.battery_percent, registered.manufacturer) == (85, "Ascensia")
    assert registered.frames_accepted == 3


def test_subscriptions_are_made_before_the_first_racp_request(db, traits):
    rig = Rig(db, traits, glucose_meter(1), BleProtocol.GLUCOSE)
    rig.pair()
    rig.cycle()
    assert rig.clients[0].subscribed == [const.GLUCOSE_MEASUREMENT, const.GLUCOSE_MEASUREMENT_CONTEXT, RACP]


def test_link_lost_mid_transfer_resumes_after_the_last_stored_record(db, traits):
    # First connection: the count answer, records 1 and 2, then the link drops.
    rig = Rig(db, traits, glucose_meter(5, drop_after=[3]), BleProtocol.GLUCOSE)
    rig.pair()

    [first] = rig.cycle()
    [second] = rig.cycle()

    assert (first.completed, first.stored, first.last_sequence) == (False, 2, 2)
    assert (second.completed, second.stored, second.duplicates) == (True, 3, 0)
    assert rig.racp_writes() == ["0401", "0101", "0403010300", "0103010300"]
    assert [value for value, _ in rig.values(GLUCOSE_CODE)] == [110.0] * 5
    assert [stamp for _, stamp in rig.values(GLUCOSE_CODE)] == [
        f"2024-11-22T09:0{n}:00" for n in range(1, 6)]


def test_records_sent_again_after_the_stored_cursor_is_lost_are_not_stored_twice(db, traits):
    rig = Rig(db, traits, glucose_meter(4), BleProtocol.GLUCOSE)
    device_id = rig.pair()
    rig.cycle()
    rig.restart()
    record_racp_cursor(db, device_id, None)  # as on a record written before the cursor was kept
    rig.device.records.append(glucose_record(5, 5, 120))

    [again] = rig.cycle()

    assert (again.stored, again.duplicates, again.last_sequence) == (1, 4, 5)
    assert len(rig.values(GLUCOSE_CODE)) == 5
    assert rig.values(GLUCOSE_CODE)[-1] == (120.0, "2024-11-22T09:05:00")


def test_a_reading_indicated_twice_within_one_connection_is_stored_once(db, traits):
    reading = blood_pressure(132, 30)
    rig = Rig(db, traits, blood_pressure_monitor([reading, reading]), BleProtocol.BLOOD_PRESSURE)
    rig.pair()

    [outcome] = rig.cycle()

    assert (outcome.stored, outcome.duplicates) == (1, 1)
    assert rig.values(SYSTOLIC) == [(132.0, "2024-11-22T09:30:00")]


def test_an_unconfirmed_indication_sent_again_on_the_next_connection_is_stored_once(db, traits):
    readings = [blood_pressure(128, 10), blood_pressure(141, 20)]
    # The link drops right after the second indication: the device never got its confirmation.
    rig = Rig(db, traits, blood_pressure_monitor(readings, drop_after=[2], resend_confirmed=True),
              BleProtocol.BLOOD_PRESSURE)
    rig.pair()

    [first] = rig.cycle()
    [second] = rig.cycle()

    assert (first.stored, second.stored, second.duplicates) == (2, 0, 2)
    assert rig.values(SYSTOLIC) == [(128.0, "2024-11-22T09:10:00"), (141.0, "2024-11-22T09:20:00")]


def test_the_device_clock_is_set_through_date_time_when_it_is_wrong(db, traits):
    rig = Rig(db, traits, blood_pressure_monitor([blood_pressure(120, 5)]), BleProtocol.BLOOD_PRESSURE)
    rig.pair()

    [outcome] = rig.cycle()

    local = NOW.astimezone()
    expected = (local.year.to_bytes(2, "little")
                + bytes([local.month, local.day, local.hour, local.minute, local.second]))
    assert rig.device.writes == [(const.DATE_TIME, expected)]
    assert outcome.clock is not None and outcome.clock.written
    assert outcome.clock.offset_s is not None and outcome.clock.offset_s < -3600


def test_a_device_clock_within_tolerance_is_left_alone_and_its_readings_keep_their_time(db, traits):
    local = NOW.astimezone()
    device = FakePeripheral(
        characteristics={
            const.TEMPERATURE_MEASUREMENT: (const.HEALTH_THERMOMETER_SERVICE, frozenset({I})),
            const.CURRENT_TIME: (0x1805, frozenset({R, W, N})),
        },
        values={const.CURRENT_TIME: (local.year.to_bytes(2, "little") + bytes(
            [local.month, local.day, local.hour, local.minute, 20, local.isoweekday(), 0, 0]))},
        unsent=[(const.TEMPERATURE_MEASUREMENT, bytes.fromhex("06710100FFE8070B16091E0006"))],
    )
    rig = Rig(db, traits, device, BleProtocol.THERMOMETER)
    rig.pair()

    [outcome] = rig.cycle()

    assert device.writes == []
    assert outcome.clock is not None and (outcome.clock.written, outcome.clock.offset_s) == (False, 20)
    [observation] = list_observations(db, rig.resident, None)
    assert (observation.value, observation.unit) == (36.9, "Cel")
    assert observation.observed_at.startswith("2024-11-22T")  # the device's time, trusted


def test_no_device_clock_is_written_while_the_appliance_clock_is_not_synchronised(db, traits):
    rig = Rig(db, traits, blood_pressure_monitor([blood_pressure(120, 5)]), BleProtocol.BLOOD_PRESSURE,
              synchronised=False)
    rig.pair()
    [outcome] = rig.cycle()
    assert rig.device.writes == []
    assert outcome.clock is None and outcome.stored == 1


def test_connection_attempts_back_off_then_succeed(db, traits):
    rig = Rig(db, traits, glucose_meter(1, failing_connects=2), BleProtocol.GLUCOSE)
    device_id = rig.pair()
    sleeps: list[float] = []

    async def record_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    session = direct_session(rig, device_id, record_sleep)
    outcome = asyncio.run(session.run())

    assert sleeps == [1.0, 2.0]
    assert outcome.stored == 1


def test_a_device_that_never_answers_is_reported_unreachable_after_the_last_attempt(db, traits):
    rig = Rig(db, traits, glucose_meter(1, failing_connects=99), BleProtocol.GLUCOSE)
    device_id = rig.pair()
    sleeps: list[float] = []

    async def record_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    session = direct_session(rig, device_id, record_sleep)
    with pytest.raises(DeviceUnreachable):
        asyncio.run(session.run())
    assert sleeps == [1.0, 2.0, 4.0]
    assert rig.cycle() == []  # the transport survives it
    assert rig.sleeps == [1.0, 2.0, 4.0]
    assert list_observations(db, rig.resident, None) == []


def test_a_refused_value_is_counted_and_the_following_readings_are_still_stored(db, traits):
    truncated = blood_pressure(150, 1)[:9]
    rig = Rig(db, traits, blood_pressure_monitor([truncated, blood_pressure(118, 2)]),
              BleProtocol.BLOOD_PRESSURE)
    device_id = rig.pair()

    [outcome] = rig.cycle()

    assert (outcome.rejected, outcome.stored) == (1, 1)
    registered = get_device(db, device_id)
    assert (registered.frames_rejected, registered.last_reject_reason) == (1, "truncated")
    assert rig.values(SYSTOLIC) == [(118.0, "2024-11-22T09:02:00")]


def test_a_shared_device_without_an_open_resident_sends_its_reading_to_the_inbox_once(db, traits):
    reading = blood_pressure(135, 40)
    rig = Rig(db, traits, blood_pressure_monitor([reading], resend_confirmed=True),
              BleProtocol.BLOOD_PRESSURE)
    rig.pair(DeviceBinding.SHARED)

    rig.cycle()
    rig.cycle()

    assert len(list_unassigned(db, None)) == 1
    assert list_observations(db, rig.resident, None) == []


def test_health_devices_heard_while_scanning_are_registered_with_their_protocol(db, traits):
    rig = Rig(db, traits, glucose_meter(0), BleProtocol.GLUCOSE)
    rig.scanner.adverts = (
        Advertisement("aa:bb:cc:dd:ee:01", "A&D_UA-651BLE_1", (0x1810,)),
        Advertisement("AA:BB:CC:DD:EE:02", "scale", (0x181D, 0x181B)),
        Advertisement("AA:BB:CC:DD:EE:03", "headphones", (0x110B,)),
    )

    assert rig.cycle() == []  # nothing paired: nobody is connected to

    found = {(d.address, d.protocol, d.state.value) for d in list_devices(db)}
    assert found == {("AA:BB:CC:DD:EE:01", "ble-blood-pressure", "discovered"),
                     ("AA:BB:CC:DD:EE:02", "ble-body-composition", "discovered")}
    assert rig.clients == []


def test_the_transport_thread_collects_until_it_is_told_to_stop(db, traits):
    rig = Rig(db, traits, glucose_meter(2), BleProtocol.GLUCOSE)
    rig.pair()
    stop = threading.Event()

    class StoppingScanner(FakeScanner):
        async def scan(self, duration_s: float) -> tuple[Advertisement, ...]:
            if self.adverts and rig.device.connections:
                stop.set()  # the second scan: everything was collected by the first cycle
            return self.adverts

    rig.scanner = StoppingScanner(*rig.scanner.adverts)
    rig.restart()
    worker = threading.Thread(target=rig.transport.run, args=(rig.sink, stop))
    worker.start()
    worker.join(timeout=30)

    assert not worker.is_alive()
    assert rig.device.connections >= 1
    assert len(rig.values(GLUCOSE_CODE)) == 2
