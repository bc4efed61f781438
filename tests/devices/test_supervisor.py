"""The supervisor keeps the other transports running when one crashes, and restarts the crashed one."""

from __future__ import annotations

import logging
import threading

import pytest

from devices.ingest import Ingestor
from devices.supervisor import Supervisor, restart_delay
from devices.transport import Sink
from edge import Database

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


def test_a_crashing_transport_is_restarted_and_the_others_keep_running(db: Database) -> None:
    crashing, steady = Crashing(), Steady()
    supervisor = Supervisor(Ingestor(db), [crashing, steady], first_restart_s=0.01, max_restart_s=0.02)
    supervisor.start()
    assert crashing.restarted.wait(10) and steady.running.wait(10)
    assert supervisor.restarts["crashing"] == 2 and "steady" not in supervisor.restarts
    supervisor.stop()
    assert steady.stopped.is_set()


class CrashingAfter:
    """Crashes after runs that last (on the injected clock) the given seconds, then stays up."""

    name = "flaky"

    def __init__(self, durations: list[float]) -> None:
        self.now = 0.0
        self._durations = list(durations)
        self.settled = threading.Event()

    def monotonic(self) -> float:
        return self.now

    def run(self, sink: Sink, stop: threading.Event) -> None:
        if not self._durations:
            self.settled.set()
            stop.wait()
            return
        self.now += self._durations.pop(0)
        raise RuntimeError("driver bug")


def test_the_back_off_doubles_then_starts_again_after_a_run_longer_than_its_maximum(
        db: Database, caplog: pytest.LogCaptureFixture) -> None:
    flaky = CrashingAfter([0.0, 0.0, 0.0, 0.0, 10.0, 0.0])
    supervisor = Supervisor(Ingestor(db), [flaky], first_restart_s=0.01, max_restart_s=0.05,
                            monotonic=flaky.monotonic)
    with caplog.at_level(logging.WARNING, logger="devices.supervisor"):
        supervisor.start()
        assert flaky.settled.wait(10)
        supervisor.stop()
    delays = [record.args[1] for record in caplog.records
              if isinstance(record.args, tuple) and "restarting" in record.msg]
    assert delays == [0.01, 0.02, 0.04, 0.05, 0.01, 0.02]


@pytest.mark.parametrize(("previous", "ran_for", "expected"), [
    (0.0, 0.0, 0.5), (0.5, 1.0, 1.0), (16.0, 29.0, 30.0), (30.0, 0.1, 30.0), (30.0, 30.5, 0.5),
])
def test_the_next_restart_delay_is_the_first_again_only_after_a_long_healthy_run(
        previous: float, ran_for: float, expected: float) -> None:
    assert restart_delay(previous, ran_for, 0.5, 30.0) == expected
