"""Benchmark: a week's backlog drained to the DMP once the link returns, against a bare client loop.

The backlog of a 100-bed home offline for a week: 30 transfers (a DLU and its FLUDT each) and
200 N1 documents. The sandbox DMP first drops every connection (the link is down: each row is tried
and waits); then the link returns, a probe makes the waiting rows due, and the worker drains the
outbox. Figures: total time, documents per second, and the ratio to the sandbox's own ingestion
rate for the same payloads posted by a bare `http.client` loop (requests built beforehand, no
outbox, no record) to a fresh sandbox in the same run. The MSSanté half of the backlog is not
measured here yet. Smoke size unless ``RELAIS_BENCH=1`` (then the ratio must reach
`MIN_RATIO`).
"""

from __future__ import annotations

import http.client
import os
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sync"))
from sync_samples import FINESS, HOME_NAME, admit, queue_n1, queue_transfer  # noqa: E402

from edge import Destination, OutboxState, list_outbox, load_document  # noqa: E402
from sync.delivery import DeliveryWorker  # noqa: E402
from sync.sandbox.ca import ensure_pki  # noqa: E402
from sync.sandbox.dmp import SandboxDmp  # noqa: E402
from sync.sandbox.faults import FaultKind, FaultSwitch  # noqa: E402
from sync.wiring import dmp_adapter  # noqa: E402

pytestmark = pytest.mark.bench
FULL = os.environ.get("RELAIS_BENCH") == "1"
TRANSFERS, N1 = (30, 200) if FULL else (2, 6)
RESIDENTS = 100 if FULL else 4
MIN_RATIO = 0.5


def _now() -> datetime:
    return datetime.now(UTC)


def _bare_rate(messages: list[tuple[str, bytes]], server: SandboxDmp, pki) -> float:  # type: ignore[no-untyped-def]
    import ssl

    context = ssl.create_default_context(cafile=str(pki.ca_cert))
    context.load_cert_chain(str(pki.client_cert), str(pki.client_key))
    start = time.perf_counter()
    for content_type, body in messages:
        connection = http.client.HTTPSConnection("127.0.0.1", server.port, context=context,
                                                 timeout=60)
        connection.request("POST", "/si-dmp-server/v2/services/repository", body=body,
                           headers={"Content-Type": content_type})
        answer = connection.getresponse()
        assert b"ResponseStatusType:Success" in answer.read()
        connection.close()
    return len(messages) / (time.perf_counter() - start)


def test_a_week_of_backlog_drains_at_a_rate_close_to_the_sandbox_ingestion(
        db, settings, tmp_path: Path) -> None:
    residents = [admit(db, n) for n in range(RESIDENTS)]
    for n in range(TRANSFERS):
        queue_transfer(db, residents[n % RESIDENTS], str(1000 + n))
    for n in range(N1):
        queue_n1(db, residents[n % RESIDENTS], str(5000 + n))
    total = 2 * TRANSFERS + N1
    pki = ensure_pki(tmp_path / "pki", finess=FINESS, home_name=HOME_NAME, now=_now())
    switch = FaultSwitch(tmp_path / "sandbox")
    server = SandboxDmp(tmp_path / "sandbox", pki, switch=switch).start()
    bare_server = SandboxDmp(tmp_path / "bare", pki).start()
    try:
        run_settings = settings.replace(
            finess=FINESS, dmp_url=server.url, dmp_client_cert=pki.client_cert,
            dmp_client_key=pki.client_key, dmp_ca_bundle=pki.ca_cert, dmp_timeout_seconds=30)
        adapter = dmp_adapter(run_settings, _now)
        worker = DeliveryWorker(db, {Destination.DMP: adapter}, worker="bench", clock=_now,
                                rng=random.Random(1))
        switch.set(FaultKind.OFFLINE)
        worker.probe_all()
        while worker.run_pass().handled:
            pass
        assert {row.state for row in list_outbox(db, limit=10_000)} <= {
            OutboxState.WAITING, OutboxState.QUEUED}

        switch.clear()
        start = time.perf_counter()
        worker.probe_all()
        while worker.run_pass().handled:
            pass
        drain_seconds = time.perf_counter() - start
        rows = list_outbox(db, limit=10_000)
        assert [r.state for r in rows] == [OutboxState.ACKNOWLEDGED] * total
        relais_rate = total / drain_seconds

        messages = []
        for row in rows:
            message = adapter.request(load_document(db, row.document_id))
            messages.append((message.content_type, message.body))
        bare_rate = _bare_rate(messages, bare_server, pki)
    finally:
        server.stop()
        bare_server.stop()
    ratio = relais_rate / bare_rate
    print(f"\nDMP backlog: {total} documents drained in {drain_seconds:.1f} s "
          f"({relais_rate:.1f} docs/s); bare client loop to the sandbox: {bare_rate:.1f} docs/s; "
          f"ratio {ratio:.2f}")
    if FULL:
        assert ratio >= MIN_RATIO
