"""End to end: simulated devices (pty pairs, an MLLP monitor) → `python -m devices` → the record."""

from __future__ import annotations

import socket
import time
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from devices.hl7.mllp import MllpSplitter, unwrap
from devices.simulators import frames
from devices.simulators.serial_device import PtySerialDevice
from edge import (
    DeviceBinding,
    admit_resident,
    find_device,
    get_device,
    list_observations,
    list_unassigned,
    open_measurement_session,
    pair_device,
    register_device,
)
from tests.devices.conftest import free_port, wait_for

pytestmark = pytest.mark.integration
NO_MLLP = {"devices_mllp_port": "0"}


def _personal(db, resident: str, transport: str, protocol: str, address: str) -> str:
    device = register_device(db, transport, protocol, address).id
    pair_device(db, device, "admin", name="Appareil test", binding=DeviceBinding.PERSONAL,
                resident_id=resident)
    return device


def _connected(db, device_id: str) -> bool:
    return get_device(db, device_id).last_seen_at is not None


def _codes(db, resident: str) -> list[tuple[str, str, float, str | None]]:
    return sorted((o.code, o.unit, o.value, o.match_rule) for o in list_observations(db, resident, "t"))


def _ack_code(sock: socket.socket, splitter: MllpSplitter) -> str:
    while True:
        data = sock.recv(65536)
        assert data, "connection closed before the ACK"
        for piece in splitter.feed(data):
            for segment in unwrap(piece.data).decode().split("\r"):
                if segment.startswith("MSA|"):
                    return segment.split("|")[1]


def test_pty_oximeter_readings_reach_the_paired_resident_with_unit_code_and_rule(
        db, traits, tmp_path: Path, devices_process) -> None:
    resident = admit_resident(db, "u1", traits)
    device = PtySerialDevice("nonin8", tmp_path / "oximeter")
    device.plug()
    device_id = _personal(db, resident, "serial", "nonin8", device.port)
    process = devices_process(devices_serial=f"nonin8={device.port}", **NO_MLLP)
    wait_for(lambda: _connected(db, device_id), what="the port to be opened")
    for heart_rate, spo2 in ((72, 97), (75, 96)):
        device.write(frames.nonin8(heart_rate, spo2))
    wait_for(lambda: len(list_observations(db, resident, "t")) == 4, what="four observations")
    assert _codes(db, resident) == [
        ("2708-6", "%", 96.0, "personal_device"), ("2708-6", "%", 97.0, "personal_device"),
        ("8867-4", "/min", 72.0, "personal_device"), ("8867-4", "/min", 75.0, "personal_device")]
    assert {o.device_id for o in list_observations(db, resident, "t")} == {device_id}
    assert process.stop() == 0
    device.unplug()


def test_garbage_truncated_and_bad_checksum_frames_are_counted_and_neighbours_kept(
        db, traits, tmp_path: Path, devices_process) -> None:
    resident = admit_resident(db, "u1", traits)
    device = PtySerialDevice("nonin13", tmp_path / "spot")
    device.plug()
    device_id = _personal(db, resident, "serial", "nonin13", device.port)
    devices_process(devices_serial=f"nonin13={device.port}", **NO_MLLP)
    wait_for(lambda: _connected(db, device_id), what="the port to be opened")
    moment = datetime(2026, 11, 22, 9, 0)
    before, after = frames.nonin13(moment, 70, 98), frames.nonin13(moment + timedelta(minutes=5), 90, 93)
    spoilt = bytearray(frames.nonin13(moment + timedelta(minutes=1), 71, 97))
    spoilt[-2] ^= 0x55
    cut = frames.nonin13(moment + timedelta(minutes=2), 72, 96)[:10]
    device.write(before + b"\x13\x37garbage!" + bytes(spoilt) + cut + after)
    wait_for(lambda: len(list_observations(db, resident, "t")) == 4, what="the two valid readings")
    assert sorted(o.value for o in list_observations(db, resident, "t")) == [70.0, 90.0, 93.0, 98.0]
    entry = wait_for(lambda: (d := get_device(db, device_id)).frames_rejected >= 2 and d,
                     what="the refused frames to be counted")
    assert entry.frames_accepted == 2 and entry.last_reject_reason is not None


