"""`relais demo`: prepare a demo data directory and run the appliance's processes as children.

The runnables are started by command line (``python -m web`` …), never imported, so `edge` stays
independent of them: the national services' stand-in first (``python -m sync.sandbox``, whose
printed settings point ``python -m sync`` at it), the device simulators on pty pairs and the MLLP
port, then the devices, sync and web processes. Each child's stderr goes to ``<data dir>/logs``;
one that stops at start is reported with its last log line and the others carry on.
"""

from __future__ import annotations

import json
import os
import random
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from edge.config import Settings
from edge.datadir import initialise, is_initialised, open_record
from edge.demo_data import DEMO_PASSWORD, DEMO_PIN, DEMO_STAFF, DEMO_TOTP_SECRET, create_demo_data
from edge.device_registry import DeviceBinding, DeviceTransport, pair_device, register_device
from edge.errors import SettingInvalid
from edge.record import Role
from edge.storage import Database

DEMO_KEY_NAME = "INSECURE-demo.key"
DEMO_HOME = "EHPAD de démonstration Les Tilleuls"
DEMO_FINESS = "999999999"
START_GRACE_SECONDS = 3.0
SANDBOX_START_SECONDS = 30.0
SIMULATED_SERIAL = ("nonin8", "nonin13", "and-st-gs", "seca", "tanita")
MONITOR_IDENTITY = "VSMON^0123456789ABCDEF^EUI-64"
_PERSONAL = ((DeviceTransport.SERIAL, "nonin8", "Oxymètre de chevet"),
             (DeviceTransport.SERIAL, "tanita", "Balance de la chambre"),
             (DeviceTransport.MLLP, "hl7", "Moniteur de surveillance"))
_SHARED = (("nonin13", "Oxymètre du chariot de soins"), ("and-st-gs", "Pèse-personne du 1er étage"),
           ("seca", "Chaise-balance seca"))
Echo = Callable[[str], None]


def prepare_demo(settings: Settings, *, reset: bool, residents: int, rng: random.Random,
                 echo: Echo) -> Settings:
    """Create (or reuse) the demo data directory; return the settings the processes will use."""
    data_dir = settings.data_dir.resolve()
    key_file = (settings.key_file or data_dir / DEMO_KEY_NAME).resolve()
    settings = settings.replace(data_dir=data_dir, key_file=key_file, key_provider="file",
                                home_name=settings.home_name or DEMO_HOME,
                                finess=settings.finess or DEMO_FINESS)
    if reset and data_dir.exists():
        if not (data_dir / DEMO_KEY_NAME).exists():
            raise SettingInvalid("data_dir", f"{data_dir} is not a demo data directory",
                                 "--reset deletes only a directory made by `relais demo`.")
        shutil.rmtree(data_dir)
    if is_initialised(settings):
        echo(f"Using the existing demo data in {data_dir} (pass --reset to start afresh).")
        return settings
    echo(f"Creating a demo home in {data_dir} …")
    initialise(settings)
    db = open_record(settings)
    try:
        summary = create_demo_data(db, rng, datetime.now(UTC), residents=residents)
        paired = pair_demo_devices(db, data_dir / "simulators")
    finally:
        db.close()
    echo(f"{summary.residents} fictional residents, {summary.observations} vital signs, "
         f"{summary.notes} transmissions, {paired} simulated devices.")
    return settings


def pair_demo_devices(db: Database, simulators_dir: Path) -> int:
    """Register the simulated devices and pair them as a home would: a few personal, the rest
    shared (their readings wait in the unassigned inbox until a carer opens a resident)."""
    carer = db.query("SELECT id FROM users WHERE role = ? ORDER BY created_at LIMIT 1",
                     (Role.INFIRMIER.value,))
    residents = db.query("SELECT id FROM residents ORDER BY created_at LIMIT ?", (len(_PERSONAL),))
    if not carer or not residents:
        return 0
    paired = 0
    for (transport, protocol, name), resident in zip(_PERSONAL, residents, strict=False):
        address = (MONITOR_IDENTITY if transport == DeviceTransport.MLLP
                   else str(simulators_dir / protocol))
        device = register_device(db, transport.value, protocol, address, expected_interval_s=60)
        pair_device(db, device.id, carer[0][0], name=name, binding=DeviceBinding.PERSONAL,
                    resident_id=resident[0], expected_interval_s=60)
        paired += 1
    for protocol, name in _SHARED:
        device = register_device(db, DeviceTransport.SERIAL.value, protocol,
                                 str(simulators_dir / protocol), expected_interval_s=60)
        pair_device(db, device.id, carer[0][0], name=name, binding=DeviceBinding.SHARED,
                    expected_interval_s=60)
        paired += 1
    return paired


def _environment(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"RELAIS_DATA_DIR": str(settings.data_dir), "RELAIS_KEY_FILE": str(settings.key_file),
                "RELAIS_KEY_PROVIDER": "file", "RELAIS_HOME_NAME": settings.home_name,
                "RELAIS_FINESS": settings.finess, "RELAIS_DEMO": "1"})
    return env


