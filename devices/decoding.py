"""One entry point per medium for decoding captured bytes into readings and measurements.

Used by the integrators' decoding tool; the listeners use the same registry so that a protocol
name means the same splitter, parser and conversion everywhere.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from devices.and_scale import WeighingLineSplitter, parse_weighing_line, weighing_measurements
from devices.ble import ble_measurements, parse_characteristic
from devices.errors import FrameRejected, RejectReason
from devices.framing import Frame, FrameSplitter, Garbage
from devices.hl7 import MllpSplitter, oru_measurements, parse_oru
from devices.hl7 import const as hl7_const
from devices.measurement import Measurement
from devices.nonin import (
    Format8Splitter,
    Format13Splitter,
    PacketSplitter,
    format8_measurements,
    format13_measurements,
    packet_measurements,
    parse_format8,
    parse_format13,
    parse_packet,
)
from devices.seca import SecaSplitter, parse_seca, seca_measurements
from devices.tanita import TanitaSplitter, parse_tanita, tanita_measurements

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Decoded:
    """A decoded reading and the measurements it yields."""

    reading: Any
    measurements: tuple[Measurement, ...]


@dataclass(frozen=True, slots=True)
class SerialProtocol:
    """How one wired protocol is framed, decoded and converted."""

    name: str
    description: str
    splitter: Callable[[], FrameSplitter]
    parse: Callable[[bytes], Any]
    measurements: Callable[[Any], tuple[Measurement, ...]]


class _WholeInput:
    """A splitter for input that is already exactly one message (a bare HL7 message)."""

    def __init__(self) -> None:
        self._data = bytearray()

    def feed(self, chunk: bytes) -> list[Frame | Garbage]:
        self._data += chunk
        return []

    def flush(self) -> list[Frame | Garbage]:
        data, self._data = bytes(self._data), bytearray()
        return [Frame(data)] if data else []


class _Hl7Splitter:
    """MLLP blocks when the input starts with VT, otherwise one bare message."""

    def __init__(self) -> None:
        self._inner: FrameSplitter | None = None

    def feed(self, chunk: bytes) -> list[Frame | Garbage]:
        if self._inner is None:
            if not chunk:
                return []
            mllp = chunk.startswith(hl7_const.START_BLOCK)
            self._inner = MllpSplitter() if mllp else _WholeInput()
        return self._inner.feed(chunk)

    def flush(self) -> list[Frame | Garbage]:
        return self._inner.flush() if self._inner else []


PROTOCOLS: dict[str, SerialProtocol] = {
    protocol.name: protocol
    for protocol in (
        SerialProtocol(
            "nonin2",
            "Nonin data format 2 (125-byte packets)",
            partial(PacketSplitter, 2),
            partial(parse_packet, data_format=2),
            packet_measurements,
        ),
        SerialProtocol(
            "nonin7",
            "Nonin data format 7 (125-byte packets)",
            partial(PacketSplitter, 7),
            partial(parse_packet, data_format=7),
            packet_measurements,
        ),
        SerialProtocol(
            "nonin8",
            "Nonin data format 8 (4-byte packets)",
            Format8Splitter,
            parse_format8,
            format8_measurements,
        ),
        SerialProtocol(
            "nonin13",
            "Nonin data format 13 (SmartPoint spot check)",
            Format13Splitter,
            parse_format13,
            format13_measurements,
        ),
        SerialProtocol(
            "and-st-gs",
            "A&D-style weighing line ST,GS,+0070.5kg",
            WeighingLineSplitter,
            parse_weighing_line,
            weighing_measurements,
        ),
        SerialProtocol("seca", "seca RS232 weight frame", SecaSplitter, parse_seca, seca_measurements),
        SerialProtocol("tanita", "Tanita CSV record", TanitaSplitter, parse_tanita, tanita_measurements),
        SerialProtocol("hl7", "HL7 v2 ORU^R01 (bare or MLLP)", _Hl7Splitter, parse_oru, oru_measurements),
    )
}


def decode_ble(uuid: int | str, data: bytes) -> Decoded:
    """Decode one BLE characteristic value and convert it.

    :raises FrameRejected: the value is unknown, malformed or not storable.
    """
    reading = parse_characteristic(uuid, data)
    return Decoded(reading, ble_measurements(reading))


def decode_serial(protocol: str, data: bytes) -> list[Decoded]:
    """Split captured bytes into frames, decode and convert each; any garbage is an error.

    :raises KeyError: for an unknown protocol name.
    :raises FrameRejected: for garbage between frames, a partial frame, or a bad frame.
    """
    spec = PROTOCOLS[protocol]
    splitter = spec.splitter()
    pieces = [*splitter.feed(data), *splitter.flush()]
    decoded = []
    for piece in pieces:
        _LOGGER.debug("%s piece: %s", protocol, piece.data.hex())
        if isinstance(piece, Garbage):
            raise FrameRejected(piece.reason, f"{piece.detail} ({len(piece.data)} bytes)")
        reading = spec.parse(piece.data)
        decoded.append(Decoded(reading, spec.measurements(reading)))
    if not decoded:
        raise FrameRejected(RejectReason.TRUNCATED, f"no complete {protocol} frame in the input")
    return decoded
