"""seca RS232 "new interface, index c" frames: markers, kinds, control bits and the CRC polynomial.

The manual excerpt available gives the layout and the CRC polynomial but neither the bytes the
CRC covers, nor the bit order of the control byte, nor the meaning of DISPTYPE. The choices
below are assumptions, marked as such, to check against a frame captured from a real scale.
"""

from __future__ import annotations

BAUD_RATE = 1200
PARITY = "E"
STX = 0x02
ETX = 0x03
END = b"\r\n\x03"
MAX_FRAME = 32

NEW_PROTOCOL = 0xA
"""High nibble of the first byte (KK_0): the "new protocol" identifier (kinds A0, A1, A4)."""

WEIGHT_KINDS = frozenset({0x0, 0x1})
SENSOR_KIND = 0x4
BODY_SIZE = {0x0: 7, 0x1: 7, 0x4: 6}
"""Decoded bytes between STX and CR for each kind, CRC included."""

CRC_POLYNOMIAL = 0x07
"""x^8 + x^2 + x + 1 (the manual's 0x107); assumed: initial value 0, over every byte before it."""
CRC_NOT_IMPLEMENTED = 0x00

MAX_DECIMALS = 4
"""Assumed: DISPTYPE is the number of digits after the decimal point."""

# Control byte 1 for kinds A0/A1, assumed bit 0 first in the manual's order.
CTRL_STABLE = 0x01
CTRL_LOW_BATTERY = 0x02
CTRL_HOLD = 0x04
CTRL_MINUS = 0x08
CTRL_NET = 0x10
CTRL_NOT_APPLICABLE = 0x20
CTRL_TEMPERATURE_DRIFT = 0x40
CTRL_ZERO_TIMEOUT = 0x80
