"""The sink between transports and the record: conversion, de-duplication keys, storage, refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from devices.errors import RejectReason
from devices.ingest import Ingestor, RepeatKeys, carries_identity, measurement_key, to_reading
from devices.measurement import Flag, Measurement
from devices.simulators import frames
from devices.transport import Arrival, LinkState, Source, should_acknowledge
from devices.wired import SerialTransport
from edge import DeviceBinding, IngestStatus, admit_resident, find_device, list_observations, pair_device

AT = datetime(2026, 11, 22, 9, 30, 0, 123456, tzinfo=UTC)
SOURCE = Source("serial", "/dev/ttyUSB0", "nonin13")
TEMPERATURE_F = Measurement("8310-5", "Body temperature", "Cel", Decimal("37.00"), Decimal("98.6"),
                            "[degF]", datetime(2026, 11, 22, 10, 29), (Flag.LOW_BATTERY,), 1, 7)


def test_arrival_becomes_an_edge_reading_with_original_unit_device_time_and_flags() -> None:
    reading = to_reading(Arrival(SOURCE, (TEMPERATURE_F,), "k", AT))
    value = reading.values[0]
    assert (value.code, value.unit, value.value) == ("8310-5", "Cel", 37.0)
    assert (value.original_value, value.original_unit) == (98.6, "[degF]")
    assert value.device_time == "2026-11-22T10:29:00" and value.flags == ("low_battery",)
    assert reading.received_at == "2026-11-22T09:30:00.123456+00:00"
    assert reading.device_time == "2026-11-22T10:29:00" and reading.device_user_id == 1
    assert reading.observed_at is None


def test_measurement_key_is_equal_for_a_resent_reading_and_differs_for_another() -> None:
    other = Measurement("8310-5", "Body temperature", "Cel", Decimal("37.10"),
                        device_time=datetime(2026, 11, 22, 10, 29))
    assert measurement_key("ble", (TEMPERATURE_F,)) == measurement_key("ble", (TEMPERATURE_F,))
    assert measurement_key("ble", (TEMPERATURE_F,)) != measurement_key("ble", (other,))
    assert carries_identity((TEMPERATURE_F,))
    assert not carries_identity((Measurement("29463-7", "Body weight", "kg", Decimal(70)),))


def test_a_scale_showing_the_same_weight_every_second_is_one_reading() -> None:
    keys = RepeatKeys(timedelta(seconds=30))
    weight = (Measurement("29463-7", "Body weight", "kg", Decimal("70.5")),)
    lighter = (Measurement("29463-7", "Body weight", "kg", Decimal("70.4")),)
    first = keys.key("scale", weight, AT)
    assert keys.key("scale", weight, AT + timedelta(seconds=20)) == first
    assert keys.key("scale", weight, AT + timedelta(seconds=45)) == first  # 25 s after the last one
    assert keys.key("scale", lighter, AT + timedelta(seconds=46)) != first
    assert keys.key("scale", weight, AT + timedelta(seconds=200)) != first


def test_ingestor_registers_the_device_and_stores_for_its_resident(db, traits) -> None:
    ingestor = Ingestor(db)
    device_id = ingestor.device_id(SOURCE)
    resident = admit_resident(db, "u1", traits)
    pair_device(db, device_id, "u1", name="Oxy", binding=DeviceBinding.PERSONAL, resident_id=resident)
    outcome = ingestor.deliver(Arrival(SOURCE, (TEMPERATURE_F,), "k1", AT))
    assert outcome.status is IngestStatus.STORED and should_acknowledge(outcome)
    [stored] = list_observations(db, resident, "u1")
    assert (stored.value, stored.original_value, stored.original_unit) == (37.0, 98.6, "[degF]")
    assert stored.observed_at == "2026-11-22T09:30:00.123456+00:00"


def test_refused_frames_and_battery_are_counted_on_the_device(db) -> None:
    ingestor = Ingestor(db)
    ingestor.refuse(SOURCE, RejectReason.BAD_CHECKSUM, "format 13 checksum mismatch", 2)
    ingestor.report(SOURCE, LinkState.CONNECTED, battery_percent=55)
    device = find_device(db, "serial", "/dev/ttyUSB0")
    assert device is not None
    assert (device.frames_rejected, device.last_reject_reason, device.battery_percent) == (
        2, "bad_checksum", 55)


def test_serial_stream_with_garbage_and_bad_frames_keeps_the_valid_ones(db, traits) -> None:
    ingestor = Ingestor(db)
    transport = SerialTransport("nonin13", "loop://", address="/dev/ttyUSB0")
    resident = admit_resident(db, "u1", traits)
    pair_device(db, ingestor.device_id(transport.source), "u1", name="Oxy",
                binding=DeviceBinding.PERSONAL, resident_id=resident)
    good_1 = frames.nonin13(datetime(2026, 11, 22, 9, 0), 72, 97)
    good_2 = frames.nonin13(datetime(2026, 11, 22, 9, 5), 80, 95)
    bad_sum = bytearray(frames.nonin13(datetime(2026, 11, 22, 9, 3), 75, 96))
    bad_sum[-2] ^= 0xFF
    splitter = transport._spec.splitter()
    stream = good_1 + b"\xff\x13garbage" + bytes(bad_sum) + good_1 + good_2[:9]
    transport.handle(splitter.feed(stream), ingestor, None, AT)
    transport.handle(splitter.feed(good_2[9:]), ingestor, None, AT)
    stored = list_observations(db, resident, "u1")
    assert sorted((o.code, o.value) for o in stored) == [
        ("2708-6", 95.0), ("2708-6", 97.0), ("8867-4", 72.0), ("8867-4", 80.0)]
    device = find_device(db, "serial", "/dev/ttyUSB0")
    assert device is not None and device.frames_accepted == 2 and device.frames_rejected >= 2


def test_link_reports_rewrite_last_seen_at_most_every_few_seconds_but_a_new_battery_level_at_once(  # type: ignore[no-untyped-def]
        db) -> None:
    now = [1000.0]
    ingestor = Ingestor(db, monotonic=lambda: now[0])

    def last_seen() -> tuple[str | None, int | None]:
        device = find_device(db, "serial", "/dev/ttyUSB0")
        assert device is not None
        return device.last_seen_at, device.battery_percent

    ingestor.report(SOURCE, LinkState.CONNECTED)
    first = last_seen()
    now[0] += 1.0
    ingestor.report(SOURCE, LinkState.CONNECTED)
    assert last_seen() == first  # nothing written: it was seen a second ago
    ingestor.report(SOURCE, LinkState.CONNECTED, battery_percent=80)
    assert last_seen()[1] == 80
    now[0] += 1.0
    ingestor.report(SOURCE, LinkState.CONNECTED, battery_percent=80)
    second = last_seen()
    now[0] += 6.0
    ingestor.report(SOURCE, LinkState.CONNECTED)
    assert last_seen()[0] is not None and last_seen()[0] != second[0]
