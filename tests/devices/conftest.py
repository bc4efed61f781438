"""Running the real devices process (`python -m devices`) against a temporary record."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from edge.config import Settings
from tests.conftest import PROJECT_ROOT, cli_env

READY_LINE = "devices process ready"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(predicate: Callable[[], Any], timeout: float = 20.0, what: str = "condition") -> Any:
    """Poll until `predicate()` is truthy; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


class DevicesProcess:
    """One `python -m devices` child with its stderr in a file."""

    def __init__(self, settings: Settings, log: Path, env: dict[str, str]) -> None:
        self.log = log
        self._env = {**cli_env(settings), **env}
        self.child: subprocess.Popen[bytes] | None = None

    def start(self) -> DevicesProcess:
        handle = self.log.open("ab")
        self.child = subprocess.Popen([sys.executable, "-m", "devices"], cwd=PROJECT_ROOT,
                                      env=self._env, stderr=handle, stdout=subprocess.DEVNULL)
        handle.close()
        start = self.log.stat().st_size if self.log.exists() else 0
        wait_for(lambda: READY_LINE in self.output()[start:] or self.child.poll() is not None,
                 what="the devices process to start")
        assert self.child.poll() is None, self.output()
        return self

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self) -> int:
        assert self.child is not None
        if self.child.poll() is None:
            self.child.send_signal(signal.SIGTERM)
        try:
            return self.child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.child.kill()
            self.child.wait()
            raise AssertionError("the devices process ignored SIGTERM") from None

    def kill(self) -> None:
        assert self.child is not None
        self.child.send_signal(signal.SIGKILL)
        self.child.wait()


@pytest.fixture
def devices_process(settings: Settings, tmp_path: Path) -> Iterator[Callable[..., DevicesProcess]]:
    started: list[DevicesProcess] = []

    def start(**env: str) -> DevicesProcess:
        process = DevicesProcess(settings, tmp_path / "devices.log",
                                 {f"RELAIS_{key.upper()}": value for key, value in env.items()})
        started.append(process.start())
        return process

    yield start
    for process in started:
        if process.child is not None and process.child.poll() is None:
            process.stop()
