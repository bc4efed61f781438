"""Reading one serial device through `serial.serial_for_url` (real ports, ptys, loop://, spy://).

The port is opened with the protocol's line settings; bytes go through the protocol's frame
splitter, frames through its parser, readings to the sink. Garbage, truncated frames and bad
checksums are refused and counted while the reader carries on. When the port disappears (a USB
adapter unplugged, a pty closed) the partial frame is counted as truncated and the port is
reopened with a doubling back-off until it comes back or the transport is stopped.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import serial

from devices.decoding import PROTOCOLS, SerialProtocol
from devices.errors import FrameRejected, ReadingNotStored
from devices.framing import Frame, Garbage, Piece
from devices.ingest import RepeatKeys, carries_identity, measurement_key
from devices.transport import Arrival, LinkState, Sink, Source, should_acknowledge
from devices.wired import const
from edge import IngestOutcome

_LOGGER = logging.getLogger(__name__)
Clock = Callable[[], datetime]
Acknowledge = Callable[[Frame, IngestOutcome], bytes | None]
"""A protocol's handshake: the bytes to send back once a frame's reading is committed."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SerialTransport:
    """One serial device; `run` blocks until stopped (see `devices.transport.Transport`).

    :param address: the registry address (defaults to the URL; give a stable one when the URL
        changes between runs).
    :param open_port: how to open the URL (tests may wrap `serial.serial_for_url`).
    :param acknowledge: the protocol's handshake, if it has one.
    """

    def __init__(self, protocol: str, url: str, *, address: str | None = None,
                 clock: Clock = _utc_now, open_port: Callable[..., Any] = serial.serial_for_url,
                 acknowledge: Acknowledge | None = None, first_retry_s: float = const.FIRST_RETRY_S,
                 max_retry_s: float = const.MAX_RETRY_S) -> None:
        if protocol not in const.SERIAL_PROTOCOLS:
            raise ValueError(f"'{protocol}' is not a serial protocol "
                             f"({', '.join(sorted(const.SERIAL_PROTOCOLS))})")
        self.name = f"serial {protocol} on {url}"
        self._spec: SerialProtocol = PROTOCOLS[protocol]
        self._url = url
        self._source = Source("serial", address or url, protocol)
        self._clock = clock
        self._open_port = open_port
        self._acknowledge = acknowledge
        self._first_retry, self._max_retry = first_retry_s, max_retry_s
        self._repeats = RepeatKeys()

    @property
    def source(self) -> Source:
        return self._source

    def _open(self) -> Any:
        line = const.PORT_SETTINGS[self._source.protocol]
        return self._open_port(self._url, baudrate=line.baudrate, bytesize=line.bytesize,
                               parity=line.parity, stopbits=line.stopbits,
                               timeout=const.READ_TIMEOUT_S)

    def run(self, sink: Sink, stop: threading.Event) -> None:
        """Open, read, and reopen after an unplug, until `stop` is set."""
        delay = self._first_retry
        waiting = False
        while not stop.is_set():
            try:
                port = self._open()
            except (serial.SerialException, OSError, ValueError) as exc:
                if not waiting:
                    _LOGGER.warning("%s: port unavailable (%s); retrying", self.name, exc)
                    sink.report(self._source, LinkState.RETRYING)
                    waiting = True
                stop.wait(delay)
                delay = min(delay * 2, self._max_retry)
                continue
            delay, waiting = self._first_retry, False
            _LOGGER.info("%s: port open", self.name)
            sink.report(self._source, LinkState.CONNECTED)
            try:
                self._read(port, sink, stop)
            finally:
                port.close()
            if not stop.is_set():
                _LOGGER.warning("%s: port lost; reopening", self.name)
                sink.report(self._source, LinkState.DISCONNECTED)

    def _read(self, port: Any, sink: Sink, stop: threading.Event) -> None:
        splitter = self._spec.splitter()
        while not stop.is_set():
            try:
                data = port.read(1)
                if data and port.in_waiting:
                    data += port.read(min(port.in_waiting, const.MAX_READ))
            except (serial.SerialException, OSError) as exc:
                _LOGGER.debug("%s: read failed: %s", self.name, exc)
                self.handle(splitter.flush(), sink, port, self._clock())
                return
            if data:
                received_at = self._clock()
                _LOGGER.debug("%s: read %s", self.name, data.hex())
                self.handle(splitter.feed(data), sink, port, received_at)
        self.handle(splitter.flush(), sink, port, self._clock())

    def handle(self, pieces: list[Piece], sink: Sink, port: Any, received_at: datetime) -> None:
        """Refuse garbage, decode frames and deliver their readings together (one read's worth
        of frames is stored in one transaction), then acknowledge the committed ones in order."""
        decoded: list[tuple[Frame, Arrival]] = []
        for piece in pieces:
            if isinstance(piece, Garbage):
                sink.refuse(self._source, piece.reason, f"{piece.detail} ({len(piece.data)} bytes)")
                continue
            arrival = self._decode(piece, sink, received_at)
            if arrival is not None:
                decoded.append((piece, arrival))
        if not decoded:
            return
        results = sink.deliver_many([arrival for _, arrival in decoded])
        for (frame, _), result in zip(decoded, results, strict=True):
            if isinstance(result, ReadingNotStored):
                _LOGGER.warning("%s: reading not stored, not acknowledged: %s", self.name, result)
            elif self._acknowledge is not None and should_acknowledge(result):
                self._send_acknowledgement(port, self._acknowledge(frame, result))

    def _decode(self, frame: Frame, sink: Sink, received_at: datetime) -> Arrival | None:
        try:
            measurements = self._spec.measurements(self._spec.parse(frame.data))
        except FrameRejected as exc:
            sink.refuse(self._source, exc.reason, exc.detail)
            return None
        if self._source.protocol in const.TIMED_PROTOCOLS and carries_identity(measurements):
            key = measurement_key(self._source.protocol, measurements)
        else:
            key = self._repeats.key(self._source.address, measurements, received_at)
        return Arrival(self._source, measurements, key, received_at)

    def _send_acknowledgement(self, port: Any, answer: bytes | None) -> None:
        if not answer:
            return
        try:
            port.write(answer)
        except (serial.SerialException, OSError) as exc:
            _LOGGER.warning("%s: acknowledgement not sent: %s", self.name, exc)
