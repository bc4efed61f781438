"""seca scales with the RS232 interface (1200 baud, even parity): weight frames."""

from __future__ import annotations

from devices.seca.framing import SecaSplitter
from devices.seca.parser import SecaFrame, crc8, parse_seca, seca_measurements

__all__ = ["SecaFrame", "SecaSplitter", "crc8", "parse_seca", "seca_measurements"]
