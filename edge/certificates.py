"""The state of the home's certificates (missing, unreadable, expiring, expired) for status reports.

Pure: `certificate_status` takes PEM bytes (or None when the file is missing) and the current time
and returns a `CertificateStatus` with a plain French sentence for staff, used by `relais status`,
the *Envois* page and the sync probes alike. `read_certificate_status` reads the file first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path

from cryptography import x509

EXPIRY_WARNING = timedelta(days=30)


class CertificateState(StrEnum):
    VALID = "valid"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    MISSING = "missing"
    UNREADABLE = "unreadable"


@dataclass(frozen=True, slots=True)
class CertificateStatus:
    """What is known of one certificate; ``message`` is one French sentence for staff."""

    state: CertificateState
    message: str
    not_after: datetime | None = None
    subject: str | None = None

    @property
    def usable(self) -> bool:
        return self.state in (CertificateState.VALID, CertificateState.EXPIRING)


def certificate_status(pem: bytes | None, now: datetime, *,
                       label: str = "Le certificat") -> CertificateStatus:
    """The state of a PEM certificate at ``now`` (an aware datetime).

    :param pem: the file's bytes, or None when there is no file.
    :param label: how the message names the certificate, e.g. "Le certificat MSSanté".
    """
    if pem is None:
        return CertificateStatus(CertificateState.MISSING,
                                 f"{label} de l'établissement n'est pas installé.")
    try:
        cert = x509.load_pem_x509_certificate(pem)
    except ValueError:
        return CertificateStatus(CertificateState.UNREADABLE,
                                 f"{label} de l'établissement est illisible : réinstallez-le.")
    not_after = cert.not_valid_after_utc
    subject = cert.subject.rfc4514_string()
    day = not_after.strftime("%d/%m/%Y")
    if now < cert.not_valid_before_utc:
        return CertificateStatus(CertificateState.NOT_YET_VALID,
                                 f"{label} de l'établissement n'est pas encore valide "
                                 "(vérifiez l'horloge de l'appareil).", not_after, subject)
    if now >= not_after:
        return CertificateStatus(CertificateState.EXPIRED,
                                 f"{label} de l'établissement a expiré le {day} : installez "
                                 "le nouveau certificat.", not_after, subject)
    if not_after - now <= EXPIRY_WARNING:
        return CertificateStatus(CertificateState.EXPIRING,
                                 f"{label} de l'établissement expire le {day} : commandez et "
                                 "installez son renouvellement.", not_after, subject)
    return CertificateStatus(CertificateState.VALID,
                             f"{label} de l'établissement est valide jusqu'au {day}.",
                             not_after, subject)


def read_certificate_status(path: Path | None, now: datetime, *,
                            label: str = "Le certificat") -> CertificateStatus:
    """`certificate_status` of a file (None or a missing file: MISSING)."""
    if path is None:
        return certificate_status(None, now, label=label)
    try:
        pem = path.read_bytes()
    except FileNotFoundError:
        return certificate_status(None, now, label=label)
    except OSError:
        return CertificateStatus(CertificateState.UNREADABLE,
                                 f"{label} de l'établissement ne peut pas être lu.")
    return certificate_status(pem, now, label=label)
