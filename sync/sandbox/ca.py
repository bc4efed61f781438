"""The sandbox's test PKI: a CA, server and client certificates written to one directory, idempotently.

Files, all PEM, with predictable names (see `Pki`): the test CA (``ca.pem``/``ca.key``); the server
certificate for 127.0.0.1 and localhost (``server.*``); the home's client certificate, a
structure ("personne morale") certificate whose subject carries the home's name and its
idNat_Struct (``1`` + FINESS) (``client.*``); the same subject already expired
(``client-expired.*``); and a client certificate issued by another CA (``rogue-ca.pem``,
``rogue-client.*``) so the sandbox can show a rejected certificate. Only for tests and the demo.
"""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

_LOGGER = logging.getLogger(__name__)

KEY_SIZE = 2048
CA_VALIDITY = timedelta(days=3650)
LEAF_VALIDITY = timedelta(days=825)
BACKDATE = timedelta(hours=1)
STAMP = "pki.stamp"


@dataclass(frozen=True, slots=True)
class Pki:
    """Paths of the sandbox's certificates and keys."""

    directory: Path

    def _path(self, name: str) -> Path:
        return self.directory / name

    @property
    def ca_cert(self) -> Path:
        return self._path("ca.pem")

    @property
    def ca_key(self) -> Path:
        return self._path("ca.key")

    @property
    def server_cert(self) -> Path:
        return self._path("server.pem")

    @property
    def server_key(self) -> Path:
        return self._path("server.key")

    @property
    def client_cert(self) -> Path:
        return self._path("client.pem")

    @property
    def client_key(self) -> Path:
        return self._path("client.key")

    @property
    def expired_cert(self) -> Path:
        return self._path("client-expired.pem")

    @property
    def expired_key(self) -> Path:
        return self._path("client-expired.key")

    @property
    def rogue_ca_cert(self) -> Path:
        return self._path("rogue-ca.pem")

    @property
    def rogue_cert(self) -> Path:
        return self._path("rogue-client.pem")

    @property
    def rogue_key(self) -> Path:
        return self._path("rogue-client.key")

    def all_paths(self) -> tuple[Path, ...]:
        return (self.ca_cert, self.ca_key, self.server_cert, self.server_key, self.client_cert,
                self.client_key, self.expired_cert, self.expired_key, self.rogue_ca_cert,
                self.rogue_cert, self.rogue_key)


@dataclass(frozen=True, slots=True)
class _Issued:
    cert: x509.Certificate
    key: rsa.RSAPrivateKey


def home_subject(finess: str, home_name: str) -> x509.Name:
    """Subject of the home's structure certificate: its name and idNat_Struct (``1`` + FINESS)."""
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, home_name),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, f"1{finess}"),
        x509.NameAttribute(NameOID.COMMON_NAME, f"1{finess}/relais"),
    ])


def _ca(name: str, now: datetime) -> _Issued:
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
    subject = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Relais sandbox"),
                         x509.NameAttribute(NameOID.COMMON_NAME, name)])
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - BACKDATE).not_valid_after(now + CA_VALIDITY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False,
                                         False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .sign(key, hashes.SHA256()))
    return _Issued(cert, key)


def _leaf(issuer: _Issued, subject: x509.Name, *, server: bool, not_before: datetime,
          not_after: datetime) -> _Issued:
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
    usage = ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer.cert.subject)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(not_before).not_valid_after(not_after)
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(True, not server, True, False, False, False, False,
                                            False, False), critical=True)
               .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                   issuer.key.public_key()), critical=False))
    if server:
        builder = builder.add_extension(x509.SubjectAlternativeName([
            x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False)
    return _Issued(builder.sign(issuer.key, hashes.SHA256()), key)


def _write(path: Path, data: bytes, private: bool) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    tmp.chmod(0o600 if private else 0o644)
    tmp.replace(path)


def _write_pair(cert_path: Path, key_path: Path | None, issued: _Issued) -> None:
    _write(cert_path, issued.cert.public_bytes(serialization.Encoding.PEM), private=False)
    if key_path is not None:
        _write(key_path, issued.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()), private=True)


def ensure_pki(directory: Path, *, finess: str, home_name: str, now: datetime) -> Pki:
    """Create the test PKI in ``directory`` unless a complete one for this home is already there.

    :param now: the current time (aware), passed in so tests control validity periods.
    """
    pki = Pki(directory)
    stamp = directory / STAMP
    wanted = f"{finess}\n{home_name}\n"
    if (stamp.exists() and stamp.read_text(encoding="utf-8") == wanted
            and all(path.exists() for path in pki.all_paths())
            and _still_valid(pki.client_cert, now)):
        return pki
    directory.mkdir(parents=True, exist_ok=True)
    _LOGGER.info("generating the sandbox test PKI in %s", directory)
    ca = _ca("Relais sandbox test CA", now)
    rogue_ca = _ca("Untrusted test CA", now)
    server_subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    subject = home_subject(finess, home_name)
    _write_pair(pki.ca_cert, pki.ca_key, ca)
    _write_pair(pki.server_cert, pki.server_key,
                _leaf(ca, server_subject, server=True, not_before=now - BACKDATE,
                      not_after=now + LEAF_VALIDITY))
    _write_pair(pki.client_cert, pki.client_key,
                _leaf(ca, subject, server=False, not_before=now - BACKDATE,
                      not_after=now + LEAF_VALIDITY))
    _write_pair(pki.expired_cert, pki.expired_key,
                _leaf(ca, subject, server=False, not_before=now - timedelta(days=400),
                      not_after=now - timedelta(days=30)))
    _write_pair(pki.rogue_ca_cert, None, rogue_ca)
    _write_pair(pki.rogue_cert, pki.rogue_key,
                _leaf(rogue_ca, subject, server=False, not_before=now - BACKDATE,
                      not_after=now + LEAF_VALIDITY))
    _write(stamp, wanted.encode("utf-8"), private=False)
    return pki


def _still_valid(cert_path: Path, now: datetime) -> bool:
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    return cert.not_valid_before_utc <= now < cert.not_valid_after_utc - timedelta(days=30)
