"""The MSSanté message of one document (NATIONAL.md §3.2) and its ``IHE_XDM.zip`` (§3.3).

``IHE_XDM.zip`` holds ``INDEX.HTM`` and ``README.TXT`` at its root and, in ``IHE_XDM/SUBSET01/``,
``METADATA.XML`` (the document's XDS metadata serialised by `sync.ebrs`, with the ``URI`` slot
naming the file) and ``DOC0001.XML`` (the CDA). The mail carries that zip and the printable PDF,
the MSS headers and a request for a processing receipt. The Message-ID is derived from the outbox
row, so a re-sending after a crash is recognisable as the same message. Pure: values in, bytes out.
"""

from __future__ import annotations

import html
import io
import zipfile
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime

from edge import Recipient, RecipientKind, StoredDocument, mssante_recipients
from sync.ebrs import metadata_xml

SUBJECT_PREFIX = "XDM/1.0/DDM"
ZIP_NAME = "IHE_XDM.zip"
SUBSET = "IHE_XDM/SUBSET01/"
DOCUMENT_FILE = "DOC0001.XML"
INS_SUFFIX = "^NH"
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class NothingToSend(ValueError):
    """The visibility rules leave no recipient for this document."""


@dataclass(frozen=True, slots=True)
class Sender:
    """The home's application mailbox and identity, as the message and README.TXT show them."""

    mailbox: str
    home_name: str
    finess: str
    software: str = "Relais"


def message_id_for(row_id: str, mailbox: str) -> str:
    """The Message-ID of an outbox row: the same for every attempt at sending that row."""
    domain = mailbox.rpartition("@")[2] or "relais.invalid"
    return f"<relais.{row_id}@{domain}>"


def _zip_time(submission_time: str) -> tuple[int, int, int, int, int, int]:
    try:
        moment = datetime.strptime(submission_time[:14], "%Y%m%d%H%M%S")
    except ValueError:
        return FIXED_ZIP_TIME
    return (max(moment.year, 1980), moment.month, moment.day, moment.hour, moment.minute,
            moment.second)


def _index_htm(document: StoredDocument, sender: Sender) -> bytes:
    title = html.escape(document.metadata.entry.title)
    return (
        "<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\">"
        f"<title>{ZIP_NAME}</title></head><body>\n"
        f"<h1>Documents envoyés par {html.escape(sender.home_name)}</h1>\n"
        f"<ul><li><a href=\"{SUBSET}{DOCUMENT_FILE}\">{title}</a></li>\n"
        f"<li><a href=\"{SUBSET}METADATA.XML\">Métadonnées XDS</a></li></ul>\n"
        "</body></html>\n").encode()


def _readme_txt(sender: Sender) -> bytes:
    return (f"Emetteur : {sender.home_name} (FINESS {sender.finess})\r\n"
            f"Boite aux lettres : {sender.mailbox}\r\n"
            f"Logiciel : {sender.software}\r\n"
            "Contenu : media IHE XDM (ITI-32), un lot de soumission dans IHE_XDM/SUBSET01.\r\n"
            ).encode()


def build_xdm_zip(document: StoredDocument, sender: Sender) -> bytes:
    """The ``IHE_XDM.zip`` of one document (same bytes for the same document)."""
    stamp = _zip_time(document.metadata.submission_set.submission_time)
    files = (
        ("INDEX.HTM", _index_htm(document, sender)),
        ("README.TXT", _readme_txt(sender)),
        (SUBSET + "METADATA.XML", metadata_xml(document.metadata, uri=DOCUMENT_FILE)),
        (SUBSET + DOCUMENT_FILE, document.content),
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def _patient_label(source_patient_info: tuple[str, ...]) -> str:
    """``NOM Prénom JJ/MM/AAAA`` from the PID-5 and PID-7 values of sourcePatientInfo."""
    name, birth = "", ""
    for value in source_patient_info:
        field, _, content = value.partition("|")
        if field == "PID-5":
            parts = content.split("^")
            name = " ".join(part for part in parts[:2] if part)
        elif field == "PID-7" and len(content) >= 8:
            birth = f"{content[6:8]}/{content[4:6]}/{content[0:4]}"
    return " ".join(part for part in (name, birth) if part)


def subject_for(document: StoredDocument) -> str:
    """``XDM/1.0/DDM+<title> <NOM> <Prénom> <date of birth>`` (the CI-SIS convention)."""
    label = _patient_label(document.metadata.entry.source_patient_info)
    return f"{SUBJECT_PREFIX}+{document.metadata.entry.title} {label}".rstrip()


def _body(document: StoredDocument, sender: Sender) -> str:
    return (f"Bonjour,\n\nVeuillez trouver ci-joint le document « {document.metadata.entry.title} » "
            f"envoyé par {sender.home_name}.\nLe fichier {ZIP_NAME} contient le document "
            "structuré ; le fichier PDF en est la version lisible.\n\n"
            "Ce message a été envoyé automatiquement : merci de ne pas y répondre.\n")


def build_message(document: StoredDocument, *, row_id: str, sender: Sender, pdf: bytes,
                  now: datetime) -> tuple[EmailMessage, tuple[Recipient, ...]]:
    """The message for one outbox row and the recipients it goes to.

    :raises NothingToSend: the visibility rules leave no recipient.
    """
    recipients = mssante_recipients(document.metadata)
    if not recipients:
        raise NothingToSend("no recipient allowed by the visibility rules")
    message = EmailMessage()
    message["From"] = sender.mailbox
    message["To"] = ", ".join(recipient.address for recipient in recipients)
    message["Subject"] = subject_for(document)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id_for(row_id, sender.mailbox)
    message["Disposition-Notification-To"] = sender.mailbox
    if document.metadata.entry.mime_type == "text/xml":
        message["X-MSS-CODECDA"] = document.metadata.entry.type_code.code
    if document.metadata.entry.patient_id.endswith(INS_SUFFIX):
        message["X-MSS-INS"] = "O"
    if any(recipient.kind is RecipientKind.PATIENT for recipient in recipients):
        message["X-MSS-MES"] = "FIN"
    message.set_content(_body(document, sender))
    message.add_attachment(build_xdm_zip(document, sender), maintype="application",
                           subtype="zip", filename=ZIP_NAME)
    message.add_attachment(pdf, maintype="application", subtype="pdf",
                           filename=f"{document.kind.value}.pdf")
    return message, recipients
