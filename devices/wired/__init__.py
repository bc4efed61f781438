"""Wired serial devices (Nonin, A&D-style scales, seca, Tanita): the port settings and the reader."""

from __future__ import annotations

from devices.wired.const import PORT_SETTINGS, SERIAL_PROTOCOLS, PortSettings
from devices.wired.transport import SerialTransport

__all__ = ["PORT_SETTINGS", "SERIAL_PROTOCOLS", "PortSettings", "SerialTransport"]
