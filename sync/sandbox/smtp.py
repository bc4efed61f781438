"""The sandbox MSSanté SMTP server: STARTTLS and a client certificate required, messages checked.

An aiosmtpd server on 127.0.0.1. Before MAIL FROM the client must have started TLS (1.2 or newer)
and shown a certificate issued by the sandbox CA; the envelope sender must be the home's
application mailbox. Each message is checked (`xdm_checks`): a structural fault is refused with
``554 5.6.0`` and the reason; an accepted message is counted in the `Ledger`, and its receipts
(a DSN, then an MDN: success, or an integration error 900–906) are written into the home's
mailbox (a maildir that the sandbox IMAP server serves) *before* the server answers 250, so a
client that lost the answer finds the receipt. Faults come from the shared switch (`faults`).
"""

from __future__ import annotations

import asyncio
import logging
import mailbox
import ssl
from asyncio import sslproto
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session, TLSSetupException

from sync.sandbox.ca import Pki
from sync.sandbox.faults import Fault, FaultKind, FaultSwitch
from sync.sandbox.ledger import Ledger
from sync.sandbox.receipts import build_dsn, build_mdn
from sync.sandbox.xdm_checks import MessageRefused, check_message

_LOGGER = logging.getLogger(__name__)

SMTP_FAULTS = frozenset({FaultKind.OFFLINE, FaultKind.HTTP_5XX, FaultKind.TIMEOUT,
                         FaultKind.RESET_MID_UPLOAD, FaultKind.SLOW,
                         FaultKind.REJECT_CERTIFICATE, FaultKind.ERROR_MDN})
MAX_MESSAGE_BYTES = 20 * 1024 * 1024


