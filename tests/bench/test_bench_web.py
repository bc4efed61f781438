"""Benchmark: the signed-in Résidents list under 16 concurrent connections, against a bare Flask page.

The record holds 150 residents with two years of vital signs (two full sets a day), a few of them
deteriorating so that alerts are open. It is built once through the `edge` API in batched
transactions and cached under the system's temporary directory (keyed by its size and a format
number); each run copies it to a fresh data directory. Then, in the same run and on the same machine:

- `python -m web` (waitress) serves the record; a load generator in this process (threads, one
  keep-alive `http.client` connection each, on 127.0.0.1) requests the Résidents list of a signed-in
  nurse for a fixed time: requests/s and latency percentiles;
- a bare Flask page of the same byte size, served by waitress with the same thread count, under the
  same load.

Figures: requests/s of both, the ratio (target ≥ 0.5), p50/p99 latency of the list (target p99 <
150 ms on a 2-core machine), and the resident set size of the web process idle right after start and
after the run. Smoke size in the normal test run; ``RELAIS_BENCH=1`` for the real figures (then the
ratio is checked against the 0.5 target; the latency target is printed, not asserted).

Where the list's time goes once the page is kept (`web.page_cache`: the whole page is reused
while the record, banners, session and language are the same): checking the session in the record
(session, account, second factors), reading one row of change counters to learn that nothing shown
changed, the banners (last probes of the national services), and the audit entry of the page view
(naming the 150 residents shown; HMAC-chained, sealed, committed with an fsync shared by the
concurrent requests) — about 1.9 ms of CPU per request under one interpreter lock, against about
0.2 ms for the bare page in Flask's own test client; waitress adds the same to both. Hence a ratio
of about a quarter, not the 0.5 target: the remaining work is the per-request duties, which stay.
"""

from __future__ import annotations

import http.client
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from edge.config import SETTINGS_BY_NAME, Settings, load_settings
from edge.datadir import initialise, open_record
from edge.factors import set_pin
from edge.ins import validate_traits
from edge.notes import add_note
from edge.observations import NewObservation, insert_observations
from edge.record import CaptureMethod, Role, new_id
from edge.residents import admit_resident
from edge.sessions import complete_second_factor, find_session, open_session
from edge.storage import Database, iso
from edge.users import add_user
from web.security.cookies import PLAIN_SESSION_COOKIE, SECURE_SESSION_COOKIE

pytestmark = pytest.mark.bench
FULL = os.environ.get("RELAIS_BENCH") == "1"
RESIDENTS = 150 if FULL else 12
DAYS = 730 if FULL else 7
SECONDS = 20.0 if FULL else 2.0
WARM_UP_SECONDS = 3.0 if FULL else 0.5
CONNECTIONS = 16
THREADS = 8
RATIO_TARGET = 0.5
"""The issue's target, asserted at full size. Not reached on a 2-core machine (0.20-0.23 with the
kept page, 0.09-0.13 before): the full-size run fails until the list gets there (see the module
docstring for where the time goes)."""
RECORD_FORMAT = 1
"""Bump when the generated record changes, so a cached copy is rebuilt."""
PROJECT_ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "phrase de passe du banc d'essai"  # noqa: S105 - throw-away benchmark record
SERVER_START_TIMEOUT_S = 120.0
_FAMILY = ("MARTIN", "BERNARD", "THOMAS", "PETIT", "ROBERT", "RICHARD", "DURAND", "DUBOIS",
           "MOREAU", "LAURENT", "SIMON", "MICHEL", "LEFEBVRE", "LEROY", "ROUX", "DAVID")
_GIVEN = ("MARIE", "JEANNE", "PIERRE", "LOUIS", "SIMONE", "ANDRÉ", "HÉLÈNE", "MARCEL")
_UNITS = {"9279-1": "/min", "2708-6": "%", "3151-8": "L/min", "8480-6": "mm[Hg]",
          "8462-4": "mm[Hg]", "8867-4": "/min", "80288-4": "{ACVPU}", "8310-5": "Cel"}


@dataclass(frozen=True, slots=True)
class LoadResult:
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]
    body_bytes: int

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


# -- the record ---------------------------------------------------------------------------------

def _vitals(rng: random.Random, sick: float) -> dict[str, float]:
    return {
        "9279-1": round(rng.gauss(16, 1.5) + sick * 12),
        "2708-6": min(100, round(rng.gauss(96, 1) - sick * 9)), "3151-8": 0,
        "8480-6": round(rng.gauss(132, 10) - sick * 40),
        "8462-4": round(rng.gauss(76, 7) - sick * 20), "8867-4": round(rng.gauss(74, 7) + sick * 45),
        "80288-4": 0, "8310-5": round(rng.gauss(36.8, 0.3) + sick * 2.2, 1),
    }


