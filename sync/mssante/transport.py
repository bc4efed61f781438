"""SMTP submission and IMAP sessions with the MSSanté operator, over TLS 1.2+ with the home's
certificate, and the translation of every network or protocol failure into a `sync.errors` class.

STARTTLS is mandatory on both (a server that does not offer it is never sent anything in clear).
Failures map to what the caller must do: unreachable, timed out, reset, or a 4xx answer →
`RetryLater`; the home's certificate refused or the server's not trusted → `CertificateRejected`;
the sender or login refused → `ConfigurationIncomplete`; the message refused (5xx to DATA) →
`DeliveryRefused` with the server's code.
"""

from __future__ import annotations

import imaplib
import logging
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from sync.errors import CertificateRejected, ConfigurationIncomplete, DeliveryRefused, RetryLater

_LOGGER = logging.getLogger(__name__)

# OpenSSL alert reasons meaning "the server did not accept our certificate".
_CERTIFICATE_ALERTS = frozenset({
    "SSLV3_ALERT_CERTIFICATE_EXPIRED", "SSLV3_ALERT_BAD_CERTIFICATE",
    "SSLV3_ALERT_CERTIFICATE_UNKNOWN", "SSLV3_ALERT_CERTIFICATE_REVOKED",
    "SSLV3_ALERT_UNSUPPORTED_CERTIFICATE", "TLSV1_ALERT_UNKNOWN_CA", "TLSV1_ALERT_ACCESS_DENIED",
    "TLSV13_ALERT_CERTIFICATE_REQUIRED", "TLSV1_ALERT_DECRYPT_ERROR",
})
CERTIFICATE_REFUSED = ("Le serveur MSSanté a refusé le certificat de l'établissement (expiré, "
                       "révoqué ou d'une autorité inconnue) : installez un certificat valide.")
SERVER_NOT_TRUSTED = ("Le certificat présenté par le serveur MSSanté n'est pas reconnu : "
                      "vérifiez l'adresse du serveur et le fichier des autorités de confiance.")
NO_STARTTLS = ("Le serveur MSSanté ne propose pas de connexion chiffrée (STARTTLS) : rien n'a été "
               "envoyé ; vérifiez l'adresse et le port du serveur.")
