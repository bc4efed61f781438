"""Kill -9 of the devices process in the middle of an HL7 stream: every ACKed message is stored once.

A simulated monitor streams ORU^R01 messages; the devices process is killed at a random moment,
restarted, and the monitor resends what was not acknowledged (as real monitors do). At the end,
each message acknowledged with AA has exactly one receipt and its observations exist exactly once.
Cycles: ``RELAIS_FAULT_CYCLES`` / 20 (at least 3).
"""

from __future__ import annotations

import os
import random
import threading
from datetime import datetime

import pytest

from devices.simulators.monitor import Monitor, make_message
from devices.simulators.serial_device import Vitals
from edge import DeviceBinding, admit_resident, list_observations, pair_device, register_device
from tests.devices.conftest import free_port, wait_for

pytestmark = [pytest.mark.fault, pytest.mark.integration]
CYCLES = max(3, int(os.environ.get("RELAIS_FAULT_CYCLES", "200")) // 20)
VALUES_PER_MESSAGE = 5


def _stream(monitor: Monitor, numbers: list[int], stop: threading.Event, acked: set[str],
            rng: random.Random) -> None:
    """Send messages in order; resend the current one until it is acknowledged."""
    vitals = Vitals()
    pending = list(numbers)
    try:
        while pending and not stop.is_set():
            control_id, message = make_message(monitor.identity, pending[0], vitals, rng,
                                               datetime.now())
            try:
                if monitor.send(control_id, message) == "AA":
                    acked.add(control_id)
                    pending.pop(0)
            except OSError:
                monitor.close()
                stop.wait(0.05)
    finally:
        monitor.close()


def test_every_acknowledged_message_is_stored_exactly_once_across_kill_9(db, traits, devices_process) -> None:
    rng = random.Random(4)
    resident = admit_resident(db, "u1", traits)
    port = free_port()
    monitor = Monitor("127.0.0.1", port)
    device = register_device(db, "mllp", "hl7", monitor.identity).id
    pair_device(db, device, "admin", name="Moniteur", binding=DeviceBinding.PERSONAL, resident_id=resident)
    acked: set[str] = set()
    sent_numbers = list(range(1, 40 * CYCLES + 1))
    stop = threading.Event()
    streamer = threading.Thread(target=_stream, args=(monitor, sent_numbers, stop, acked, rng))
    process = devices_process(devices_mllp_port=str(port))
    streamer.start()
    try:
        for _ in range(CYCLES):
            before = len(acked)
            wait_for(lambda: len(acked) > before + rng.randint(1, 15), what="messages to be acknowledged")
            process.kill()
            process.start()
        wait_for(lambda: not streamer.is_alive(), timeout=60, what="the stream to finish")
    finally:
        stop.set()
        streamer.join(10)
    assert len(acked) == len(sent_numbers)
    receipts = db.query("SELECT dedup_key, set_id FROM device_receipts WHERE device_id = ?", (device,))
    assert sorted(row["dedup_key"] for row in receipts) == sorted(f"hl7:{c}" for c in acked)
    observations = list_observations(db, resident, "t")
    assert len(observations) == VALUES_PER_MESSAGE * len(acked)
    per_set: dict[str | None, int] = {}
    for obs in observations:
        per_set[obs.set_id] = per_set.get(obs.set_id, 0) + 1
    assert set(per_set) == {row["set_id"] for row in receipts}
    assert set(per_set.values()) == {VALUES_PER_MESSAGE}
