"""Benchmark: the devices process under 20 oximeters at 1 Hz, then a burst of stored records.

Measured in one run, on this machine:
- latency (devices with their phases spread over the second, as independent devices are) from the
  moment a frame's last byte is written to the pty to its observation's COMMIT, p50 and p99, for
  the 1 Hz streams (target p99 < 50 ms). The commit is seen by a thread of this process polling
  ``PRAGMA data_version`` every millisecond (so the figure includes up to ~1 ms of polling);
  the time to the row's ``recorded_at`` (set when the row is inserted, before COMMIT and, in a
  group commit, before the rest of its batch) is printed too;
- CPU of the devices process (user + system time / wall time) during the streams;
- throughput on the burst of stored records (Nonin format 13 spot checks written back to back),
  and its ratio to a bare loop in this process that reads the same bytes from a pty, splits,
  parses and inserts one row per transaction into plain SQLite (WAL, synchronous=FULL).
Smoke size in the normal test run; ``RELAIS_BENCH=1`` for 20 devices × 30 s and 1,000 records.
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from devices.decoding import PROTOCOLS
from devices.framing import Frame
from devices.simulators import frames
from devices.simulators.serial_device import PtySerialDevice
from edge import DeviceBinding, admit_resident, list_observations, pair_device, register_device
from tests.devices.conftest import devices_process, wait_for  # noqa: F401 (fixture)

pytestmark = pytest.mark.bench
FULL = os.environ.get("RELAIS_BENCH") == "1"
P99_TARGET_MS = 50.0
DEVICES = 20 if FULL else 3
SECONDS = 30 if FULL else 3
BURST = 1000 if FULL else 50
TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS_PER_SECOND


def _epoch(iso_text: str) -> float:
    return datetime.fromisoformat(iso_text).timestamp()


def _burst_frames() -> list[bytes]:
    start = datetime(2026, 11, 1, 8, 0)
    return [frames.nonin13(start + timedelta(minutes=index), 60 + index % 60, 90 + index % 10)
            for index in range(BURST)]


class CommitWatcher:
    """Notes when each observation becomes visible to another connection (its COMMIT)."""

    def __init__(self, path: Path) -> None:
        self.seen: dict[str, float] = {}
        self._conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self._stop = threading.Event()
        self._last_seq = 0
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def start(self) -> CommitWatcher:
        self._thread.start()
        return self

    def stop(self) -> None:
        if not self._stop.is_set():
            self._stop.set()
            self._thread.join()
            self._conn.close()

    def _poll(self) -> None:
        version = None
        while not self._stop.is_set():
            current = self._conn.execute("PRAGMA data_version").fetchone()[0]
            if current != version:
                version = current
                now = time.time()
                rows = self._conn.execute("SELECT id, seq FROM observations WHERE seq > ?",
                                          (self._last_seq,)).fetchall()
                for obs_id, seq in rows:
                    self.seen[obs_id] = now
                    self._last_seq = max(self._last_seq, seq)
            time.sleep(0.001)


def _bare_loop(tmp_path: Path, data: bytes) -> float:
    """Read from a pty, split, parse, insert one row per transaction: records per second."""
    device = PtySerialDevice("nonin13")
    device.plug()
    reader = os.open(device.port, os.O_RDONLY | os.O_NOCTTY)
    conn = sqlite3.connect(tmp_path / "bare.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("CREATE TABLE obs (id INTEGER PRIMARY KEY, code TEXT, value REAL, at TEXT)")
    spec = PROTOCOLS["nonin13"]
    splitter = spec.splitter()
    writer = threading.Thread(target=device.write_all, args=(data,))
    stored = 0
    start = time.perf_counter()
    writer.start()
    while stored < BURST:
        for piece in splitter.feed(os.read(reader, 4096)):
            assert isinstance(piece, Frame)
            conn.execute("BEGIN IMMEDIATE")
            for measurement in spec.measurements(spec.parse(piece.data)):
                conn.execute("INSERT INTO obs (code, value, at) VALUES (?, ?, ?)",
                             (measurement.code, float(measurement.value), str(measurement.device_time)))
            conn.execute("COMMIT")
            stored += 1
    rate = BURST / (time.perf_counter() - start)
    writer.join()
    conn.close()
    os.close(reader)
    device.unplug()
    return rate


def test_devices_process_latency_cpu_and_throughput(  # type: ignore[no-untyped-def]
        db, traits, tmp_path: Path, request: pytest.FixtureRequest,
        devices_process) -> None:  # noqa: F811 (the fixture)
    resident = admit_resident(db, "u1", traits)
    oximeters = [PtySerialDevice("nonin8", tmp_path / f"oxi{index}") for index in range(DEVICES)]
    dump = PtySerialDevice("nonin13", tmp_path / "dump")
    ids = {}
    for device in (*oximeters, dump):
        device.plug()
        ids[device.port] = register_device(db, "serial", device.protocol, device.port).id
        pair_device(db, ids[device.port], "admin", name="Banc", binding=DeviceBinding.PERSONAL,
                    resident_id=resident)
    serial = ",".join(f"{d.protocol}={d.port}" for d in (*oximeters, dump))
    process = devices_process(devices_serial=serial, devices_mllp_port="0")
    assert process.child is not None
    wait_for(lambda: all(row["last_seen_at"] for row in db.query("SELECT last_seen_at FROM devices")),
             what="every port to be opened")

    written: dict[tuple[str | None, float], float] = {}
    watcher = CommitWatcher(db.path).start()
    request.addfinalizer(watcher.stop)
    cpu_before, wall_before = _cpu_seconds(process.child.pid), time.monotonic()
    for second in range(SECONDS):
        tick = time.monotonic()
        for index, device in enumerate(oximeters):  # independent devices: phases spread over 1 s
            time.sleep(max(0.0, tick + index / DEVICES - time.monotonic()))
            heart_rate = 50 + second
            device.write(frames.nonin8(heart_rate, 95))
            written[(ids[device.port], float(heart_rate))] = time.time()
        time.sleep(max(0.0, 1.0 - (time.monotonic() - tick)))
    expected = 2 * DEVICES * SECONDS
    wait_for(lambda: db.query("SELECT COUNT(*) AS n FROM observations")[0]["n"] >= expected,
             what="the streamed readings")
    cpu = (_cpu_seconds(process.child.pid) - cpu_before) / (time.monotonic() - wall_before)
    rows = list_observations(db, resident, "bench", codes=["8867-4"])
    wait_for(lambda: all(obs.id in watcher.seen for obs in rows), what="the watcher")
    latencies = sorted(1000 * (watcher.seen[obs.id] - written[(obs.device_id, obs.value)])
                       for obs in rows)
    to_recorded = sorted(1000 * (_epoch(obs.recorded_at) - written[(obs.device_id, obs.value)])
                         for obs in rows)
    assert len(latencies) == DEVICES * SECONDS

    burst = _burst_frames()
    first_write = time.time()
    dump.write_all(b"".join(burst))
    dump_id = ids[dump.port]
    wait_for(lambda: db.query("SELECT COUNT(*) AS n FROM observations WHERE device_id = ?",
                              (dump_id,))[0]["n"] == 2 * BURST, timeout=300, what="the burst")
    burst_ids = [row["id"] for row in db.query("SELECT id FROM observations WHERE device_id = ?",
                                                (dump_id,))]
    wait_for(lambda: all(obs_id in watcher.seen for obs_id in burst_ids), what="the watcher")
    watcher.stop()
    devices_rate = BURST / (max(watcher.seen[obs_id] for obs_id in burst_ids) - first_write)
    bare_rate = _bare_loop(tmp_path, b"".join(burst))
    p50 = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
    recorded_p99 = to_recorded[min(len(to_recorded) - 1, int(0.99 * len(to_recorded)))]
    print(f"\ndevices process, {DEVICES} devices at 1 Hz for {SECONDS} s: latency to commit "
          f"p50 {p50:.1f} ms, p99 {p99:.1f} ms (target p99 < 50 ms; to recorded_at p50 "
          f"{statistics.median(to_recorded):.1f} ms, p99 {recorded_p99:.1f} ms); "
          f"CPU {100 * cpu:.1f} % of one core; "
          f"burst of {BURST} stored records: {devices_rate:.0f} records/s, bare read-parse-insert "
          f"{bare_rate:.0f} records/s, ratio {devices_rate / bare_rate:.2f}")
    assert process.stop() == 0
    for device in (*oximeters, dump):
        device.unplug()
    if FULL:
        # The target, against the commit the run itself observes (PRAGMA data_version).
        assert p99 < P99_TARGET_MS, f"p99 {p99:.1f} ms is over the target {P99_TARGET_MS} ms"
