"""The supervisor keeps the other transports running when one crashes, and restarts the crashed one."""

from __future__ import annotations

import threading

import pytest

from devices.ingest import Ingestor
from devices.supervisor import Supervisor
from devices.transport import Sink

pytestmark = pytest.mark.integration


class Crashing:
    name = "crashing"

    def __init__(self) -> None:
        self.runs = 0
        self.restarted = threading.Event()

    def run(self, sink: Sink, stop: threading.Event) -> None:
        self.runs += 1
        if self.runs < 3:
            raise RuntimeError("driver bug")
        self.restarted.set()
        stop.wait()


class Steady:
    name = "steady"

    def __init__(self) -> None:
        self.running = threading.Event()
        self.stopped = threading.Event()

    def run(self, sink: Sink, stop: threading.Event) -> None:
        self.running.set()
        stop.wait()
        self.stopped.set()


def test_a_crashing_transport_is_restarted_and_the_others_keep_running(db) -> None:
    crashing, steady = Crashing(), Steady()
    supervisor = Supervisor(Ingestor(db), [crashing, steady], first_restart_s=0.01, max_restart_s=0.02)
    supervisor.start()
    assert crashing.restarted.wait(10) and steady.running.wait(10)
    assert supervisor.restarts["crashing"] == 2 and "steady" not in supervisor.restarts
    supervisor.stop()
    assert steady.stopped.is_set()
