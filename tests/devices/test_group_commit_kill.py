"""Kill -9 during group commits: several monitors at once, so transactions hold several readings.

Four simulated monitors stream ORU^R01 messages concurrently to the devices process, which is
killed (SIGKILL) at random moments and restarted; each monitor resends what was not acknowledged.
Every message answered AA must have exactly one receipt and its observations exactly once, and
the process log must show transactions of more than one reading (so a kill did land on batches).
Cycles: ``RELAIS_FAULT_CYCLES`` / 40 (at least 3).
"""

from __future__ import annotations

import os
import random
import re
import threading

import pytest

from devices.simulators.monitor import Monitor
from edge import DeviceBinding, admit_resident, list_observations, pair_device, register_device
from tests.devices.conftest import free_port, wait_for
from tests.devices.test_devices_kill import VALUES_PER_MESSAGE, _stream

pytestmark = [pytest.mark.fault, pytest.mark.integration]
CYCLES = max(3, int(os.environ.get("RELAIS_FAULT_CYCLES", "200")) // 40)
MONITORS = 4


def test_every_acknowledged_message_of_concurrent_monitors_is_stored_once_across_kill_9(  # type: ignore[no-untyped-def]
        db, traits, devices_process) -> None:
    rng = random.Random(7)
    resident = admit_resident(db, "u1", traits)
    port = free_port()
    monitors = [Monitor("127.0.0.1", port, f"VSMON^{index:016X}^EUI-64") for index in range(MONITORS)]
    device_ids = {}
    for monitor in monitors:
        device_ids[monitor.identity] = register_device(db, "mllp", "hl7", monitor.identity).id
        pair_device(db, device_ids[monitor.identity], "admin", name="Moniteur",
                    binding=DeviceBinding.PERSONAL, resident_id=resident)
    acked = {monitor.identity: set[str]() for monitor in monitors}
    numbers = list(range(1, 30 * CYCLES + 1))
    stop = threading.Event()
    streamers = [threading.Thread(target=_stream, args=(monitor, numbers, stop, acked[monitor.identity],
                                                        random.Random(index)))
                 for index, monitor in enumerate(monitors)]
    process = devices_process(devices_mllp_port=str(port), log_level="DEBUG")
    for streamer in streamers:
        streamer.start()
    try:
        for _ in range(CYCLES):
            before = sum(len(keys) for keys in acked.values())
            target = before + rng.randint(MONITORS, 6 * MONITORS)
            wait_for(lambda: sum(len(keys) for keys in acked.values()) > target,
                     what="messages to be acknowledged")
            process.kill()
            process.start()
        wait_for(lambda: not any(streamer.is_alive() for streamer in streamers), timeout=120,
                 what="the streams to finish")
    finally:
        stop.set()
        for streamer in streamers:
            streamer.join(10)
    sizes = [int(size) for size in re.findall(r"batch of (\d+) committed", process.output())]
    assert max(sizes) > 1, "no transaction held more than one reading"
    total = 0
    for monitor in monitors:
        assert len(acked[monitor.identity]) == len(numbers)
        receipts = db.query("SELECT dedup_key FROM device_receipts WHERE device_id = ?",
                            (device_ids[monitor.identity],))
        assert sorted(row["dedup_key"] for row in receipts) == sorted(
            f"hl7:{control_id}" for control_id in acked[monitor.identity])
        total += len(receipts)
    observations = list_observations(db, resident, "t")
    assert len(observations) == VALUES_PER_MESSAGE * total
    assert len({obs.set_id for obs in observations}) == total
