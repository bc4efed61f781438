"""`python -m sync` as a process against the sandbox DMP on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sync_samples import admit, queue_n1, with_status

from edge import IdentityStatus, OutboxState, list_outbox, replay

pytestmark = pytest.mark.integration
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _env(settings: Any) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELAIS_")}
    env.update({
        "PYTHONPATH": str(PROJECT_ROOT), "RELAIS_DATA_DIR": str(settings.data_dir),
        "RELAIS_KEY_FILE": str(settings.key_file), "RELAIS_FINESS": settings.finess,
        "RELAIS_DMP_URL": settings.dmp_url, "RELAIS_DMP_CLIENT_CERT": str(settings.dmp_client_cert),
        "RELAIS_DMP_CLIENT_KEY": str(settings.dmp_client_key),
        "RELAIS_DMP_CA_BUNDLE": str(settings.dmp_ca_bundle),
        "RELAIS_DMP_HOMOLOGATION_ID": settings.dmp_homologation_id, "RELAIS_SYNC_POLL_SECONDS": "1"})
    return env


def _once(env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(  # noqa: S603 - our own entry point
        [sys.executable, "-m", "sync", "--once", "--destination", "dmp"], env=env,
        cwd=PROJECT_ROOT, capture_output=True, timeout=120, check=False)


def test_a_non_qualified_identity_never_reaches_the_dmp_even_when_an_admin_replays_it(
        db, settings, dmp_sandbox) -> None:
    qualified = admit(db, 1)
    doubtful = with_status(admit(db, 2), IdentityStatus.RECUP)
    sent = queue_n1(db, qualified, "11")
    kept = queue_n1(db, doubtful, "21")
    env = _env(dmp_sandbox.adapter_settings(settings))
    assert _once(env).returncode == 0
    rows = {row.document_id: row for row in list_outbox(db)}
    assert rows[sent].state is OutboxState.ACKNOWLEDGED
    assert rows[kept].state is OutboxState.BLOCKED
    assert "non qualifiée" in (rows[kept].blocked_reason or "")
    replay(db, rows[kept].id, "admin")
    finished = _once(env)
    assert finished.returncode == 0, finished.stderr.decode(errors="replace")
    assert next(r for r in list_outbox(db) if r.document_id == kept).state is OutboxState.DEAD
    received = dmp_sandbox.server.store.raw_requests()
    assert len(received) == 1
    assert qualified.matricule.encode() in received[0]
    assert all(doubtful.matricule.encode() not in raw for raw in received)


def test_the_worker_delivers_probes_and_stops_cleanly_on_sigterm(db, settings, dmp_sandbox
                                                                 ) -> None:
    resident = admit(db, 3)
    for serial in ("31", "32", "33"):
        queue_n1(db, resident, serial)
    process = subprocess.Popen(  # noqa: S603 - our own entry point
        [sys.executable, "-m", "sync"], env=_env(dmp_sandbox.adapter_settings(settings)),
        cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and any(
                row.state is not OutboxState.ACKNOWLEDGED for row in list_outbox(db)):
            time.sleep(0.2)
        assert {row.state for row in list_outbox(db)} == {OutboxState.ACKNOWLEDGED}
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr.decode(errors="replace")
    probes = db.query("SELECT destination, reachable FROM endpoint_probes ORDER BY destination")
    assert [(p["destination"], p["reachable"]) for p in probes][0] == ("dmp", 1)
