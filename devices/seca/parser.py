"""Decoding one seca RS232 frame (STX, ASCII-hex body, CR LF ETX) and its body weight."""

from __future__ import annotations

import string
from dataclasses import dataclass
from decimal import Decimal

from devices import codes
from devices.errors import FrameRejected, RejectReason, truncated
from devices.measurement import Context, Flag, Measurement, measure
from devices.seca import const

_HEX = frozenset(string.hexdigits.encode())


def crc8(data: bytes) -> int:
    """CRC-8 with polynomial 0x07, initial value 0, no reflection."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ const.CRC_POLYNOMIAL) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


@dataclass(frozen=True, slots=True)
class SecaFrame:
    """One decoded frame. `value` is the signed reading with `decimals` places (kind A0/A1)."""

    kind: int
    digits: str
    decimals: int
    value: Decimal
    control: int
    control_2: int | None
    crc_checked: bool

    @property
    def stable(self) -> bool:
        """The scale says the weight is stable (assumed bit, see const)."""
        return bool(self.control & const.CTRL_STABLE)


def parse_seca(data: bytes) -> SecaFrame:
    """Decode one complete frame, STX to ETX.

    :raises FrameRejected: TRUNCATED, BAD_FRAMING, NOT_THIS_DEVICE, BAD_CHECKSUM,
        UNKNOWN_CODE, IMPOSSIBLE_VALUE (digits that are not BCD).
    """
    if len(data) < 1 + len(const.END):
        raise truncated("seca frame", 1 + len(const.END), len(data))
    if data[0] != const.STX or not data.endswith(const.END):
        raise FrameRejected(RejectReason.BAD_FRAMING, "seca frame must run from STX to CR LF ETX")
    text = data[1 : -len(const.END)]
    if not text or len(text) % 2 or any(byte not in _HEX for byte in text):
        raise FrameRejected(RejectReason.BAD_FRAMING, "seca body is not ASCII hex byte pairs")
    body = bytes.fromhex(text.decode("ascii"))
    if body[0] >> 4 != const.NEW_PROTOCOL:
        raise FrameRejected(
            RejectReason.NOT_THIS_DEVICE, f"seca identifier 0x{body[0]:02X} is not the new protocol"
        )
    kind = body[0] & 0x0F
    size = const.BODY_SIZE.get(kind)
    if size is None:
        raise FrameRejected(RejectReason.UNKNOWN_CODE, f"seca kind of data A{kind:X} is not known")
    if len(body) != size:
        raise FrameRejected(
            RejectReason.BAD_FRAMING, f"seca kind A{kind:X}: {len(body)} bytes, expected {size}"
        )
    crc = body[-1]
    if crc != const.CRC_NOT_IMPLEMENTED and crc8(body[:-1]) != crc:
        raise FrameRejected(RejectReason.BAD_CHECKSUM, "seca CRC mismatch")
    nibbles = body[1:4].hex()
    if kind == const.SENSOR_KIND:
        digits, decimals, control, control_2 = nibbles[:4], body[3], body[4], None
    else:
        digits, decimals, control, control_2 = nibbles[:5], int(nibbles[5], 16), body[4], body[5]
    if not digits.isdigit():
        raise FrameRejected(RejectReason.IMPOSSIBLE_VALUE, "seca weight digits are not BCD")
    if decimals > const.MAX_DECIMALS:
        raise FrameRejected(RejectReason.UNKNOWN_CODE, f"seca display type {decimals} is not known")
    magnitude = Decimal(int(digits)).scaleb(-decimals)
    return SecaFrame(
        kind=kind,
        digits=digits,
        decimals=decimals,
        value=-magnitude if control & const.CTRL_MINUS else magnitude,
        control=control,
        control_2=control_2,
        crc_checked=crc != const.CRC_NOT_IMPLEMENTED,
    )


def seca_measurements(frame: SecaFrame) -> tuple[Measurement, ...]:
    """The body weight in kg of a stable weight frame.

    :raises FrameRejected: NOT_STORABLE (a sensor-module frame), NO_MEASUREMENT (unstable,
        value not applicable, zero), IMPOSSIBLE_VALUE.
    """
    if frame.kind not in const.WEIGHT_KINDS:
        raise FrameRejected(RejectReason.NOT_STORABLE, f"seca kind A{frame.kind:X} carries no weight")
    if frame.control & const.CTRL_NOT_APPLICABLE:
        raise FrameRejected(RejectReason.NO_MEASUREMENT, "seca says the value is not applicable")
    if not frame.stable:
        raise FrameRejected(RejectReason.NO_MEASUREMENT, "seca weight is not stable")
    if frame.value == 0:
        raise FrameRejected(RejectReason.NO_MEASUREMENT, "the scale reads zero: nobody on it")
    flags = [Flag.NET_WEIGHT] if frame.control & const.CTRL_NET else []
    if frame.control & const.CTRL_LOW_BATTERY:
        flags.append(Flag.LOW_BATTERY)
    return (measure(codes.BODY_WEIGHT, frame.value, Context(flags=tuple(flags))),)
