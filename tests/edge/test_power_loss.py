"""Power-loss test: a writer killed with SIGKILL at random moments never loses an acknowledged write.

A child process stores observations and prints each id only after its transaction committed; the
test kills it at a random moment, then checks that every printed id is in the database and that
`PRAGMA integrity_check` says ok. Cycles: ``RELAIS_FAULT_CYCLES`` (200 by default, as in CI).
"""

from __future__ import annotations

import os
import random
import select
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from edge.residents import admit_resident
from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.fault
CYCLES = int(os.environ.get("RELAIS_FAULT_CYCLES", "200"))
START_TIMEOUT_S = 30.0
WRITER = Path(__file__).with_name("power_loss_writer.py")


def _acknowledged_before_kill(child: subprocess.Popen[str], rng: random.Random) -> list[str]:
    """Read the ids the child prints until a random moment after its first one (its start-up
    time varies with the machine's load), then kill it and read the rest."""
    deadline = time.monotonic() + START_TIMEOUT_S
    started = False
    assert child.stdout is not None
    printed: list[str] = []
    buffer = ""
    fd = child.stdout.fileno()
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.01)
        if ready:
            chunk = os.read(fd, 65536).decode()
            if not chunk:
                break
            buffer += chunk
            if not started:
                started = True
                deadline = time.monotonic() + rng.uniform(0.0, 0.5)
    child.send_signal(signal.SIGKILL)
    child.wait()
    while chunk := os.read(fd, 65536).decode():
        buffer += chunk
    child.stdout.close()
    lines = buffer.split("\n")
    printed += [line for line in lines[:-1] if line]  # a line cut mid-write was never complete
    return printed


def test_every_acknowledged_observation_survives_kill_9(settings, db, traits) -> None:  # type: ignore[no-untyped-def]
    resident = admit_resident(db, "u", traits)
    db.close()
    rng = random.Random(int(os.environ.get("RELAIS_FAULT_SEED", "7")))
    acknowledged: list[str] = []
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    for _ in range(CYCLES):
        child = subprocess.Popen(
            [sys.executable, str(WRITER), str(settings.data_dir), str(settings.key_file), resident],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        acknowledged += _acknowledged_before_kill(child, rng)
        conn = sqlite3.connect(settings.database_path)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            stored = {row[0] for row in conn.execute("SELECT id FROM observations")}
        finally:
            conn.close()
        missing = [obs_id for obs_id in acknowledged if obs_id not in stored]
        assert missing == []
    assert len(acknowledged) > CYCLES  # the writer did get to work between kills