UNREACHABLE = "Le serveur MSSanté ne répond pas : nouvel essai plus tard."


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A MSSanté server (SMTP submission or IMAP) as host name and TCP port."""

    host: str
    port: int


@dataclass(frozen=True, slots=True)
class TlsFiles:
    """The home's client certificate and key, and the CA bundle (None: the system's authorities)."""

    client_cert: Path
    client_key: Path
    ca_bundle: Path | None


def client_context(files: TlsFiles) -> ssl.SSLContext:
    """TLS 1.2 or newer, the server checked against the CA bundle, the home's certificate shown.

    :raises ConfigurationIncomplete: a certificate, key or CA file is missing or unreadable.
    """
    try:
        context = ssl.create_default_context(
            cafile=str(files.ca_bundle) if files.ca_bundle else None)
        context.load_cert_chain(str(files.client_cert), str(files.client_key))
    except (OSError, ssl.SSLError) as exc:
        raise ConfigurationIncomplete(
            "Le certificat MSSanté de l'établissement, sa clé ou le fichier des autorités est "
            "absent ou illisible.") from exc
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def _tls_failure(exc: ssl.SSLError) -> Exception:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return CertificateRejected(SERVER_NOT_TRUSTED)
    if exc.reason in _CERTIFICATE_ALERTS:
        return CertificateRejected(CERTIFICATE_REFUSED)
    return RetryLater(f"TLS failure with the MSSanté server: {exc.reason}")


def _text(answer: bytes | str) -> str:
    return answer.decode("utf-8", "replace") if isinstance(answer, bytes) else answer


@contextmanager
def translated_errors(what: str) -> Iterator[None]:
    """Turn socket, TLS, SMTP and IMAP failures inside the block into `sync.errors` classes."""
    try:
        yield
    except ssl.SSLError as exc:
        raise _tls_failure(exc) from exc
    except smtplib.SMTPResponseException as exc:
        text = _text(exc.smtp_error)
        if 400 <= exc.smtp_code < 500:
            raise RetryLater(f"{what}: temporary SMTP failure {exc.smtp_code} {text}") from exc
        raise ConfigurationIncomplete(
            f"Le serveur MSSanté refuse la connexion de l'établissement ({exc.smtp_code}) : "
            "vérifiez l'adresse de la boîte aux lettres et le certificat.") from exc
    except smtplib.SMTPServerDisconnected as exc:
        # smtplib turns a TLS alert read after the handshake (TLS 1.3) into a disconnection.
        if isinstance(exc.__context__, ssl.SSLError):
            raise _tls_failure(exc.__context__) from exc
        raise RetryLater(f"{what}: {UNREACHABLE} (disconnected)") from exc
    except (smtplib.SMTPConnectError, imaplib.IMAP4.abort,
            TimeoutError, ConnectionError, EOFError) as exc:
        raise RetryLater(f"{what}: {UNREACHABLE} ({type(exc).__name__})") from exc
    except imaplib.IMAP4.error as exc:
        raise ConfigurationIncomplete(
            "La boîte aux lettres MSSanté refuse la connexion : vérifiez son adresse et son mot "
            "de passe.") from exc
    except OSError as exc:
        raise RetryLater(f"{what}: {UNREACHABLE} ({type(exc).__name__})") from exc


def _open_smtp(endpoint: Endpoint, context: ssl.SSLContext, timeout: float) -> smtplib.SMTP:
    client = smtplib.SMTP(endpoint.host, endpoint.port, timeout=timeout)
    try:
        client.ehlo()
        if not client.has_extn("starttls"):
            raise ConfigurationIncomplete(NO_STARTTLS)
        client.starttls(context=context)
        client.ehlo()
    except BaseException:
        client.close()
        raise
    return client


def send_message(endpoint: Endpoint, context: ssl.SSLContext, message: EmailMessage,
                 sender: str, recipients: tuple[str, ...], timeout: float) -> None:
    """Submit one message; return once the server answered 250 to its data.

    :raises DeliveryRefused: the server refused the message itself (5xx to DATA or to every
        recipient).
    """
    with translated_errors("SMTP"):
        client = _open_smtp(endpoint, context, timeout)
        try:
            refused = client.send_message(message, from_addr=sender, to_addrs=list(recipients))
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryRefused("recipients", "Le serveur MSSanté refuse tous les "
                                  "destinataires de ce document : vérifiez leurs adresses.") from exc
        except smtplib.SMTPDataError as exc:
            if exc.smtp_code >= 500:
                detail = _text(exc.smtp_error)
                raise DeliveryRefused(
                    str(exc.smtp_code), "Le serveur MSSanté a refusé le message comme mal "
                    f"formé ({detail}).") from exc
            raise
        finally:
            try:
                client.quit()
            except (smtplib.SMTPException, OSError):
                client.close()
        if refused:
            _LOGGER.warning("MSSanté server refused %s of %s recipients", len(refused),
                            len(recipients))


def check_smtp(endpoint: Endpoint, context: ssl.SSLContext, timeout: float) -> None:
    """A real SMTP round trip (EHLO, STARTTLS with the certificate, EHLO, NOOP)."""
    with translated_errors("SMTP"):
        client = _open_smtp(endpoint, context, timeout)
        try:
            code, _ = client.noop()
            if code != 250:
                raise RetryLater(f"SMTP NOOP answered {code}")
        finally:
            client.close()


@contextmanager
def imap_session(endpoint: Endpoint, context: ssl.SSLContext, user: str, password: str,
                 timeout: float) -> Iterator[imaplib.IMAP4]:
    """A logged-in IMAP session (STARTTLS first) with INBOX selected."""
    with translated_errors("IMAP"):
        client = imaplib.IMAP4(endpoint.host, endpoint.port, timeout=timeout)
        try:
            if "STARTTLS" not in client.capabilities:
                raise ConfigurationIncomplete(NO_STARTTLS)
            client.starttls(ssl_context=context)
            client.login(user, password)
            status, _ = client.select("INBOX")
            if status != "OK":
                raise RetryLater("IMAP SELECT INBOX failed")
            yield client
        finally:
            try:
                client.logout()
            except (imaplib.IMAP4.error, OSError):
                client.shutdown()
