"""Fault test: documents delivered exactly once through injected faults and SIGKILLs of `python -m sync`.

Each cycle queues a share of the documents (staff keep working), starts `python -m sync`, waits
until it has claimed a row, lets it run a random moment more while the sandbox injects a seeded
mix of faults (dropped connections, 503, timeouts, resets mid-upload, slow answers), then kills
it with SIGKILL. At the end the faults stop,
time passes (the backoff delays are fast-forwarded) and one last worker drains the outbox. Every
document must be acknowledged, registered exactly once by the sandbox, none missing. Cycles:
``RELAIS_FAULT_CYCLES`` (default 100); documents: ``RELAIS_FAULT_DOCUMENTS`` (default 1000).
"""

from __future__ import annotations

import math
import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sync_samples import admit, queue_n1

from edge import Destination, OutboxState, load_document
from sync.sandbox.faults import Fault, FaultKind, FaultSetting

pytestmark = pytest.mark.fault
PROJECT_ROOT = Path(__file__).resolve().parents[2]
CYCLES = int(os.environ.get("RELAIS_FAULT_CYCLES", "100"))
DOCUMENTS = int(os.environ.get("RELAIS_FAULT_DOCUMENTS", "1000"))
RESIDENTS = 40
FAULT_MIX = {FaultKind.NONE: 0.62, FaultKind.OFFLINE: 0.06, FaultKind.HTTP_5XX: 0.08,
             FaultKind.TIMEOUT: 0.03, FaultKind.RESET_MID_UPLOAD: 0.11, FaultKind.SLOW: 0.10}
DRAIN_SECONDS = 900
START_SECONDS = 30


def _env(settings: Any) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELAIS_")}
    env.update({
        "PYTHONPATH": str(PROJECT_ROOT), "RELAIS_DATA_DIR": str(settings.data_dir),
        "RELAIS_KEY_FILE": str(settings.key_file), "RELAIS_FINESS": settings.finess,
        "RELAIS_HOME_NAME": settings.home_name, "RELAIS_DMP_URL": settings.dmp_url,
        "RELAIS_DMP_CLIENT_CERT": str(settings.dmp_client_cert),
        "RELAIS_DMP_CLIENT_KEY": str(settings.dmp_client_key),
        "RELAIS_DMP_CA_BUNDLE": str(settings.dmp_ca_bundle),
        "RELAIS_DMP_TIMEOUT_SECONDS": "2", "RELAIS_SYNC_POLL_SECONDS": "1",
        "RELAIS_SYNC_PROBE_SECONDS": "2",
        "RELAIS_LOG_LEVEL": os.environ.get("RELAIS_FAULT_LOG_LEVEL", "WARNING")})
    return env


def _start(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as stderr:
        return subprocess.Popen(  # noqa: S603 - our own entry point
            [sys.executable, "-m", "sync", "--destination", "dmp"], env=env, cwd=PROJECT_ROOT,
            stdout=subprocess.DEVNULL, stderr=stderr)


def _fast_forward(db) -> None:  # type: ignore[no-untyped-def]
    """Time passes: every waiting row is due now."""
    with db.write() as conn:
        conn.execute("UPDATE outbox SET next_attempt_at = ? WHERE state = ?",
                     (db.now(), int(OutboxState.WAITING)))


def _wait_until_sending(db, process: subprocess.Popen[bytes]) -> None:  # type: ignore[no-untyped-def]
    """Wait until this worker has claimed a row (its start-up takes a few seconds); a claim
    left by the previous, killed worker does not count."""
    before = db.query("SELECT COUNT(*) AS n FROM delivery_attempts")[0]["n"]
    worker = f"{socket.gethostname()}:{process.pid}"
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        mine = db.query("SELECT COUNT(*) AS n FROM outbox WHERE claimed_by = ?", (worker,))
        if mine[0]["n"] or db.query(
                "SELECT COUNT(*) AS n FROM delivery_attempts")[0]["n"] > before:
            return
        time.sleep(0.05)


def _pending(db) -> int:  # type: ignore[no-untyped-def]
    return int(db.query("SELECT COUNT(*) AS n FROM outbox WHERE state != ?",
                        (int(OutboxState.ACKNOWLEDGED),))[0]["n"])


def test_every_document_is_acknowledged_once_through_faults_and_sigkills(
        db, settings, dmp_sandbox, tmp_path: Path) -> None:
    env = _env(dmp_sandbox.adapter_settings(settings))
    log = tmp_path / "sync.stderr"
    rng = random.Random(20261122)
    dmp_sandbox.switch.set(FaultSetting(Fault(delay_seconds=0.3, timeout_seconds=3),
                                        mix=FAULT_MIX, seed=CYCLES))
    residents = [admit(db, n) for n in range(RESIDENTS)]
    per_cycle = math.ceil(DOCUMENTS / CYCLES)
    queued: list[str] = []
    for cycle in range(CYCLES):
        for _ in range(min(per_cycle, DOCUMENTS - len(queued))):
            serial = str(100000 + len(queued))
            queued.append(queue_n1(db, residents[len(queued) % RESIDENTS], serial))
        _fast_forward(db)
        process = _start(env, log)
        _wait_until_sending(db, process)
        time.sleep(rng.uniform(0.0, 2.0))
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert len(queued) == DOCUMENTS

    dmp_sandbox.switch.clear()
    process = _start(env, log)
    try:
        deadline = time.monotonic() + DRAIN_SECONDS
        while _pending(db) and time.monotonic() < deadline:
            _fast_forward(db)
            time.sleep(1)
            assert process.poll() is None, log.read_text(errors="replace")[-3000:]
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)

    states = db.query("SELECT state, COUNT(*) AS n FROM outbox GROUP BY state")
    assert {OutboxState(r["state"]).name: r["n"] for r in states} == {"ACKNOWLEDGED": DOCUMENTS}
    unique_ids = {load_document(db, doc).unique_id for doc in queued}
    registered = dmp_sandbox.server.store.registration_counts()
    assert set(registered) == unique_ids, "a document was lost or an unknown one registered"
    assert set(registered.values()) == {1}, "a document was registered twice"
    claims = db.query("SELECT SUM(attempts) AS n FROM outbox")[0]["n"]
    recorded = db.query("SELECT COUNT(*) AS n FROM delivery_attempts")[0]["n"]
    retries = db.query("SELECT COUNT(*) AS n FROM delivery_attempts WHERE outcome = 'retry'")
    assert claims > recorded, "no SIGKILL ever landed during a delivery"
    assert retries[0]["n"] > 0, "no injected fault was ever seen"
    assert db.query("SELECT COUNT(*) AS n FROM outbox WHERE destination = ?",
                    (Destination.DMP.value,))[0]["n"] == DOCUMENTS
