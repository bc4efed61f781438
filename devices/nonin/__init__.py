"""Nonin pulse oximeters over serial or Bluetooth SPP: data formats 2, 7, 8 and 13."""

from __future__ import annotations

from devices.nonin.framing import Format8Splitter, Format13Splitter, PacketSplitter
from devices.nonin.parser import (
    NoninFormat8,
    NoninPacket,
    NoninSpotCheck,
    format8_measurements,
    format13_measurements,
    packet_measurements,
    parse_format8,
    parse_format13,
    parse_packet,
)

__all__ = [
    "Format13Splitter",
    "Format8Splitter",
    "NoninFormat8",
    "NoninPacket",
    "NoninSpotCheck",
    "PacketSplitter",
    "format13_measurements",
    "format8_measurements",
    "packet_measurements",
    "parse_format13",
    "parse_format8",
    "parse_packet",
]
