"""Receipts the sandbox MSSanté server sends back to the home's mailbox (NATIONAL.md §3.4).

A delivery status notification (RFC 3464 ``multipart/report; report-type=delivery-status``) once a
message is accepted, and a processing receipt (RFC 8098 MDN, ``report-type=disposition-notification``)
when the message asked for one: ``processed`` on success, ``processed/Error: <code>^<label>`` with a
CI-SIS integration code (900–906) otherwise. Pure: values in, the receipt's bytes out.
"""

from __future__ import annotations

from datetime import datetime
from email import policy
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.parser import BytesParser
from email.utils import format_datetime, make_msgid

REPORTING_HOST = "sandbox.localhost"
ERROR_LABELS = {
    "900": "Version du document incorrecte pour un remplacement ou une suppression",
    "901": "Auteur non autorisé",
    "902": "Patient inconnu",
    "903": "INS absent du document CDA",
    "904": "INS incohérent avec les traits d'identité",
    "905": "INS incomplet",
    "906": "Autre erreur d'intégration",
}


def _headers_of(original: bytes) -> bytes:
    end = original.find(b"\r\n\r\n")
    end = original.find(b"\n\n") if end < 0 else end
    return original if end < 0 else original[:end + 1]


def _envelope(report_type: str, *, sender: str, to: str, subject: str,
              now: datetime) -> MIMEMultipart:
    report = MIMEMultipart("report", report_type=report_type)
    report["From"] = sender
    report["To"] = to
    report["Subject"] = subject
    report["Date"] = format_datetime(now)
    report["Message-ID"] = make_msgid(domain=REPORTING_HOST)
    report["Auto-Submitted"] = "auto-replied"
    return report


def build_dsn(original: bytes, recipients: tuple[str, ...], *, to: str, now: datetime) -> bytes:
    """A "delivered" DSN for every recipient, with the original headers (RET=HDRS)."""
    report = _envelope("delivery-status", sender=f"MAILER-DAEMON@{REPORTING_HOST}", to=to,
                       subject="Accusé de réception : message remis", now=now)
    report.attach(MIMEText("Votre message a été remis à ses destinataires.", "plain", "utf-8"))
    status = MIMEBase("message", "delivery-status")
    per_message = Message()
    per_message["Reporting-MTA"] = f"dns; {REPORTING_HOST}"
    per_message["Arrival-Date"] = format_datetime(now)
    status.attach(per_message)
    for address in recipients:
        block = Message()
        block["Final-Recipient"] = f"rfc822; {address}"
        block["Action"] = "delivered"
        block["Status"] = "2.0.0"
        status.attach(block)
    report.attach(status)
    headers = MIMEText(_headers_of(original).decode("utf-8", "replace"), "rfc822-headers", "utf-8")
    report.attach(headers)
    return report.as_bytes()


def build_mdn(original: bytes, recipient: str, *, to: str, now: datetime,
              error_code: str | None = None) -> bytes:
    """A processing MDN from ``recipient``: success, or the CI-SIS error ``error_code``."""
    parsed = BytesParser(policy=policy.default).parsebytes(original, headersonly=True)
    original_subject = str(parsed.get("Subject", ""))
    if error_code is None:
        subject = f"Accusé de traitement : {original_subject}"
        text = "Le document a été intégré par le système destinataire."
        disposition = "automatic-action/MDN-sent-automatically; processed"
    else:
        label = ERROR_LABELS.get(error_code, ERROR_LABELS["906"])
        subject = f"[KO Intégration système !][{error_code}] {original_subject}"
        text = f"Le document n'a pas pu être intégré : {label}."
        disposition = f"automatic-action/MDN-sent-automatically; processed/Error: {error_code}^{label}"
    report = _envelope("disposition-notification", sender=recipient, to=to, subject=subject, now=now)
    report.attach(MIMEText(text, "plain", "utf-8"))
    fields = Message()
    fields["Reporting-UA"] = f"{REPORTING_HOST}; Relais sandbox"
    fields["Original-Recipient"] = f"rfc822; {recipient}"
    fields["Final-Recipient"] = f"rfc822; {recipient}"
    fields["Original-Message-ID"] = str(parsed.get("Message-ID", ""))
    fields["Disposition"] = disposition
    notification = MIMEBase("message", "disposition-notification")
    notification.set_payload(fields.as_string(policy=policy.compat32.clone(linesep="\r\n")))
    report.attach(notification)
    report.attach(MIMEMessage(BytesParser(policy=policy.compat32).parsebytes(original)))
    return report.as_bytes()