def _fill(db: Database, nurse: str, carer: str, now: datetime) -> None:
    rng = random.Random(2026)
    deteriorating = set(rng.sample(range(RESIDENTS), max(1, RESIDENTS // 30)))
    for index in range(RESIDENTS):
        traits = validate_traits(birth_family_name=_FAMILY[index % len(_FAMILY)],
                                 birth_given_names=_GIVEN[index % len(_GIVEN)],
                                 birth_date=date(1925 + index % 20, 1 + index % 12, 1 + index % 28),
                                 sex="F" if index % 2 else "M", birthplace="75056", today=now.date())
        resident = admit_resident(db, nurse, traits, room=f"{100 + index}")
        moments = [now.replace(hour=hour, minute=rng.randint(0, 59), second=0, microsecond=0)
                   - timedelta(days=day) for day in range(DAYS, -1, -1) for hour in (8, 20)]
        moments = [moment for moment in moments if moment < now]
        for start in range(0, len(moments), 120):  # two months of sets per transaction
            with db.write() as conn:
                for moment in moments[start:start + 120]:
                    days_left = (now - moment).days
                    sick = max(0.0, 1 - days_left / 3) if index in deteriorating else 0.0
                    values = _vitals(rng, sick)
                    insert_observations(db, conn, [
                        NewObservation(code, _UNITS[code], value, CaptureMethod.TYPED, iso(moment),
                                       resident, carer) for code, value in values.items()],
                        new_id(), actor_id=carer)
        add_note(db, resident, carer, "Sommeil", "Nuit calme.", "Surveillance.", "Dort.")


def _build(target: Path) -> None:
    """Build the benchmark record into ``target`` (data/ and the key file)."""
    settings = load_settings({}, {"data_dir": target / "data", "key_file": target / "relais.key"})
    initialise(settings)
    db = open_record(settings)
    try:
        nurse = add_user(db, None, "ide.bench", "IDE du banc", Role.INFIRMIER, PASSWORD)
        carer = add_user(db, None, "as.bench", "AS du banc", Role.AIDE_SOIGNANT, PASSWORD)
        set_pin(db, nurse, "2580")
        _fill(db, nurse, carer, datetime.now(UTC))
    finally:
        db.close()


def _cached_record() -> Path:
    """The built record for this size, from the cache or built now (atomically renamed in)."""
    cache = Path(tempfile.gettempdir()) / "relais-bench-web"
    final = cache / f"r{RESIDENTS}-d{DAYS}-f{RECORD_FORMAT}"
    if (final / "data" / "relais.db").exists():
        return final
    cache.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix="building-", dir=cache))
    try:
        _build(building)
        building.rename(final)
    except OSError:
        if not final.exists():
            raise
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return final


@pytest.fixture(scope="module")
def bench_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    source = _cached_record()
    base = tmp_path_factory.mktemp("bench-web")
    shutil.copytree(source / "data", base / "data")
    shutil.copy2(source / "relais.key", base / "relais.key")
    environ = {"RELAIS_DATA_DIR": str(base / "data"), "RELAIS_KEY_FILE": str(base / "relais.key")}
    return load_settings(environ)


# -- the servers --------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS for process {pid}")


def _wait_for(process: subprocess.Popen[bytes], port: int, path: str, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with code {process.returncode}:\n"
                        f"{log.read_text(errors='replace')[-3000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path)
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"the server did not answer within {SERVER_START_TIMEOUT_S} s:\n"
                f"{log.read_text(errors='replace')[-3000:]}")


def _env(extra: dict[str, str]) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("RELAIS_")}
    env.update(extra)
    env["PYTHONPATH"] = str(PROJECT_ROOT)
    return env


@pytest.fixture(scope="module")
def web_server(bench_settings: Settings, tmp_path_factory: pytest.TempPathFactory
               ) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    port = _free_port()
    wanted = {"data_dir": bench_settings.data_dir, "key_file": bench_settings.key_file,
              "web_host": "127.0.0.1", "web_port": port, "web_threads": THREADS,
              "log_level": "WARNING"}
    extra = {SETTINGS_BY_NAME[name].env_var: str(value) for name, value in wanted.items()
             if name in SETTINGS_BY_NAME}
    log = tmp_path_factory.mktemp("web-log") / "web.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "web"], cwd=PROJECT_ROOT, env=_env(extra),
                                   stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_for(process, port, "/health", log)
        yield process, port
    finally:
        process.terminate()
        process.wait(timeout=20)


_BARE_APP = """
import sys
import waitress
from flask import Flask, Response
size, port, threads = (int(arg) for arg in sys.argv[1:4])
body = (b"<!doctype html><title>x</title>" + b"x" * size)[:size]
app = Flask("bare")

@app.get("/")
def page():
    return Response(body, mimetype="text/html")

waitress.serve(app, host="127.0.0.1", port=port, threads=threads, ident="relais", _quiet=True)
"""


