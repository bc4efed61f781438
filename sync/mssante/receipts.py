"""Reading the receipts that come back to the home's mailbox: DSN (RFC 3464) and MDN (RFC 8098).

`parse_receipt` takes one message's bytes and returns a `ReceiptEvent` keyed by the Message-ID of
the message it answers, or None when the message is not a receipt (or a DSN that only says
"delayed"). Error MDNs carry ``processed/Error: <code>^<label>`` with a CI-SIS integration code
(900–906, NATIONAL.md §3.4); each code maps to a plain French reason with the action that unblocks
it. Pure: bytes and the receipt time in, a value out.
"""

from __future__ import annotations

import re
from datetime import datetime
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser

from sync.adapter import ReceiptEvent, ReceiptKind

_ERROR = re.compile(r"error\s*:\s*(\d{3})", re.IGNORECASE)
_SUBJECT_CODE = re.compile(r"\[KO[^\]]*\]\s*\[(\d{3})\]")
_FAILED_DISPOSITIONS = ("deleted", "failed", "error")
INTEGRATION_REASONS = {
    "900": "Le destinataire a refusé ce remplacement : la version du document ne correspond pas "
           "à celle qu'il détient. Vérifiez quelle version a été envoyée, puis renvoyez.",
    "901": "Le destinataire n'accepte pas l'auteur indiqué sur le document. Vérifiez l'auteur, "
           "puis renvoyez le document.",
    "902": "Le destinataire ne connaît pas ce patient. Vérifiez l'identité du résident et "
           "l'adresse du destinataire, puis renvoyez le document.",
    "903": "Le destinataire n'a pas trouvé l'INS du résident dans le document. Vérifiez "
           "l'identité du résident, puis générez le document à nouveau.",
    "904": "L'INS du document ne correspond pas aux traits d'identité chez le destinataire. "
           "Vérifiez l'identité du résident (téléservice INSi), puis renvoyez.",
    "905": "Le destinataire a reçu un INS incomplet. Vérifiez l'identité du résident, puis "
           "générez le document à nouveau.",
    "906": "Le destinataire n'a pas pu intégrer le document (erreur non précisée). Contactez "
           "le destinataire avant de renvoyer.",
}
DSN_FAILED = ("Le message n'a pas pu être remis à un destinataire (adresse inconnue ou refusée). "
              "Vérifiez l'adresse MSSanté du destinataire, puis renvoyez.")
MDN_DELETED = ("Le destinataire a supprimé le document sans le traiter. Contactez-le avant de "
               "renvoyer.")


def _report_part(message: EmailMessage, subtype: str) -> Message | None:
    for part in message.walk():
        if part.get_content_type() == f"message/{subtype}":
            return part
    return None


def _field_blocks(part: Message) -> list[Message]:
    payload = part.get_payload()
    if isinstance(payload, list):
        return [block for block in payload if isinstance(block, Message)]
    if isinstance(payload, str):
        return [BytesParser(policy=policy.compat32).parsebytes(payload.encode("utf-8"))]
    return []


def _original_message_id(message: EmailMessage) -> str | None:
    for part in message.walk():
        content_type = part.get_content_type()
        if content_type == "text/rfc822-headers":
            text = part.get_payload(decode=True) or b""
            headers = BytesParser(policy=policy.compat32).parsebytes(bytes(text),
                                                                     headersonly=True)
            if headers.get("Message-ID"):
                return str(headers["Message-ID"]).strip()
        if content_type == "message/rfc822":
            inner = part.get_payload()
            if (isinstance(inner, list) and inner and isinstance(inner[0], Message)
                    and inner[0].get("Message-ID")):
                return str(inner[0]["Message-ID"]).strip()
    return None


def _dsn(message: EmailMessage, raw: bytes, received_at: datetime) -> ReceiptEvent | None:
    part = _report_part(message, "delivery-status")
    original = _original_message_id(message)
    if part is None or original is None:
        return None
    blocks = _field_blocks(part)
    recipients = [block for block in blocks if block.get("Action")]
    actions = [str(block["Action"]).strip().lower() for block in recipients]
    if not actions or all(action == "delayed" for action in actions):
        return None
    failed = [block for block in recipients if str(block["Action"]).strip().lower() == "failed"]
    status = str(failed[0].get("Status", "")).strip() if failed else None
    return ReceiptEvent(original, ReceiptKind.DSN, not failed, received_at,
                        _message_id(message), status, ", ".join(actions),
                        DSN_FAILED if failed else None, raw)


def _mdn(message: EmailMessage, raw: bytes, received_at: datetime) -> ReceiptEvent | None:
    part = _report_part(message, "disposition-notification")
    if part is None:
        return None
    blocks = _field_blocks(part)
    fields = blocks[0] if blocks else Message()
    original = str(fields.get("Original-Message-ID", "")).strip() or _original_message_id(message)
    if not original:
        return None
    disposition = str(fields.get("Disposition", "")).strip()
    outcome = disposition.rpartition(";")[2].strip().lower()
    match = _ERROR.search(disposition) or _SUBJECT_CODE.search(str(message.get("Subject", "")))
    if match:
        code = match.group(1)
        reason = INTEGRATION_REASONS.get(code, INTEGRATION_REASONS["906"])
        return ReceiptEvent(original, ReceiptKind.MDN, False, received_at, _message_id(message),
                            code, disposition, reason, raw)
    if any(outcome.startswith(word) for word in _FAILED_DISPOSITIONS):
        return ReceiptEvent(original, ReceiptKind.MDN, False, received_at, _message_id(message),
                            None, disposition, MDN_DELETED, raw)
    return ReceiptEvent(original, ReceiptKind.MDN, True, received_at, _message_id(message),
                        None, disposition, None, raw)


def _message_id(message: EmailMessage) -> str | None:
    value = message.get("Message-ID")
    return str(value).strip() if value else None


def parse_receipt(raw: bytes, received_at: datetime) -> ReceiptEvent | None:
    """The receipt in one mailbox message, or None when it is not one this adapter reads."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    if not isinstance(message, EmailMessage) or message.get_content_type() != "multipart/report":
        return None
    report_type = str(message.get_param("report-type", "") or "").lower()
    if report_type == "delivery-status":
        return _dsn(message, raw, received_at)
    if report_type == "disposition-notification":
        return _mdn(message, raw, received_at)
    return None