def test_a_resent_spot_check_is_never_stored_twice(db, traits, tmp_path: Path, devices_process) -> None:
    resident = admit_resident(db, "u1", traits)
    device = PtySerialDevice("nonin13", tmp_path / "spot")
    device.plug()
    device_id = _personal(db, resident, "serial", "nonin13", device.port)
    devices_process(devices_serial=f"nonin13={device.port}", **NO_MLLP)
    wait_for(lambda: _connected(db, device_id), what="the port to be opened")
    reading = frames.nonin13(datetime(2026, 11, 22, 9, 0), 70, 98)
    marker = frames.nonin13(datetime(2026, 11, 22, 9, 9), 66, 99)
    device.write(reading + reading + reading + marker)
    wait_for(lambda: any(o.value == 66.0 for o in list_observations(db, resident, "t")),
             what="the last reading")
    assert len(list_observations(db, resident, "t")) == 4


def test_unplugged_serial_device_is_read_again_after_replug(
        db, traits, tmp_path: Path, devices_process) -> None:
    resident = admit_resident(db, "u1", traits)
    device = PtySerialDevice("seca", tmp_path / "scale")
    device.plug()
    device_id = _personal(db, resident, "serial", "seca", device.port)
    process = devices_process(devices_serial=f"seca={device.port}", **NO_MLLP)
    wait_for(lambda: _connected(db, device_id), what="the port to be opened")
    device.write(frames.seca_frame(Decimal("64.2")))
    wait_for(lambda: len(list_observations(db, resident, "t")) == 1, what="the first weight")
    device.write(frames.seca_frame(Decimal("64.9"))[:7])
    time.sleep(0.3)  # let the reader take the half frame before the plug is pulled
    device.unplug()
    wait_for(lambda: "port lost" in process.output(), what="the unplug to be noticed")
    device.plug()
    wait_for(lambda: process.output().count("port open") >= 2, what="the port to be reopened")
    device.write(frames.seca_frame(Decimal("65.1")))
    wait_for(lambda: len(list_observations(db, resident, "t")) == 2, what="the weight after replug")
    assert sorted(o.value for o in list_observations(db, resident, "t")) == [64.2, 65.1]
    assert get_device(db, device_id).last_reject_reason == "truncated"
    assert process.child is not None and process.child.poll() is None


def test_mllp_message_is_acknowledged_once_stored_and_a_resend_is_not_duplicated(
        db, traits, devices_process) -> None:
    resident = admit_resident(db, "u1", traits)
    port = free_port()
    monitor = "VSMON^0123456789ABCDEF^EUI-64"
    _personal(db, resident, "mllp", "hl7", monitor)
    devices_process(devices_mllp_port=str(port))
    message = frames.hl7_oru("MSG0001", datetime(2026, 11, 22, 9, 30), monitor,
                             {"150021": ("132", "266016"), "150022": ("78", "266016"),
                              "150364": ("37.1", "268192")})
    impossible = frames.hl7_oru("MSG0002", datetime(2026, 11, 22, 9, 31), monitor,
                                {"150456": ("30", "262688")})
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        splitter = MllpSplitter()
        sock.sendall(message)
        assert _ack_code(sock, splitter) == "AA"
        assert len(list_observations(db, resident, "t")) == 3  # stored before the ACK
        sock.sendall(b"noise" + message)
        assert _ack_code(sock, splitter) == "AA"
        sock.sendall(impossible)
        assert _ack_code(sock, splitter) == "AR"
    assert _codes(db, resident) == [("8310-5", "Cel", 37.1, "personal_device"),
                                    ("8462-4", "mm[Hg]", 78.0, "personal_device"),
                                    ("8480-6", "mm[Hg]", 132.0, "personal_device")]
    entry = find_device(db, "mllp", monitor)
    assert entry is not None and entry.frames_rejected == 1


def test_shared_monitor_follows_the_tablet_session_and_otherwise_fills_the_inbox(
        db, traits, devices_process) -> None:
    resident = admit_resident(db, "u1", traits)
    port = free_port()
    monitor = "CHARIOT^FEDCBA9876543210^EUI-64"
    device_id = register_device(db, "mllp", "hl7", monitor).id
    pair_device(db, device_id, "admin", name="Chariot", binding=DeviceBinding.SHARED)
    devices_process(devices_mllp_port=str(port))
    values = {"150456": ("95", "262688")}
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        splitter = MllpSplitter()
        sock.sendall(frames.hl7_oru("A1", datetime(2026, 11, 22, 9, 0), monitor, values))
        assert _ack_code(sock, splitter) == "AA"
        open_measurement_session(db, resident, "carer", None, timedelta(minutes=5))
        sock.sendall(frames.hl7_oru("A2", datetime(2026, 11, 22, 9, 1), monitor, values))
        assert _ack_code(sock, splitter) == "AA"
    assert _codes(db, resident) == [("2708-6", "%", 95.0, "shared_device_session")]
    assert len(list_unassigned(db, "carer")) == 1
