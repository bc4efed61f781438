"""`relais demo`: prepare a demo data directory and run the appliance's processes as children.

The runnables are started by command line (``python -m web`` …), never imported, so `edge` stays
independent of them. A runnable that this version does not ship exits at once; the demo reports it
as unavailable and carries on with the others.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime

from edge.config import Settings
from edge.datadir import initialise, is_initialised, open_record
from edge.demo_data import DEMO_PASSWORD, DEMO_STAFF, create_demo_data
from edge.errors import SettingInvalid

DEMO_KEY_NAME = "INSECURE-demo.key"
DEMO_HOME = "EHPAD de démonstration Les Tilleuls"
DEMO_FINESS = "999999999"
RUNNABLES = ("web", "devices", "sync", "sync.sandbox")
START_GRACE_SECONDS = 2.0
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
    finally:
        db.close()
    echo(f"{summary.residents} fictional residents, {summary.observations} vital signs, "
         f"{summary.notes} transmissions.")
    return settings


def _environment(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"RELAIS_DATA_DIR": str(settings.data_dir), "RELAIS_KEY_FILE": str(settings.key_file),
                "RELAIS_KEY_PROVIDER": "file", "RELAIS_HOME_NAME": settings.home_name,
                "RELAIS_FINESS": settings.finess, "RELAIS_DEMO": "1"})
    return env


def run_demo(settings: Settings, *, echo: Echo) -> int:
    """Start every runnable, print the address and logins, and wait until interrupted."""
    env = _environment(settings)
    children = {name: subprocess.Popen([sys.executable, "-m", name], env=env,
                                       stderr=subprocess.PIPE, text=True)
                for name in RUNNABLES}
    time.sleep(START_GRACE_SECONDS)
    running = {}
    for name, child in children.items():
        if child.poll() is None:
            running[name] = child
            assert child.stderr is not None
            child.stderr.close()
        else:
            reason = (child.stderr.read().strip().splitlines() or ["exited"])[-1] \
                if child.stderr else "exited"
            echo(f"  {name}: not available ({reason})")
    if "web" in running:
        echo(f"Tablet application: http://{settings.web_host}:{settings.web_port}/")
    else:
        echo("The tablet application is not part of this version yet: the record can be "
             "inspected with `relais status` and the other commands.")
    echo(f"Demo logins (password « {DEMO_PASSWORD} »): "
         + ", ".join(f"{login} ({role.value})" for login, _, role in DEMO_STAFF))
    if not running:
        return 0
    echo("Press Ctrl+C to stop.")
    try:
        while any(child.poll() is None for child in running.values()):
            time.sleep(0.5)
    except KeyboardInterrupt:
        echo("Stopping …")
    finally:
        for child in running.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in running.values():
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
    return 0


__all__ = ["prepare_demo", "run_demo"]