def server_tls_context(pki: Pki, *, trusted_ca: Path | None = None) -> ssl.SSLContext:
    """TLS 1.2+ with the sandbox server certificate; client certificates checked against the CA."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH,
                                         cafile=str(trusted_ca or pki.ca_cert))
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(str(pki.server_cert), str(pki.server_key))
    context.verify_mode = ssl.CERT_OPTIONAL
    return context


class _AlertingSSLProtocol(sslproto.SSLProtocol):
    """asyncio's TLS layer, but a failed handshake first sends OpenSSL's alert (e.g. "unknown
    CA", "certificate expired"), as a real server does, so the client learns why."""

    def _on_handshake_complete(self, handshake_exc: BaseException | None) -> None:
        if handshake_exc is not None:
            self._process_outgoing()  # type: ignore[attr-defined]  # asyncio 3.11 internals
        super()._on_handshake_complete(handshake_exc)


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    sandbox_dir: Path
    pki: Pki
    mailbox_address: str
    maildir: Path
    host: str = "127.0.0.1"
    port: int = 0


def _abort(transport: asyncio.BaseTransport | None) -> None:
    """Drop the connection at once (the client sees a reset, not an answer)."""
    if isinstance(transport, asyncio.Transport):
        transport.abort()
    elif transport is not None:
        transport.close()


class _SandboxSMTP(SMTP):
    """aiosmtpd's SMTP with the sandbox's connection-level faults."""

    def __init__(self, handler: _Handler, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self._handler_ref = handler
        self.fault = Fault()

    async def _handle_client(self) -> None:
        if self._handler_ref.live:
            self.fault = self._handler_ref.switch.draw(SMTP_FAULTS)
        if self.fault.kind is FaultKind.OFFLINE:
            _abort(self.transport)
            return
        if self.fault.kind is FaultKind.HTTP_5XX:
            await self.push("421 4.3.2 Service temporarily unavailable")
            assert self.transport is not None
            self.transport.close()
            return
        if self.fault.kind is FaultKind.TIMEOUT:
            await asyncio.sleep(self.fault.timeout_seconds)
            _abort(self.transport)
            return
        await super()._handle_client()

    async def smtp_STARTTLS(self, arg: str) -> None:  # noqa: N802 (aiosmtpd naming)
        """aiosmtpd's STARTTLS (1.4.6), with the alerting TLS layer and the certificate fault."""
        if arg:
            await self.push("501 Syntax: STARTTLS")
            return
        context = self.tls_context
        if self.fault.kind is FaultKind.REJECT_CERTIFICATE:
            pki = self._handler_ref.config.pki  # trust another CA only
            context = server_tls_context(pki, trusted_ca=pki.rogue_ca_cert)
        assert context is not None and self.transport is not None
        await self.push("220 Ready to start TLS")
        waiter = self.loop.create_future()
        self._tls_protocol = _AlertingSSLProtocol(self.loop, self, context, waiter,
                                                  server_side=True)
        self._original_transport = self.transport
        self._original_transport.set_protocol(self._tls_protocol)
        self.transport = self._tls_protocol._app_transport
        self._tls_protocol.connection_made(self._original_transport)
        try:
            await waiter
        except asyncio.CancelledError:
            raise
        # Boundary: any TLS failure of one client must end only that session (aiosmtpd's own
        # exception); exception messages must stay free of personal data.
        except Exception as error:
            raise TLSSetupException() from error


class _Handler:
    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self.switch = FaultSwitch(config.sandbox_dir)
        self.ledger = Ledger(config.sandbox_dir)
        self.maildir = mailbox.Maildir(config.maildir, create=True)
        self.live = False  # no fault for aiosmtpd's own readiness connection

    async def handle_MAIL(self, server: SMTP, session: Session, envelope: Envelope,  # noqa: N802
                          address: str, mail_options: list[str]) -> str:
        tls: dict[str, Any] | None = session.ssl
        if not tls or not tls.get("peercert"):
            return "530 5.7.0 A client certificate from the MSSanté trust domain is required"
        if address != self.config.mailbox_address:
            return "553 5.7.1 The sender is not the application mailbox of this certificate"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session,  # noqa: N802 (aiosmtpd hook)
                          envelope: Envelope) -> str:
        fault: Fault = getattr(server, "fault", Fault())
        raw = envelope.original_content or b""
        now = datetime.now(UTC)
        if fault.kind is FaultKind.RESET_MID_UPLOAD:
            _abort(server.transport)
            return "421 4.4.2 Connection dropped"
        try:
            checked = check_message(raw, self.config.mailbox_address)
        except MessageRefused as refusal:
            _LOGGER.info("sandbox SMTP refused a message: %s", refusal)
            self.ledger.record_refusal(str(refusal), raw, now.isoformat())
            return f"554 5.6.0 {refusal}"
        error_code = checked.integration_error.code if checked.integration_error else None
        if fault.kind is FaultKind.ERROR_MDN:
            error_code = fault.code
        first = self.ledger.record(checked.message_id, checked.unique_ids, raw,
                                   error_code or "processed", now.isoformat())
        if first:
            to = self.config.mailbox_address
            self.maildir.add(build_dsn(raw, checked.recipients, to=to, now=now))
            self.maildir.add(build_mdn(raw, checked.recipients[0], to=to, now=now,
                                       error_code=error_code))
        if fault.kind is FaultKind.SLOW:
            await asyncio.sleep(fault.delay_seconds)
        return "250 2.0.0 Message accepted for delivery"


class SandboxSmtp:
    """The running SMTP server (aiosmtpd's controller thread); `start`, `stop`, `port`."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._handler = _Handler(config)
        self._controller = _Controller(self._handler, config)

    @property
    def port(self) -> int:
        return self._controller.bound_port

    def start(self) -> None:
        self._controller.start()
        self._handler.live = True
        _LOGGER.info("sandbox SMTP listening on %s:%s", self.config.host, self.port)

    def stop(self) -> None:
        self._controller.stop()


class _Controller(Controller):
    def __init__(self, handler: _Handler, config: SmtpConfig) -> None:
        super().__init__(handler, hostname=config.host, port=config.port,
                         ready_timeout=10, data_size_limit=MAX_MESSAGE_BYTES)
        self._tls_context = server_tls_context(config.pki)
        self.bound_port = config.port

    def factory(self) -> SMTP:
        return _SandboxSMTP(self.handler, tls_context=self._tls_context, require_starttls=True,
                            data_size_limit=MAX_MESSAGE_BYTES, hostname="localhost")

    def _trigger_server(self) -> None:
        # aiosmtpd's readiness probe opens a connection; ours needs STARTTLS first, so just
        # connect and let the greeting arrive.
        server = cast(asyncio.Server, self.server)
        sockets = server.sockets
        self.bound_port = self.port = sockets[0].getsockname()[1]
        super()._trigger_server()
