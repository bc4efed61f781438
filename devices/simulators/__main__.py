"""`python -m devices.simulators`: simulated devices for the demo and for tests, no hardware needed.

Each serial protocol gets a pty pair whose slave is reachable through a stable link in `--dir`
(printed, with the `RELAIS_DEVICES_SERIAL` value that makes the devices process read them); an
HL7 monitor sends to the MLLP listener at `--mllp`. Values wander realistically; `--faults` is the
share of frames spoilt by garbage, a cut or the device being switched off mid-frame.
"""

from __future__ import annotations

import logging
import random
import signal
import sys
import threading
from datetime import datetime
from pathlib import Path
from types import FrameType

import click

from devices.simulators.monitor import Monitor, make_message
from devices.simulators.serial_device import (
    SERIAL_SIMULATED,
    Fault,
    PtySerialDevice,
    Vitals,
    draw_fault,
    frame_for,
)

_LOGGER = logging.getLogger(__name__)
CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}
DEFAULT_PROTOCOLS = "nonin8,nonin13,and-st-gs,seca,tanita"
OFF_SECONDS = (1.0, 3.0)


def _run_serial(device: PtySerialDevice, interval: float, faults: float, rng: random.Random,
                stop: threading.Event) -> None:
    vitals = Vitals()
    while not stop.is_set():
        if not device.plugged:
            device.plug()
        vitals.wander(rng)
        fault = draw_fault(rng, faults)
        device.send(frame_for(device.protocol, vitals, datetime.now()), fault, rng)
        if fault is Fault.SWITCHED_OFF:
            stop.wait(rng.uniform(*OFF_SECONDS))
        stop.wait(interval)
    device.unplug()


def _run_monitor(host: str, port: int, interval: float, faults: float, rng: random.Random,
                 stop: threading.Event) -> None:
    monitor, vitals, number = Monitor(host, port), Vitals(), 1
    control_id, message = make_message(monitor.identity, number, vitals, rng, datetime.now())
    while not stop.is_set():
        try:
            if monitor.send(control_id, message, draw_fault(rng, faults), rng) == "AA":
                number += 1
                vitals.wander(rng)
                control_id, message = make_message(monitor.identity, number, vitals, rng,
                                                   datetime.now())
        except OSError as exc:
            _LOGGER.info("monitor: %s; retrying", exc)
            monitor.close()
        stop.wait(interval)
    monitor.close()


@click.command(context_settings=CONTEXT_SETTINGS)
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path),
              default=Path("relais-sim"), show_default=True,
              help="Where the stable links to the simulated serial ports are made.")
@click.option("--protocols", default=DEFAULT_PROTOCOLS, show_default=True,
              help=f"Serial devices to simulate, comma-separated ({', '.join(SERIAL_SIMULATED)}).")
@click.option("--mllp", default="127.0.0.1:2575", show_default=True,
              help="HOST:PORT of the MLLP listener for the simulated monitor; empty for none.")
@click.option("--interval", type=float, default=5.0, show_default=True,
              help="Seconds between two readings of one device.")
@click.option("--faults", type=float, default=0.05, show_default=True,
              help="Share of frames spoilt (garbage, cut short, switched off).")
@click.option("--seed", type=int, default=None, help="Random seed, for a repeatable run.")
def main(directory: Path, protocols: str, mllp: str, interval: float, faults: float,
         seed: int | None) -> None:
    """Run simulated devices until interrupted."""
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    rng = random.Random(seed)
    stop = threading.Event()
    directory.mkdir(parents=True, exist_ok=True)
    names = [name.strip() for name in protocols.split(",") if name.strip()]
    unknown = [name for name in names if name not in SERIAL_SIMULATED]
    if unknown:
        raise click.BadParameter(f"no simulator for {', '.join(unknown)}", param_hint="--protocols")
    threads = []
    pairs = []
    for name in names:
        device = PtySerialDevice(name, directory.resolve() / name)
        device.plug()
        pairs.append(f"{name}={device.port}")
        click.echo(f"serial {name} {device.port}")
        threads.append(threading.Thread(target=_run_serial, daemon=True, args=(
            device, interval, faults, random.Random(rng.random()), stop)))
    if mllp:
        host, _, port = mllp.rpartition(":")
        click.echo(f"mllp monitor -> {host}:{port}")
        threads.append(threading.Thread(target=_run_monitor, daemon=True, args=(
            host, int(port), interval, faults, random.Random(rng.random()), stop)))
    click.echo(f"RELAIS_DEVICES_SERIAL={','.join(pairs)}", nl=True)
    sys.stdout.flush()

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    for thread in threads:
        thread.start()
    while not stop.wait(0.5):
        pass
    for thread in threads:
        thread.join(5)


if __name__ == "__main__":
    main()