@pytest.fixture
def bare_server(tmp_path: Path) -> Iterator[Callable[[int], int]]:
    processes: list[subprocess.Popen[bytes]] = []

    def start(size: int) -> int:
        port = _free_port()
        log = tmp_path / f"bare-{port}.log"
        with log.open("wb") as out:
            process = subprocess.Popen([sys.executable, "-c", _BARE_APP, str(size), str(port),
                                        str(THREADS)], env=_env({}), stdout=out,
                                       stderr=subprocess.STDOUT)
        processes.append(process)
        _wait_for(process, port, "/", log)
        return port

    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=20)


# -- signing in and loading ---------------------------------------------------------------------

def _session_cookie(settings: Settings) -> str:
    """A signed-in shift session of the benchmark nurse, opened in the record (no sign-in pages)."""
    db = open_record(settings)
    try:
        now = datetime.now(UTC)
        user_id = db.query("SELECT id FROM users WHERE role = ?", (Role.INFIRMIER.value,))[0]["id"]
        pending = find_session(db, open_session(db, user_id, now))
        assert pending is not None
        token = complete_second_factor(db, pending, "totp", now, timedelta(hours=12))
    finally:
        db.close()
    name = SECURE_SESSION_COOKIE if settings.web_secure_cookies else PLAIN_SESSION_COOKIE
    return f"{name}={token}"


def _get(port: int, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def _residents_path(port: int, headers: dict[str, str]) -> str:
    """Where a signed-in nurse lands: the start page sends them to the Résidents list."""
    status, response_headers, _ = _get(port, "/", headers)
    assert status in (301, 302, 303, 307), f"the start page answered {status}, not a redirect"
    location = urllib.parse.urlsplit(response_headers["Location"])
    return location.path + (f"?{location.query}" if location.query else "")


def _load(port: int, path: str, headers: dict[str, str], seconds: float) -> LoadResult:
    latencies: list[list[float]] = [[] for _ in range(CONNECTIONS)]
    errors = [0] * CONNECTIONS
    sizes = [0] * CONNECTIONS
    start_gate = threading.Barrier(CONNECTIONS + 1)
    stop_at: list[float] = [0.0]

    def worker(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        start_gate.wait()
        while time.perf_counter() < stop_at[0]:
            began = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException):
                errors[index] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                continue
            latencies[index].append((time.perf_counter() - began) * 1000)
            if response.status != 200:
                errors[index] += 1
            sizes[index] = len(body)
        conn.close()

    threads = [threading.Thread(target=worker, args=(index,), daemon=True)
               for index in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    stop_at[0] = began + seconds
    start_gate.wait()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    elapsed = time.perf_counter() - began
    flat = [value for per_thread in latencies for value in per_thread]
    return LoadResult(len(flat), sum(errors), elapsed, flat, max(sizes))


def test_residents_list_under_load_compared_with_a_bare_page_of_the_same_size(
        web_server: tuple[subprocess.Popen[bytes], int], bench_settings: Settings,
        bare_server: Callable[[int], int]) -> None:
    process, port = web_server
    idle_rss = _rss_kib(process.pid)
    headers = {"Cookie": _session_cookie(bench_settings), "Accept-Language": "fr"}
    path = _residents_path(port, headers)
    status, _, body = _get(port, path, headers)
    assert status == 200, f"the Résidents list answered {status}"
    assert "Résidents".encode() in body
    _load(port, path, headers, WARM_UP_SECONDS)
    page = _load(port, path, headers, SECONDS)
    busy_rss = _rss_kib(process.pid)
    assert page.errors == 0, f"{page.errors} failed requests on the Résidents list"

    bare_port = bare_server(len(body))
    _load(bare_port, "/", {}, WARM_UP_SECONDS)
    bare = _load(bare_port, "/", {}, SECONDS)
    assert bare.errors == 0
    assert abs(bare.body_bytes - page.body_bytes) <= max(64, page.body_bytes // 20)

    ratio = page.per_second / bare.per_second
    print(f"\nweb bench ({RESIDENTS} residents, {DAYS} days, {CONNECTIONS} connections, "
          f"{SECONDS:.0f} s): Résidents list {page.per_second:.1f} req/s, "
          f"p50 {statistics.median(page.latencies_ms):.0f} ms, p99 {page.percentile(0.99):.0f} ms "
          f"(target < 150), {page.body_bytes} bytes; bare Flask page {bare.per_second:.1f} req/s, "
          f"p99 {bare.percentile(0.99):.0f} ms; ratio {ratio:.2f} (target >= 0.5); "
          f"web RSS idle {idle_rss / 1024:.0f} MiB, after the run {busy_rss / 1024:.0f} MiB")
    if FULL:
        assert ratio >= RATIO_TARGET, f"ratio {ratio:.2f} is under the target {RATIO_TARGET}"
