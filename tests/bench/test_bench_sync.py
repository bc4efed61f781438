"""Benchmark: a week's backlog drained to both national services once the link returns, against a
bare client loop, with the Résidents page measured while it drains.

The backlog of a 100-bed home offline for a week: 30 transfers (a DLU and its FLUDT each) and
200 N1 documents, each to the DMP and to MSSanté (520 deliveries). The whole sandbox runs
(`python -m sync.sandbox`: DMP, SMTP, dovecot IMAP). While the link is down (the sandbox drops every
connection) `python -m sync --once` tries, finds the services unreachable and leaves the rows
waiting. Then the link returns and `python -m sync` starts: its first probe makes the waiting rows
due, it drains the outbox and reads the MSSanté receipts; the drain ends when every row is
acknowledged (DMP RegistryResponse, MSSanté MDN), process start-up included.

Figures, all from the same run on the same machine:

- total drain time and deliveries per second;
- the ratio to the sandbox's own ingestion rate for the same payloads sent by a bare client loop
  (DMP requests and MSSanté messages built beforehand, one `http.client` / `smtplib` connection
  each, as the adapters do; no record, no outbox, no receipts) to a second, fresh sandbox;
- the p50/p99 latency of the Résidents page (``GET /residents/`` on `python -m web`, a signed-in
  nurse, two tablets refreshing it back to back) during the drain, against the same page idle.

Smoke size unless ``RELAIS_BENCH=1``; at full size the ratio is checked against `RATIO_FLOOR`, a
regression floor (the issue gives no target for it; see the figures printed).
"""

from __future__ import annotations

import http.client
import os
import signal
import smtplib
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sync"))
from sync_samples import DOCTOR_BOX, admit, queue_n1, queue_transfer  # noqa: E402

from edge import Destination, OutboxState, load_document, render_pdf  # noqa: E402
from edge.config import SETTINGS_BY_NAME, Settings  # noqa: E402
from edge.factors import set_pin  # noqa: E402
from edge.record import Role  # noqa: E402
from edge.sessions import complete_second_factor, find_session, open_session  # noqa: E402
from edge.storage import Database  # noqa: E402
from edge.users import add_user  # noqa: E402
from sync.mssante import config_from_settings  # noqa: E402
from sync.mssante.message import build_message  # noqa: E402
from sync.sandbox.faults import FaultKind  # noqa: E402
from sync.sandbox.imap import DOVECOT  # noqa: E402
from sync.wiring import dmp_adapter  # noqa: E402
from tests.sync.conftest import RunningSandbox, start_sandbox  # noqa: E402
from web.security.cookies import PLAIN_SESSION_COOKIE, SECURE_SESSION_COOKIE  # noqa: E402

pytestmark = pytest.mark.bench
FULL = os.environ.get("RELAIS_BENCH") == "1"
TRANSFERS, N1 = (30, 200) if FULL else (2, 6)
RESIDENTS = 100 if FULL else 4
IDLE_SECONDS = 15.0 if FULL else 2.0
TABLETS = 2
RATIO_FLOOR = 0.3
"""A regression floor, asserted at full size (the issue sets no target for this ratio; a 2-core
machine reaches 0.38: the drain builds and signs each request,
renders each PDF, writes each outcome durably and reads the receipts over IMAP; the bare loop
sends bytes built beforehand)."""
PROJECT_ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "phrase de passe du banc d'essai"  # noqa: S105 - throw-away benchmark record
START_SECONDS = 120.0
DRAIN_LIMIT_SECONDS = 900.0


def _now() -> datetime:
    return datetime.now(UTC)


def _env(values: dict[str, str]) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("RELAIS_")}
    env.update(values)
    env["PYTHONPATH"] = str(PROJECT_ROOT)
    return env


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def sync_sandbox(tmp_path: Path) -> Iterator[RunningSandbox]:
    """The whole sandbox (DMP, SMTP, dovecot IMAP) on 127.0.0.1."""
    if not DOVECOT.exists():
        pytest.fail(f"{DOVECOT} is absent: the MSSanté sandbox needs dovecot-imapd")
    with start_sandbox(tmp_path / "sandbox") as running:
        yield running


# -- the Résidents page under a light load ------------------------------------------------------

@dataclass(frozen=True, slots=True)
class PageLatency:
    latencies_ms: list[float]
    errors: int

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _session_cookie(db: Database, settings: Settings) -> str:
    """A signed-in shift session of a nurse, opened in the record (no sign-in pages)."""
    user_id = add_user(db, None, "ide.bench", "IDE du banc", Role.INFIRMIER, PASSWORD)
    set_pin(db, user_id, "2580")
    now = _now()
    pending = find_session(db, open_session(db, user_id, now))
    assert pending is not None
    token = complete_second_factor(db, pending, "totp", now, timedelta(hours=12))
    name = SECURE_SESSION_COOKIE if settings.web_secure_cookies else PLAIN_SESSION_COOKIE
    return f"{name}={token}"


