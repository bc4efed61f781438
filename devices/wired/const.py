"""Line settings of each wired protocol (DEVICES.md §6) and the reconnection back-off."""

from __future__ import annotations

from dataclasses import dataclass

import serial

from devices.nonin.const import BAUD_RATE as NONIN_BAUD
from devices.seca.const import BAUD_RATE as SECA_BAUD
from devices.seca.const import PARITY as SECA_PARITY


@dataclass(frozen=True, slots=True)
class PortSettings:
    """What `serial.serial_for_url` is opened with (ptys and loop:// accept and ignore them)."""

    baudrate: int = 9600
    bytesize: int = serial.EIGHTBITS
    parity: str = serial.PARITY_NONE
    stopbits: float = serial.STOPBITS_ONE


PORT_SETTINGS: dict[str, PortSettings] = {
    "nonin2": PortSettings(NONIN_BAUD),
    "nonin7": PortSettings(NONIN_BAUD),
    "nonin8": PortSettings(NONIN_BAUD),
    "nonin13": PortSettings(NONIN_BAUD),
    "and-st-gs": PortSettings(9600),
    "seca": PortSettings(SECA_BAUD, parity=SECA_PARITY),
    "tanita": PortSettings(9600),
}
"""Tanita's rate was not in the captured manual: 9600 8N1 is the indicators' usual default."""

SERIAL_PROTOCOLS = frozenset(PORT_SETTINGS)
"""Protocols the serial transport reads (HL7 arrives over MLLP instead)."""

TIMED_PROTOCOLS = frozenset({"nonin13"})
"""Protocols whose readings carry the device's time: de-duplicated on what they say."""

READ_TIMEOUT_S = 0.5
"""How long a read waits for a first byte: only how soon an idle reader notices the stop event.
(At 0.05 s, twenty idle ports woke the process 400 times a second.)"""
FIRST_RETRY_S = 0.1
MAX_RETRY_S = 2.0
MAX_READ = 4096
