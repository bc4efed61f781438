"""The MLLP listener for bedside monitors: HL7 ORU^R01 in, ACK/NAK out, only after the commit.

Monitors connect as TCP clients (one thread per connection). Each MLLP block is decoded and
handed to the sink; the answer is `AA` once the reading is committed (stored or in the inbox,
including a re-sent message already stored), `AR` when the message is refused for good
(malformed, not ORU^R01, an impossible value: resending would not help) and `AE` when it could not
be stored now (the monitor should resend). A monitor is identified by MSH-3 (sending
application, usually its EUI-64); the de-duplication key is MSH-10, the message control id.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import socketserver
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from itertools import count

from devices.errors import FrameRejected, ReadingNotStored, RejectReason
from devices.framing import Garbage
from devices.hl7.ack import AckCode, build_ack
from devices.hl7.mllp import MllpSplitter, wrap
from devices.hl7.parser import MessageHeader, oru_measurements, parse_oru, read_header
from devices.transport import Arrival, Sink, Source, should_acknowledge

_LOGGER = logging.getLogger(__name__)
Clock = Callable[[], datetime]
PROTOCOL = "hl7"
READ_SIZE = 65536
IDLE_TIMEOUT_S = 0.5


def _utc_now() -> datetime:
    return datetime.now(UTC)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    listener: MllpListener


class _Connection(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        self.server.listener.serve_connection(self.request, self.client_address[0])


class MllpListener:
    """The `devices.transport.Transport` for HL7 over MLLP.

    :param port: 0 picks a free port (read it from `port` once `ready` is set).
    """

    def __init__(self, host: str, port: int, *, clock: Clock = _utc_now) -> None:
        self.name = f"mllp on {host}:{port}"
        self._host, self._port = host, port
        self._clock = clock
        self._ids = count(1)
        self._sink: Sink | None = None
        self._stop = threading.Event()
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()
        self.ready = threading.Event()
        self.port = port

    def run(self, sink: Sink, stop: threading.Event) -> None:
        """Listen until `stop` is set; then close every connection."""
        self._sink, self._stop = sink, stop
        server = _Server((self._host, self._port), _Connection, bind_and_activate=True)
        server.listener = self
        self.port = server.server_address[1]
        self.name = f"mllp on {self._host}:{self.port}"
        watcher = threading.Thread(target=self._shutdown_on_stop, args=(server, stop),
                                   name="mllp-stop", daemon=True)
        watcher.start()
        _LOGGER.info("%s: listening", self.name)
        self.ready.set()
        try:
            server.serve_forever(poll_interval=0.2)
        finally:
            server.server_close()
            with self._lock:
                for conn in list(self._connections):
                    _close(conn)
            self.ready.clear()

    def _shutdown_on_stop(self, server: _Server, stop: threading.Event) -> None:
        stop.wait()
        server.shutdown()

    def serve_connection(self, conn: socket.socket, peer: str) -> None:
        """Read MLLP blocks from one monitor and answer each."""
        sink = self._sink
        if sink is None:  # `run` sets the sink before it accepts anything: not a real connection
            _LOGGER.error("%s: connection before the listener ran, closed", self.name)
            _close(conn)
            return
        with self._lock:
            self._connections.add(conn)
        conn.settimeout(IDLE_TIMEOUT_S)
        splitter = MllpSplitter()
        fallback = Source("mllp", f"peer:{peer}", PROTOCOL)
        try:
            while not self._stop.is_set():
                try:
                    data = conn.recv(READ_SIZE)
                except TimeoutError:
                    continue
                except OSError:
                    break
                if not data:
                    break
                received_at = self._clock()
                for piece in splitter.feed(data):
                    if isinstance(piece, Garbage):
                        sink.refuse(fallback, piece.reason, f"{piece.detail} ({len(piece.data)} bytes)")
                        continue
                    answer = self._answer(piece.data, sink, fallback, received_at)
                    try:
                        conn.sendall(wrap(answer))
                    except OSError:
                        _LOGGER.warning("%s: answer not sent (connection lost)", self.name)
                        return
            for piece in splitter.flush():
                sink.refuse(fallback, RejectReason.TRUNCATED,
                            f"MLLP block cut short ({len(piece.data)} bytes)")
        finally:
            with self._lock:
                self._connections.discard(conn)
            _close(conn)

    def _answer(self, block: bytes, sink: Sink, fallback: Source, received_at: datetime) -> bytes:
        try:
            header = read_header(block)
        except FrameRejected as exc:
            sink.refuse(fallback, exc.reason, exc.detail)
            return self._ack(None, AckCode.REJECT, exc.reason.value)
        source = Source("mllp", header.sending_application or fallback.address, PROTOCOL)
        try:
            measurements = oru_measurements(parse_oru(block))
        except FrameRejected as exc:
            sink.refuse(source, exc.reason, exc.detail)
            return self._ack(header, AckCode.REJECT, exc.reason.value)
        try:
            outcome = sink.deliver(Arrival(source, measurements, f"hl7:{header.control_id}",
                                           received_at))
        except ReadingNotStored:
            return self._ack(header, AckCode.ERROR, "not stored, send again")
        if should_acknowledge(outcome):
            return self._ack(header, AckCode.ACCEPT)
        return self._ack(header, AckCode.REJECT, (outcome.reason or "refused").split(":")[0])

    def _ack(self, header: MessageHeader | None, code: AckCode, text: str = "") -> bytes:
        return build_ack(header, code, control_id=f"RELAIS{next(self._ids)}", now=self._clock(),
                         text=text)


def _close(conn: socket.socket) -> None:
    with contextlib.suppress(OSError):
        conn.shutdown(socket.SHUT_RDWR)
    conn.close()