@contextmanager
def _web(settings: Settings, log: Path) -> Iterator[int]:
    """`python -m web` on the record; yields its port once it answers."""
    port = _free_port()
    wanted = {"data_dir": settings.data_dir, "key_file": settings.key_file,
              "web_host": "127.0.0.1", "web_port": port, "log_level": "WARNING"}
    extra = {SETTINGS_BY_NAME[name].env_var: str(value) for name, value in wanted.items()}
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own entry point
            [sys.executable, "-m", "web"], cwd=PROJECT_ROOT, env=_env(extra), stdout=out,
            stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            assert process.poll() is None, log.read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, "the web server did not answer"
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/health")
                conn.getresponse().read()
                conn.close()
                break
            except OSError:
                time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=20)


def _page_load(port: int, cookie: str, running: Callable[[], bool]) -> PageLatency:
    """`TABLETS` keep-alive connections requesting the Résidents page back to back while
    ``running()`` says so."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def tablet() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while running():
            began = time.perf_counter()
            try:
                conn.request("GET", "/residents/", headers={"Cookie": cookie})
                response = conn.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                with lock:
                    errors[0] += 1
                continue
            elapsed = (time.perf_counter() - began) * 1000
            with lock:
                if response.status == 200 and b"TESTEUR" in body.upper():
                    latencies.append(elapsed)
                else:
                    errors[0] += 1
        conn.close()

    threads = [threading.Thread(target=tablet) for _ in range(TABLETS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return PageLatency(latencies, errors[0])


def _one_page(port: int, cookie: str) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", "/residents/", headers={"Cookie": cookie})
    response = conn.getresponse()
    return f"{response.status} {response.read()[:3000]!r}"


def _for(seconds: float) -> Callable[[], bool]:
    until = time.monotonic() + seconds
    return lambda: time.monotonic() < until


# -- the delivery worker ------------------------------------------------------------------------

def _sync_env(sandbox: RunningSandbox, settings: Settings) -> dict[str, str]:
    return _env({**sandbox.env, "RELAIS_DATA_DIR": str(settings.data_dir),
                 "RELAIS_KEY_FILE": str(settings.key_file), "RELAIS_SYNC_POLL_SECONDS": "1",
                 "RELAIS_SYNC_PROBE_SECONDS": "1", "RELAIS_DMP_TIMEOUT_SECONDS": "30",
                 "RELAIS_MSSANTE_TIMEOUT_SECONDS": "30", "RELAIS_LOG_LEVEL": "WARNING"})


def _states(db: Database) -> dict[str, int]:
    return {OutboxState(r["state"]).name: r["n"] for r in db.query(
        "SELECT state, COUNT(*) AS n FROM outbox GROUP BY state")}


# -- the bare client loops ----------------------------------------------------------------------

def _client_context(bare: RunningSandbox) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(bare.pki.ca_cert))
    context.load_cert_chain(str(bare.pki.client_cert), str(bare.pki.client_key))
    return context


def _bare_dmp_seconds(bodies: list[tuple[str, bytes]], bare: RunningSandbox) -> float:
    url = urllib.parse.urlsplit(bare.endpoints["dmp"])
    context = _client_context(bare)
    start = time.perf_counter()
    for content_type, body in bodies:
        connection = http.client.HTTPSConnection(url.hostname or "127.0.0.1", url.port,
                                                 context=context, timeout=60)
        connection.request("POST", url.path, body=body, headers={"Content-Type": content_type})
        answer = connection.getresponse().read()
        assert b"ResponseStatusType:Success" in answer, answer[:500]
        connection.close()
    return time.perf_counter() - start


def _bare_smtp_seconds(messages: list[tuple[EmailMessage, str, list[str]]],
                       bare: RunningSandbox) -> float:
    host, _, port = bare.endpoints["smtp"].rpartition(":")
    context = _client_context(bare)
    start = time.perf_counter()
    for message, sender, recipients in messages:
        client = smtplib.SMTP(host, int(port), timeout=60)
        client.starttls(context=context)
        assert client.send_message(message, from_addr=sender, to_addrs=recipients) == {}
        client.quit()
    return time.perf_counter() - start


def _bare_payloads(db: Database, settings: Settings, bare: RunningSandbox, tmp_path: Path
                   ) -> tuple[list[tuple[str, bytes]], list[tuple[EmailMessage, str, list[str]]]]:
    """The same documents as the adapters send them, built beforehand for the bare sandbox."""
    bare_settings = bare.settings(settings.data_dir, settings.key_file)
    dmp = dmp_adapter(bare_settings, _now)
    sender = config_from_settings(bare_settings).sender
    bodies, messages = [], []
    for row in db.query("SELECT id, document_id, destination FROM outbox ORDER BY seq"):
        document = load_document(db, row["document_id"])
        if row["destination"] == Destination.DMP.value:
            request = dmp.request(document)
            bodies.append((request.content_type, request.body))
        else:
            message, recipients = build_message(document, row_id=row["id"], sender=sender,
                                                pdf=render_pdf(document.content), now=_now())
            messages.append((message, sender.mailbox, [r.address for r in recipients]))
    return bodies, messages


def test_a_week_of_backlog_drains_to_both_services_beside_the_residents_page(
        db: Database, settings: Settings, sync_sandbox: RunningSandbox, tmp_path: Path) -> None:
    sandbox = sync_sandbox
    residents = [admit(db, n) for n in range(RESIDENTS)]
    for n in range(TRANSFERS):
        queue_transfer(db, residents[n % RESIDENTS], str(1000 + n), recipients=(DOCTOR_BOX,))
    for n in range(N1):
        queue_n1(db, residents[n % RESIDENTS], str(5000 + n), recipients=(DOCTOR_BOX,))
    documents = 2 * TRANSFERS + N1
    deliveries = 2 * documents
    assert sum(_states(db).values()) == deliveries
    cookie = _session_cookie(db, settings)
    env = _sync_env(sandbox, settings)
    log = tmp_path / "sync.stderr"

    with _web(settings, tmp_path / "web.log") as port:
        idle = _page_load(port, cookie, _for(IDLE_SECONDS))
        assert idle.errors == 0, _one_page(port, cookie)

        sandbox.switch.set(FaultKind.OFFLINE)  # the link is down: tried, found unreachable
        with log.open("ab") as stderr:
            subprocess.run([sys.executable, "-m", "sync", "--once"],  # noqa: S603
                           env=env, cwd=PROJECT_ROOT, stderr=stderr, timeout=300, check=True)
        assert set(_states(db)) <= {"QUEUED", "WAITING"}
        assert {r["reachable"] for r in db.query("SELECT reachable FROM endpoint_probes")} == {0}
        sandbox.switch.clear()  # the link returns

        done = threading.Event()
        load: list[PageLatency] = []
        loader = threading.Thread(target=lambda: load.append(
            _page_load(port, cookie, lambda: not done.is_set())))
        start = time.perf_counter()
        with log.open("ab") as stderr:
            worker = subprocess.Popen([sys.executable, "-m", "sync"],  # noqa: S603
                                      env=env, cwd=PROJECT_ROOT, stderr=stderr)
        loader.start()
        try:
            while (states := _states(db)).get("ACKNOWLEDGED", 0) < deliveries:
                assert worker.poll() is None, log.read_text(errors="replace")[-3000:]
                assert not {"DEAD", "BLOCKED"} & set(states), log.read_text(errors="replace")[-3000:]
                assert time.perf_counter() - start < DRAIN_LIMIT_SECONDS, states
                time.sleep(0.1)
            drain_seconds = time.perf_counter() - start
        finally:
            done.set()
            loader.join()
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=30)
    busy = load[0]
    assert idle.latencies_ms and busy.latencies_ms and idle.errors == busy.errors == 0

    with start_sandbox(tmp_path / "bare", "--no-imap") as bare:
        bodies, messages = _bare_payloads(db, settings, bare, tmp_path)
        dmp_seconds = _bare_dmp_seconds(bodies, bare)
        smtp_seconds = _bare_smtp_seconds(messages, bare)
        assert set(bare.ledger.document_counts().values()) == {1}
    relais_rate = deliveries / drain_seconds
    bare_rate = deliveries / (dmp_seconds + smtp_seconds)
    ratio = relais_rate / bare_rate
    print(f"\nBacklog: {documents} documents x 2 services = {deliveries} deliveries, drained and "
          f"acknowledged in {drain_seconds:.1f} s ({relais_rate:.1f} deliveries/s, "
          f"{documents / drain_seconds:.1f} documents/s to both)"
          f"\nBare client loop to a fresh sandbox: {bare_rate:.1f} deliveries/s (DMP "
          f"{len(bodies) / dmp_seconds:.1f}/s, SMTP {len(messages) / smtp_seconds:.1f}/s); "
          f"ratio {ratio:.2f}"
          f"\nRésidents page ({RESIDENTS} residents, {TABLETS} tablets): idle p50 "
          f"{idle.percentile(0.5):.0f} ms p99 {idle.percentile(0.99):.0f} ms "
          f"({len(idle.latencies_ms)} requests); during the drain p50 "
          f"{busy.percentile(0.5):.0f} ms p99 {busy.percentile(0.99):.0f} ms "
          f"({len(busy.latencies_ms)} requests); p99 ratio "
          f"{busy.percentile(0.99) / idle.percentile(0.99):.1f}")
    if FULL:
        assert ratio >= RATIO_FLOOR
