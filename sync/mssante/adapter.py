"""The MSSanté adapter: sends a document from the home's application mailbox, reads its receipts.

`MssanteAdapter` meets `sync.adapter.Adapter`. `deliver` builds the message (`message`), submits
it over SMTP with STARTTLS and the home's certificate (`transport`) and returns its Message-ID as
the row's remote reference; the receipt comes later. Before sending a row again (an earlier
attempt may have gone through before a crash), it looks in the mailbox for a receipt of that
Message-ID and, when there is one, counts the row as delivered instead of sending twice.
`collect_receipts` reads new DSNs and MDNs over IMAP (`receipts`) and marks one read only once the
loop has recorded it; a receipt that answers no recorded sending yet (it can arrive before the
sending's result is written) stays unread for a few more calls. `probe` makes a real SMTP and
IMAP round trip.
"""

from __future__ import annotations

import logging
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from edge import (
    Destination,
    OutboxRow,
    Settings,
    StoredDocument,
    read_certificate_status,
    render_pdf,
)
from sync.adapter import DeliveryReceipt, ProbeResult, ReceiptEvent
from sync.errors import CertificateRejected, ConfigurationIncomplete, DeliveryRefused, SyncError
from sync.mssante.message import NothingToSend, Sender, build_message, message_id_for
from sync.mssante.receipts import parse_receipt
from sync.mssante.transport import (
    Endpoint,
    TlsFiles,
    check_smtp,
    client_context,
    imap_session,
    send_message,
)

_LOGGER = logging.getLogger(__name__)

RECEIPT_BATCH = 200
UNMATCHED_TRIES = 10  # calls a receipt answering no recorded sending stays unread
CERTIFICATE_LABEL = "Le certificat MSSanté"
NOT_QUALIFIED = ("L'identité du résident n'est pas qualifiée : le document ne part pas par "
                 "MSSanté tant que l'INS n'est pas qualifiée.")
NO_RECIPIENT = ("Aucun destinataire MSSanté n'est autorisé par la visibilité choisie pour ce "
                "document : modifiez les destinataires ou la visibilité.")


@dataclass(frozen=True, slots=True)
class MssanteConfig:
    """Everything the adapter needs, validated once from the settings."""

    sender: Sender
    password: str = field(repr=False)  # never in a log line, a traceback or a debugger's view
    smtp: Endpoint
    imap: Endpoint
    tls: TlsFiles
    timeout_seconds: float


def _missing(what: str) -> ConfigurationIncomplete:
    return ConfigurationIncomplete(f"MSSanté n'est pas configuré : {what}.")


def config_from_settings(settings: Settings) -> MssanteConfig:
    """The adapter's configuration from the `mssante_*` settings.

    :raises ConfigurationIncomplete: a mailbox, server, password or certificate is not set.
    """
    if not settings.mssante_mailbox:
        raise _missing("l'adresse de la boîte aux lettres applicative manque")
    if not settings.mssante_smtp_host:
        raise _missing("l'adresse du serveur SMTP manque")
    cert = settings.mssante_client_cert or settings.dmp_client_cert
    key = settings.mssante_client_key or settings.dmp_client_key
    if cert is None or key is None:
        raise _missing("le certificat de l'établissement ou sa clé manque")
    password_file: Path | None = settings.mssante_password_file
    if password_file is None:
        raise _missing("le fichier du mot de passe de la boîte aux lettres manque")
    try:
        lines = password_file.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise _missing("le fichier du mot de passe de la boîte aux lettres est illisible") from exc
    if not lines or not lines[0]:
        raise _missing("le fichier du mot de passe de la boîte aux lettres est vide")
    return MssanteConfig(
        Sender(settings.mssante_mailbox, settings.home_name, settings.finess),
        lines[0],
        Endpoint(settings.mssante_smtp_host, settings.mssante_smtp_port),
        Endpoint(settings.mssante_imap_host or settings.mssante_smtp_host,
                 settings.mssante_imap_port),
        TlsFiles(cert, key, settings.mssante_ca_bundle),
        float(settings.mssante_timeout_seconds))


def _now() -> datetime:
    return datetime.now(UTC)


