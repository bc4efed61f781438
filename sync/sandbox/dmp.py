"""The sandbox DMP: an HTTPS ITI-41 endpoint on 127.0.0.1 that checks and answers like the DMP.

TLS needs a client certificate issued by the sandbox CA. Each connection first draws the fault
the switch asks for (`sync.sandbox.faults`): dropped at once (offline), a handshake that refuses
the home's certificate, a 503, no answer (timeout), a reset while the body comes in, a late answer,
or a refusal with an error code. Otherwise the request goes through `dmp_checks` (with the CDA
schema check when one is configured) and, when clean,
into the registry (`dmp_store`), and the answer is a SOAP 1.2 RegistryResponse. A ``GET …?wsdl``
answers a short service description: the light request the adapter's probe makes.
"""

from __future__ import annotations

import logging
import socket
import ssl
import struct
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from lxml import etree

from sync.dmp.mtom import parse
from sync.dmp.response import RegistryError, Status, registry_response, soap_fault
from sync.dmp.soap import ITI41_RESPONSE_ACTION, WSA, build_envelope, serialise
from sync.sandbox.ca import Pki
from sync.sandbox.dmp_checks import RequestRefused, check_request
from sync.sandbox.dmp_store import DmpStore, already_present_warning
from sync.sandbox.faults import NO_FAULT, Fault, FaultKind, FaultSwitch
from sync.xml_safety import parse_untrusted

_LOGGER = logging.getLogger(__name__)
SERVICE_PATH = "/si-dmp-server/v2/services/repository"
DMP_FAULTS = frozenset({FaultKind.OFFLINE, FaultKind.HTTP_5XX, FaultKind.TIMEOUT,
                        FaultKind.RESET_MID_UPLOAD, FaultKind.SLOW, FaultKind.REJECT_CERTIFICATE,
                        FaultKind.REFUSE_DOCUMENT})
HANDSHAKE_TIMEOUT = 10.0
SOAP_CONTENT_TYPE = 'application/soap+xml; charset=UTF-8; action="' + ITI41_RESPONSE_ACTION + '"'
WSDL = b'<?xml version="1.0"?><service name="DocumentRepository_Service" ' \
       b'xmlns="http://schemas.xmlsoap.org/wsdl/"/>'


def _server_context(pki: Pki, trusted_ca: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(trusted_ca))
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(str(pki.server_cert), str(pki.server_key))
    context.verify_mode = ssl.CERT_REQUIRED
    return context


