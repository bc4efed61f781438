"""HTTPS to the DMP with the home's client certificate: one POST, one probe, errors sorted by cause.

Every failure becomes what the delivery loop must do: the network or the service failing for now
(refused, reset, timeout, 5xx) is `RetryLater`; a certificate the service refuses, a server
certificate this appliance cannot trust, or a missing file is `ConfigurationIncomplete`
(an administrator must act). Plain `http.client` over an `ssl.SSLContext`, TLS 1.2 at least.
"""

from __future__ import annotations

import http.client
import logging
import socket
import ssl
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from cryptography import x509

from sync.errors import CertificateRejected, ConfigurationIncomplete, RetryLater

_LOGGER = logging.getLogger(__name__)
USER_AGENT = "Relais-sync"
MAX_ANSWER_BYTES = 8 * 1024 * 1024  # a RegistryResponse is a few kB; more is a broken peer
_READ_CHUNK = 64 * 1024
_CERT_REFUSED_MARKERS = ("bad certificate", "unknown ca", "certificate required",
                         "certificate unknown", "certificate expired", "certificate revoked",
                         "access denied", "handshake failure")


@dataclass(frozen=True, slots=True)
class TlsFiles:
    """The home's client certificate and key, and the CA bundle that vouches for the service."""

    client_cert: Path | None
    client_key: Path | None
    ca_bundle: Path | None

    def context(self) -> ssl.SSLContext:
        """A client context requiring TLS ≥ 1.2 and a valid server certificate.

        :raises ConfigurationIncomplete: a file is missing or unreadable.
        """
        if self.client_cert is None or self.client_key is None:
            raise ConfigurationIncomplete(
                "Le certificat client de l'établissement n'est pas configuré : un administrateur "
                "doit l'installer (réglages dmp_client_cert et dmp_client_key).")
        try:
            context = ssl.create_default_context(
                cafile=str(self.ca_bundle) if self.ca_bundle else None)
            context.minimum_version = ssl.TLSVersion.TLSv1_2
            context.load_cert_chain(str(self.client_cert), str(self.client_key))
        except (OSError, ssl.SSLError) as exc:
            raise ConfigurationIncomplete(
                "Le certificat client ou l'autorité de confiance du DMP est absent ou illisible : "
                "un administrateur doit vérifier les fichiers configurés.") from exc
        return context

    def client_cert_expiry(self) -> datetime | None:
        """When the client certificate stops being valid (UTC); None when unset or unreadable."""
        if self.client_cert is None:
            return None
        try:
            cert = x509.load_pem_x509_certificate(self.client_cert.read_bytes())
        except (OSError, ValueError):
            return None
        return cert.not_valid_after_utc


@dataclass(frozen=True, slots=True)
class HttpAnswer:
    """One HTTP answer of the DMP: its status, its Content-Type and its (bounded) body."""

    status: int
    content_type: str
    body: bytes


def _connection(url: str, context: ssl.SSLContext, timeout: float) -> tuple[
        http.client.HTTPSConnection, str]:
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise ConfigurationIncomplete(
            "L'adresse du DMP n'est pas une adresse https valide : un administrateur doit la "
            "corriger (réglage dmp_url).")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return (http.client.HTTPSConnection(parts.hostname, parts.port or 443, context=context,
                                        timeout=timeout), path)


def _translate(exc: BaseException) -> Exception:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return ConfigurationIncomplete(
            "Le certificat présenté par le DMP n'est pas reconnu : un administrateur doit "
            "vérifier l'autorité de confiance configurée (réglage dmp_ca_bundle).")
    if isinstance(exc, ssl.SSLError) and any(m in str(exc).lower() for m in _CERT_REFUSED_MARKERS):
        return CertificateRejected(
            "Le DMP refuse le certificat de l'établissement (expiré, révoqué ou non reconnu) : "
            "un administrateur doit installer un certificat valide.")
    if isinstance(exc, TimeoutError | socket.timeout):
        return RetryLater("Le DMP ne répond pas (délai dépassé).")
    return RetryLater("Le DMP est injoignable pour le moment (connexion impossible ou coupée).")


_NETWORK_ERRORS = (OSError, http.client.HTTPException, ssl.SSLError)


def _read_bounded(response: http.client.HTTPResponse, limit: int) -> bytes | None:
    """The body, or None as soon as it proves longer than `limit` bytes (the rest is not read)."""
    declared = response.getheader("Content-Length")
    if declared is not None and declared.strip().isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    while chunk := response.read(min(_READ_CHUNK, limit + 1 - size)):
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            return None
    return b"".join(chunks)


def post(url: str, tls: TlsFiles, *, content_type: str, body: bytes, action: str,
         timeout: float) -> HttpAnswer:
    """POST a SOAP message and return the answer of any HTTP status below 500.

    :raises RetryLater: unreachable, reset, timeout, HTTP 5xx (other than a SOAP fault).
    :raises ConfigurationIncomplete: certificates refused, untrusted or missing.
    """
    connection, path = _connection(url, tls.context(), timeout)
    try:
        connection.request("POST", path, body=body, headers={
            "Content-Type": content_type, "SOAPAction": f'"{action}"', "User-Agent": USER_AGENT,
            "Content-Length": str(len(body))})
        response = connection.getresponse()
        data = _read_bounded(response, MAX_ANSWER_BYTES)
        if data is None:
            raise RetryLater(f"La réponse du DMP dépasse {MAX_ANSWER_BYTES // (1024 * 1024)} Mio : "
                             "elle est ignorée et l'envoi sera retenté plus tard.")
        answer = HttpAnswer(response.status, response.getheader("Content-Type") or "", data)
    except _NETWORK_ERRORS as exc:
        raise _translate(exc) from exc
    finally:
        connection.close()
    if answer.status >= 500 and b"Fault" not in answer.body:
        raise RetryLater(f"Le DMP est momentanément indisponible (HTTP {answer.status}).")
    return answer


def probe(url: str, tls: TlsFiles, timeout: float) -> str | None:
    """A real TLS handshake with the client certificate and a light GET of the service description.

    :returns: None when the DMP answers, else the reason in plain French.
    """
    try:
        connection, path = _connection(url, tls.context(), timeout)
    except ConfigurationIncomplete as exc:
        return str(exc)
    separator = "&" if "?" in path else "?"
    try:
        connection.request("GET", path + separator + "wsdl", headers={"User-Agent": USER_AGENT})
        response = connection.getresponse()
        _read_bounded(response, MAX_ANSWER_BYTES)  # the description itself does not matter
    except _NETWORK_ERRORS as exc:
        return str(_translate(exc))
    finally:
        connection.close()
    if response.status >= 500:
        return f"Le DMP est momentanément indisponible (HTTP {response.status})."
    return None
