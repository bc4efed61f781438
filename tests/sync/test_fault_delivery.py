"""Fault test: documents delivered exactly once to both national services through injected faults
and SIGKILLs of `python -m sync`.

The whole sandbox runs (`python -m sync.sandbox`: DMP, SMTP, dovecot IMAP). Every document goes to
both destinations (an N1 with an MSSanté recipient). Each cycle queues a share of the documents
(staff keep working), starts `python -m sync`, waits until it has claimed a row, lets it run a
random moment more while the sandbox injects a seeded mix of faults on the DMP and on SMTP
(dropped connections, 503 / 421, timeouts, resets mid-upload, slow answers), then kills it with
SIGKILL. At the end the faults stop, time passes (the backoff delays are fast-forwarded) and one
last worker drains the outbox. Every row must be acknowledged (the DMP's RegistryResponse, the
MSSanté MDN read over IMAP); the sandbox DMP must have registered each document once and the
sandbox SMTP server received each once; none missing, none unknown.

Size: ``RELAIS_FAULT_CYCLES`` (default 100) and ``RELAIS_FAULT_DOCUMENTS`` (default 1,000
documents, each to both services: 2,000 deliveries, about 5 minutes on a 2-core machine).
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
from sync_samples import DOCTOR_BOX, admit, queue_n1

from edge import Destination, OutboxState, load_document
from sync.sandbox.dmp_store import DmpStore
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
RUN_SECONDS = (0.0, 1.0)


def _env(sandbox: Any, settings: Any) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELAIS_")}
    env.update(sandbox.env)
    env.update({
        "PYTHONPATH": str(PROJECT_ROOT), "RELAIS_DATA_DIR": str(settings.data_dir),
        "RELAIS_KEY_FILE": str(settings.key_file),
        "RELAIS_DMP_TIMEOUT_SECONDS": "2", "RELAIS_MSSANTE_TIMEOUT_SECONDS": "2",
        "RELAIS_SYNC_POLL_SECONDS": "1", "RELAIS_SYNC_PROBE_SECONDS": "1",
        "RELAIS_LOG_LEVEL": os.environ.get("RELAIS_FAULT_LOG_LEVEL", "WARNING")})
    return env


def _start(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as stderr:
        return subprocess.Popen(  # noqa: S603 - our own entry point
            [sys.executable, "-m", "sync"], env=env, cwd=PROJECT_ROOT,
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


def _states(db) -> dict[tuple[str, str], int]:  # type: ignore[no-untyped-def]
    return {(r["destination"], OutboxState(r["state"]).name): r["n"] for r in db.query(
        "SELECT destination, state, COUNT(*) AS n FROM outbox GROUP BY destination, state")}


def _pending(db) -> int:  # type: ignore[no-untyped-def]
    return int(db.query("SELECT COUNT(*) AS n FROM outbox WHERE state != ?",
                        (int(OutboxState.ACKNOWLEDGED),))[0]["n"])


def test_every_document_reaches_both_services_once_through_faults_and_sigkills(
        db, settings, sandbox, tmp_path: Path) -> None:
    env = _env(sandbox, settings)
    log = tmp_path / "sync.stderr"
    rng = random.Random(20261122)
    sandbox.switch.set(FaultSetting(Fault(delay_seconds=0.3, timeout_seconds=3),
                                    mix=FAULT_MIX, seed=CYCLES))
    residents = [admit(db, n) for n in range(RESIDENTS)]
    per_cycle = math.ceil(DOCUMENTS / CYCLES)
    queued: list[str] = []
    try:
        for _ in range(CYCLES):
            for _ in range(min(per_cycle, DOCUMENTS - len(queued))):
                serial = str(100000 + len(queued))
                queued.append(queue_n1(db, residents[len(queued) % RESIDENTS], serial,
                                       recipients=(DOCTOR_BOX,)))
            _fast_forward(db)
            process = _start(env, log)
            _wait_until_sending(db, process)
            time.sleep(rng.uniform(*RUN_SECONDS))
            process.send_signal(signal.SIGKILL)
            process.wait()
    finally:
        sandbox.switch.clear()
    assert len(queued) == DOCUMENTS

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

    assert _states(db) == {("dmp", "ACKNOWLEDGED"): DOCUMENTS,
                           ("mssante", "ACKNOWLEDGED"): DOCUMENTS}, \
        log.read_text(errors="replace")[-3000:]
    unique_ids = {load_document(db, doc).unique_id for doc in queued}
    registered = DmpStore(sandbox.directory).registration_counts()
    assert set(registered) == unique_ids, "DMP: a document was lost or an unknown one registered"
    assert set(registered.values()) == {1}, "DMP: a document was registered twice"
    received = sandbox.ledger.document_counts()
    assert set(received) == unique_ids, "MSSanté: a document was lost or an unknown one received"
    assert set(received.values()) == {1}, "MSSanté: a document was received twice"
    claims = db.query("SELECT destination, SUM(attempts) AS n FROM outbox GROUP BY destination")
    recorded = db.query("SELECT o.destination, COUNT(*) AS n FROM delivery_attempts a "
                        "JOIN outbox o ON o.id = a.outbox_id GROUP BY o.destination")
    assert sum(r["n"] for r in claims) > sum(r["n"] for r in recorded), \
        "no SIGKILL ever landed during a delivery"
    retries = {r["destination"]: r["n"] for r in db.query(
        "SELECT o.destination, COUNT(*) AS n FROM delivery_attempts a JOIN outbox o "
        "ON o.id = a.outbox_id WHERE a.outcome = 'retry' GROUP BY o.destination")}
    assert set(retries) == {Destination.DMP.value, Destination.MSSANTE.value}, \
        f"an injected fault was never seen by one service: {retries}"
    assert db.query("SELECT COUNT(*) AS n FROM receipts WHERE kind = 'mdn'")[0]["n"] == DOCUMENTS