def _reset(sock: socket.socket) -> None:
    """Close with a TCP reset (SO_LINGER 0) rather than an orderly shutdown."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError as exc:  # already closed by the peer: the plain close below still ends it
        _LOGGER.debug("sandbox DMP: no SO_LINGER for the reset (%s)", exc)
    sock.close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], dmp: SandboxDmp) -> None:
        self.dmp = dmp
        self.local = threading.local()
        super().__init__(address, _Handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        fault = self.dmp.switch.draw(DMP_FAULTS) if self.dmp.switch else NO_FAULT
        if fault.kind is FaultKind.OFFLINE:
            _reset(request)
            return
        context = (self.dmp.rejecting_context if fault.kind is FaultKind.REJECT_CERTIFICATE
                   else self.dmp.context)
        request.settimeout(HANDSHAKE_TIMEOUT)
        try:
            tls = context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as exc:
            _LOGGER.debug("sandbox DMP: handshake refused (%s)", exc)
            request.close()
            return
        self.local.fault = fault
        try:
            _Handler(tls, client_address, self)
        except OSError as exc:
            _LOGGER.debug("sandbox DMP: connection lost (%s)", exc)
        finally:
            tls.close()


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib signature)
        if _LOGGER.isEnabledFor(logging.DEBUG):  # the stdlib hands a format and its arguments
            _LOGGER.debug("sandbox DMP: %s", format % args)

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        if self.path.split("?")[0] != SERVICE_PATH:
            self._send(404, "text/plain", b"not found")
            return
        self._send(200, "text/xml", WSDL)

    def do_POST(self) -> None:  # noqa: N802
        fault: Fault = getattr(self.server.local, "fault", NO_FAULT)
        dmp = self.server.dmp
        length = int(self.headers.get("Content-Length") or 0)
        if fault.kind is FaultKind.RESET_MID_UPLOAD:
            self.rfile.read(length // 2)
            _reset(self.connection)
            self.close_connection = True
            return
        body = self.rfile.read(length)
        if fault.kind is FaultKind.HTTP_5XX:
            self._send(503, "text/plain", b"Service temporarily unavailable")
            return
        if fault.kind is FaultKind.TIMEOUT:
            dmp.stopping.wait(fault.timeout_seconds)
            self.close_connection = True
            return
        if fault.kind is FaultKind.SLOW:
            dmp.stopping.wait(fault.delay_seconds)
        if self.path.split("?")[0] != SERVICE_PATH:
            self._send(404, "text/plain", b"not found")
            return
        status, answer = dmp.answer(self.headers.get("Content-Type", ""), body, fault)
        self._send(status, SOAP_CONTENT_TYPE, answer)


class SandboxDmp:
    """The sandbox DMP server: `start` it, read `url`, `stop` it.

    :param schema: the compiled XDS.b repository schema, when the caller has it (tests pass the
        reference copy); the sandbox itself ships no schema.
    :param cda_schema: the compiled CDA schema each document is validated against (the
        ``--cda-schema`` option); without it that check is off, which is logged once.
    """

    def __init__(self, sandbox_dir: Path, pki: Pki, *, switch: FaultSwitch | None = None,
                 host: str = "127.0.0.1", port: int = 0,
                 schema: etree.XMLSchema | None = None,
                 cda_schema: etree.XMLSchema | None = None) -> None:
        self.store = DmpStore(sandbox_dir)
        self.pki = pki
        self.switch = switch
        self.schema = schema
        self.cda_schema = cda_schema
        if cda_schema is None:
            _LOGGER.info("sandbox DMP: no CDA schema given (--cda-schema): documents are not "
                         "validated against the CDA XSD")
        self.context = _server_context(pki, pki.ca_cert)
        self.rejecting_context = _server_context(pki, pki.rogue_ca_cert)
        self.rejecting_context.maximum_version = ssl.TLSVersion.TLSv1_2
        self.stopping = threading.Event()
        self._server = _Server((host, port), self)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}{SERVICE_PATH}"

    def start(self) -> SandboxDmp:
        self._thread = threading.Thread(target=self._server.serve_forever, name="sandbox-dmp",
                                        daemon=True)
        self._thread.start()
        _LOGGER.info("sandbox DMP listening on %s", self.url)
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def answer(self, content_type: str, body: bytes, fault: Fault) -> tuple[int, bytes]:
        """Check, register and answer one ITI-41 request (HTTP status, SOAP envelope)."""
        now = datetime.now(UTC)
        try:
            checked = check_request(content_type, body, ca_pem=self.pki.ca_cert, now=now,
                                    schema=self.schema, cda_schema=self.cda_schema)
        except RequestRefused as exc:
            self.store.record_request(now, "fault", exc.code, body)
            envelope = build_envelope(to="", action="http://www.w3.org/2005/08/addressing/soap/fault",
                                      assertion=None, body=soap_fault(exc.code, exc.reason),
                                      relates_to="")
            return 500, serialise(envelope)
        errors = list(checked.errors)
        if fault.kind is FaultKind.REFUSE_DOCUMENT:
            code = fault.code if fault.code.startswith("XDS") else "XDSUnknownPatientId"
            errors.append(RegistryError(code, "refused by the fault switch", "Error"))
        matricule = checked.patient_id.partition("^")[0]
        if matricule and matricule in self.store.closed_patients():
            errors.append(RegistryError("XDSUnknownPatientId", "the patient's DMP is closed",
                                        "Error"))
        status, warnings = Status.FAILURE, errors
        if not errors:
            registered = self.store.register(checked, now)
            if registered.errors:
                warnings = list(registered.errors)
            else:
                status = Status.SUCCESS
                warnings = [already_present_warning()] if registered.already_present else []
        self.store.record_request(now, status.value,
                                  warnings[0].code if status is Status.FAILURE else None, body)
        envelope = build_envelope(to="", action=ITI41_RESPONSE_ACTION, assertion=None,
                                  body=registry_response(status, warnings),
                                  relates_to=_message_id(content_type, body))
        return 200, serialise(envelope)


def _message_id(content_type: str, body: bytes) -> str:
    """The request's wsa:MessageID, for the answer's RelatesTo (empty when unreadable)."""
    try:
        envelope = parse_untrusted(parse(content_type, body).envelope)
    except (ValueError, etree.XMLSyntaxError):
        return ""
    found = envelope.findtext(f".//{{{WSA}}}MessageID")
    return (found or "").strip()
