"""The RACP cursor of the device registry: the highest stored-record sequence number already stored."""

from __future__ import annotations

import sqlite3

import pytest
import sqlite_utils

from edge import (
    NotFound,
    RecordRejected,
    find_device,
    get_device,
    list_devices,
    record_racp_cursor,
    register_device,
)
from edge.config import Settings
from edge.datadir import open_record
from edge.migrations import MIGRATIONS
from tests.edge.conftest import Clock

METER = "C0:FF:EE:00:00:01"


def test_a_new_device_has_no_racp_cursor(record) -> None:
    device = register_device(record, "ble", "glucose", METER)
    assert device.racp_last_sequence is None


def test_the_cursor_is_kept_and_read_back_from_every_lookup(record) -> None:
    device = register_device(record, "ble", "glucose", METER).id
    record_racp_cursor(record, device, 300)
    assert get_device(record, device).racp_last_sequence == 300
    assert find_device(record, "ble", METER).racp_last_sequence == 300  # type: ignore[union-attr]
    assert [d.racp_last_sequence for d in list_devices(record)] == [300]


def test_the_cursor_survives_closing_and_reopening_the_record(record, settings: Settings) -> None:
    device = register_device(record, "ble", "glucose", METER).id
    record_racp_cursor(record, device, 65535)
    record.close()
    reopened = open_record(settings, clock=Clock())
    try:
        assert get_device(reopened, device).racp_last_sequence == 65535
    finally:
        reopened.close()


def test_the_cursor_may_go_back_down_or_be_forgotten(record) -> None:
    device = register_device(record, "ble", "glucose", METER).id
    record_racp_cursor(record, device, 300)
    record_racp_cursor(record, device, 4)
    assert get_device(record, device).racp_last_sequence == 4
    record_racp_cursor(record, device, None)
    assert get_device(record, device).racp_last_sequence is None


def test_registering_the_device_again_keeps_its_cursor(record) -> None:
    device = register_device(record, "ble", "glucose", METER).id
    record_racp_cursor(record, device, 12)
    register_device(record, "ble", "glucose", METER, manufacturer="Ascensia")
    assert get_device(record, device).racp_last_sequence == 12


@pytest.mark.parametrize("sequence", [-1, 65536])
def test_a_cursor_outside_sixteen_bits_is_refused_and_the_old_one_kept(record, sequence: int) -> None:
    device = register_device(record, "ble", "glucose", METER).id
    record_racp_cursor(record, device, 7)
    with pytest.raises(RecordRejected, match="16 bits"):
        record_racp_cursor(record, device, sequence)
    assert get_device(record, device).racp_last_sequence == 7


def test_a_cursor_for_an_unknown_device_is_refused(record) -> None:
    with pytest.raises(NotFound):
        record_racp_cursor(record, "no-such-device", 1)


def test_devices_registered_before_the_migration_get_an_empty_cursor() -> None:
    conn = sqlite3.connect(":memory:")
    conn.row_factory = sqlite3.Row
    db = sqlite_utils.Database(conn)
    MIGRATIONS.apply(db, stop_before="m0006_racp_cursor")
    conn.execute(
        "INSERT INTO devices (id, transport, protocol, address, state, binding, first_seen_at) "
        "VALUES ('d1', 'ble', 'glucose', ?, 'paired', 'shared', '2026-11-22T09:00:00+00:00')",
        (METER,))
    assert "racp_last_sequence" not in {row[1] for row in conn.execute("PRAGMA table_info(devices)")}
    MIGRATIONS.apply(db)
    assert conn.execute("SELECT racp_last_sequence FROM devices").fetchone()[0] is None
    conn.close()