class MssanteAdapter:
    """Delivery to MSSanté for the outbox rows of `Destination.MSSANTE`."""

    destination = Destination.MSSANTE

    def __init__(self, config: MssanteConfig, *, clock: Callable[[], datetime] = _now,
                 render: Callable[[bytes], bytes] = render_pdf) -> None:
        self.config = config
        self._clock = clock
        self._render = render
        self._unmatched: dict[bytes, int] = {}
        self._flags = threading.Lock()  # `deliver` and `collect_receipts` run in two threads

    def _context(self) -> ssl.SSLContext:
        status = read_certificate_status(self.config.tls.client_cert, self._clock(),
                                         label=CERTIFICATE_LABEL)
        if not status.usable:
            raise CertificateRejected(status.message)
        return client_context(self.config.tls)

    def deliver(self, row: OutboxRow, document: object) -> DeliveryReceipt:
        if not isinstance(document, StoredDocument):
            raise TypeError("the MSSanté adapter delivers stored documents")
        if not document.metadata.ins_shareable:
            raise DeliveryRefused("identity", NOT_QUALIFIED)
        context = self._context()
        message_id = message_id_for(row.id, self.config.sender.mailbox)
        if row.attempts > 1 and self._already_sent(row.id):
            _LOGGER.info("outbox row %s was already sent (a receipt is in the mailbox)", row.id)
            return DeliveryReceipt(message_id, acknowledged=False, already_present=True,
                                   detail="receipt found before re-sending")
        try:
            message, recipients = build_message(document, row_id=row.id,
                                                sender=self.config.sender,
                                                pdf=self._render(document.content),
                                                now=self._clock())
        except NothingToSend as exc:
            raise DeliveryRefused("no-recipient", NO_RECIPIENT) from exc
        send_message(self.config.smtp, context, message, self.config.sender.mailbox,
                     tuple(recipient.address for recipient in recipients),
                     self.config.timeout_seconds)
        _LOGGER.info("outbox row %s sent to %s MSSanté recipient(s)", row.id, len(recipients))
        return DeliveryReceipt(message_id, acknowledged=False,
                               detail=f"{len(recipients)} recipient(s)")

    def _already_sent(self, row_id: str) -> bool:
        """Whether a receipt of this row's message is in the mailbox (marked unread again, so
        that `collect_receipts` offers it for the row's new remote reference)."""
        with self._flags, imap_session(self.config.imap, self._context(),
                                       self.config.sender.mailbox, self.config.password,
                                       self.config.timeout_seconds) as client:
            _, data = client.uid("SEARCH", "TEXT", f'"relais.{row_id}@"')
            uids = data[0].split() if data and data[0] else []
            if uids:
                client.uid("STORE", b",".join(uids).decode(), "-FLAGS", "(\\Seen)")
                for uid in uids:
                    self._unmatched.pop(uid, None)
            return bool(uids)

    def collect_receipts(self, apply: Callable[[ReceiptEvent], bool]) -> int:
        """Hand the unread receipts to ``apply``; mark read those it took, those that are not
        receipts, and those that answered no recorded sending `UNMATCHED_TRIES` times."""
        applied = 0
        with self._flags, imap_session(self.config.imap, self._context(),
                                       self.config.sender.mailbox, self.config.password,
                                       self.config.timeout_seconds) as client:
            _, data = client.uid("SEARCH", "UNSEEN")
            uids = (data[0].split() if data and data[0] else [])[:RECEIPT_BATCH]
            done: list[bytes] = []
            for uid in uids:
                _, parts = client.uid("FETCH", uid, "(BODY.PEEK[])")
                raw = next((part[1] for part in parts if isinstance(part, tuple)), b"")
                event = parse_receipt(raw, self._clock())
                if event is None:
                    done.append(uid)
                elif apply(event):
                    applied += 1
                    done.append(uid)
                    self._unmatched.pop(uid, None)
                else:
                    self._unmatched[uid] = tries = self._unmatched.get(uid, 0) + 1
                    if tries >= UNMATCHED_TRIES:
                        _LOGGER.warning("a receipt answers no recorded sending: set aside")
                        done.append(uid)
                        del self._unmatched[uid]
            if done:
                client.uid("STORE", b",".join(done).decode(), "+FLAGS", "(\\Seen)")
        return applied

    def probe(self) -> ProbeResult:
        now = self._clock()
        status = read_certificate_status(self.config.tls.client_cert, now, label=CERTIFICATE_LABEL)
        expires = status.not_after
        if not status.usable:
            return ProbeResult(self.destination, False, status.message, now, expires)
        try:
            context = client_context(self.config.tls)
            check_smtp(self.config.smtp, context, self.config.timeout_seconds)
            with imap_session(self.config.imap, context, self.config.sender.mailbox,
                              self.config.password, self.config.timeout_seconds):
                pass
        except ConfigurationIncomplete as exc:
            return ProbeResult(self.destination, False, str(exc), now, expires)
        except SyncError as exc:
            _LOGGER.warning("MSSanté probe failed: %s", exc)
            return ProbeResult(self.destination, False,
                               "Les serveurs MSSanté ne répondent pas : les documents partiront "
                               "quand la liaison reviendra.", now, expires)
        return ProbeResult(self.destination, True, "MSSanté joignable.", now, expires)
