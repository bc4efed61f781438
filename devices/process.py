"""The devices process (`python -m devices`): settings → record → transports → supervisor.

Starts one serial reader per `devices_serial` entry, the MLLP listener unless `devices_mllp_port`
is 0, and the BLE transport when `devices_ble` is 1
(`devices.ble.transport.bleak_transport`, a `devices.transport.Transport`).
Every transport's readings are stored by one group-commit writer (`devices.group_commit`): many
readings per transaction and fsync, each acknowledged only after its COMMIT.
SIGTERM and SIGINT stop everything cleanly (transports first, then the writer stores what is
queued); a transport that crashes is restarted.
"""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Mapping
from types import FrameType

from devices.group_commit import GroupCommitWriter
from devices.hl7.transport import MllpListener
from devices.ingest import Ingestor
from devices.supervisor import Supervisor
from devices.transport import Transport
from devices.wired import SERIAL_PROTOCOLS, SerialTransport
from edge import (
    Database,
    EdgeError,
    SettingInvalid,
    Settings,
    configure_logging,
    load_settings,
    open_record,
    serial_devices,
)

_LOGGER = logging.getLogger(__name__)
EXIT_SETTINGS = 2


def build_transports(settings: Settings, db: Database) -> list[Transport]:
    """The transports the settings ask for.

    :raises SettingInvalid: an unknown serial protocol.
    """
    transports: list[Transport] = []
    for protocol, url in serial_devices(settings.devices_serial):
        if protocol not in SERIAL_PROTOCOLS:
            raise SettingInvalid("devices_serial", f"'{protocol}' is not a serial protocol",
                                 f"Use one of {', '.join(sorted(SERIAL_PROTOCOLS))}.")
        transports.append(SerialTransport(protocol, url))
    if settings.devices_mllp_port:
        transports.append(MllpListener(settings.devices_mllp_host, settings.devices_mllp_port))
    if settings.devices_ble:
        transports.append(_ble_transport(settings, db))
    return transports


def _ble_transport(settings: Settings, db: Database) -> Transport:
    # Imported here: bleak (and D-Bus) is needed only when BLE is turned on.
    from devices.ble.transport import bleak_transport  # noqa: PLC0415

    return bleak_transport(db, settings.devices_ble_adapter)


def run(environ: Mapping[str, str]) -> int:
    """Run until SIGTERM/SIGINT; return the exit status."""
    try:
        settings = load_settings(environ)
    except SettingInvalid as exc:
        print(f"python -m devices: {exc}", file=sys.stderr)
        return EXIT_SETTINGS
    configure_logging(settings.log_level)
    try:
        db = open_record(settings)
    except EdgeError as exc:
        _LOGGER.error("devices process cannot start: %s", exc)
        return EXIT_SETTINGS
    try:
        transports = build_transports(settings, db)
    except EdgeError as exc:
        db.close()
        _LOGGER.error("devices process cannot start: %s", exc)
        return EXIT_SETTINGS
    writer = GroupCommitWriter(db).start()
    supervisor = Supervisor(Ingestor(db, writer=writer), transports)

    def _stop(signum: int, _frame: FrameType | None) -> None:
        _LOGGER.info("signal %s: stopping", signum)
        supervisor.stop_event.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        supervisor.start()
        _LOGGER.info("devices process ready (%d transports: %s)", len(transports),
                     "; ".join(t.name for t in transports) or "none")
        supervisor.wait()
    finally:
        supervisor.stop()
        writer.stop()
        db.close()
        _LOGGER.info("devices process stopped")
    return 0