@dataclass(slots=True)
class _Child:
    name: str
    process: subprocess.Popen[str]
    log: Path


def _start(name: str, argv: list[str], env: dict[str, str], logs: Path, *,
           stdout: int | None = None) -> _Child:
    log = logs / f"{name}.log"
    with log.open("a", encoding="utf-8") as handle:
        process = subprocess.Popen([sys.executable, "-m", *argv], env=env, stdout=stdout,
                                   stderr=handle, text=True)
    return _Child(name, process, log)


def _last_line(path: Path) -> str:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return "exited"
    return lines[-1] if lines else "exited"


def _read_line(child: _Child, timeout: float) -> str | None:
    """The first line the child prints on stdout, or None when it exits or stays silent."""
    assert child.process.stdout is not None
    ready, _, _ = select.select([child.process.stdout], [], [], timeout)
    return child.process.stdout.readline() if ready else None


def _start_sandbox(settings: Settings, env: dict[str, str], logs: Path,
                   echo: Echo) -> tuple[_Child | None, dict[str, str]]:
    """Start the national services' stand-in; return it and the settings pointing sync at it."""
    base = ["sync.sandbox", str(settings.data_dir / "sandbox"), "--finess", settings.finess,
            "--home-name", settings.home_name]
    for extra in ([], ["--no-imap"]):
        child = _start("sync.sandbox", base + extra, env, logs, stdout=subprocess.PIPE)
        line = _read_line(child, SANDBOX_START_SECONDS)
        if line:
            state = json.loads(line)
            if extra:
                echo("  sync.sandbox: without IMAP (install dovecot-imapd to read receipts)")
            return child, {key: str(value) for key, value in state["settings"].items()}
        child.process.wait(timeout=10)
        echo(f"  sync.sandbox: {_last_line(child.log)}")
    return None, {}


def run_demo(settings: Settings, *, echo: Echo) -> int:
    """Start the national services' stand-in, the device simulators and every runnable; print the
    address and logins, and wait until interrupted."""
    env = _environment(settings)
    logs = settings.data_dir / "logs"
    logs.mkdir(exist_ok=True)
    simulators = settings.data_dir / "simulators"
    children: list[_Child] = []
    sandbox, sandbox_settings = _start_sandbox(settings, env, logs, echo)
    if sandbox is not None:
        children.append(sandbox)
    mllp = f"{settings.devices_mllp_host}:{settings.devices_mllp_port}"
    children.append(_start("devices.simulators", [
        "devices.simulators", "--dir", str(simulators), "--mllp", mllp, "--interval", "5",
        "--faults", "0.05"], env, logs, stdout=subprocess.DEVNULL))
    serial = ",".join(f"{protocol}={simulators / protocol}" for protocol in SIMULATED_SERIAL)
    children.append(_start("devices", ["devices"], env | {"RELAIS_DEVICES_SERIAL": serial}, logs))
    sync_env = env | {key: value for key, value in sandbox_settings.items()
                      if key not in ("RELAIS_FINESS", "RELAIS_HOME_NAME")}
    children.append(_start("sync", ["sync"], sync_env, logs))
    children.append(_start("web", ["web"], env, logs))
    time.sleep(START_GRACE_SECONDS)
    running = []
    for child in children:
        if child.process.poll() is None:
            running.append(child)
        else:
            echo(f"  {child.name}: stopped at start ({_last_line(child.log)})")
    if any(child.name == "web" for child in running):
        echo(f"Tablet application: http://{settings.web_host}:{settings.web_port}/")
    echo(f"Demo logins (password « {DEMO_PASSWORD} »): "
         + ", ".join(f"{login} ({role.value})" for login, _, role in DEMO_STAFF))
    echo(f"Second factor: the code `relais demo --code` prints (or an authenticator app with the "
         f"secret {DEMO_TOTP_SECRET}); PIN after a lock: {DEMO_PIN}.")
    echo(f"Logs of each process: {logs}")
    if not running:
        return 1
    echo("Press Ctrl+C to stop.")
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        while any(child.process.poll() is None for child in running):
            time.sleep(0.5)
    except KeyboardInterrupt:
        echo("Stopping …")
    finally:
        _stop(running)
    return 0


def _interrupt(signum: int, frame: object) -> None:
    """SIGTERM (systemd, `timeout`) stops the demo like Ctrl+C: children first."""
    raise KeyboardInterrupt


def _stop(children: list[_Child]) -> None:
    for child in reversed(children):
        if child.process.poll() is None:
            child.process.send_signal(signal.SIGTERM)
    for child in reversed(children):
        try:
            child.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.process.kill()
            child.process.wait()
        if child.process.stdout is not None:
            child.process.stdout.close()


__all__ = ["pair_demo_devices", "prepare_demo", "run_demo"]
