"""The sandbox's test PKI and the IMAP server's fallback when dovecot is not installed."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from sync.sandbox.ca import ensure_pki
from sync.sandbox.imap import DovecotMissing, ImapConfig, SandboxImap

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def test_the_pki_is_generated_once_with_predictable_names(tmp_path: Path) -> None:
    pki = ensure_pki(tmp_path, finess="750000001", home_name="EHPAD Les Tilleuls", now=NOW)
    assert all(path.exists() for path in pki.all_paths())
    before = {path: path.read_bytes() for path in pki.all_paths()}
    again = ensure_pki(tmp_path, finess="750000001", home_name="EHPAD Les Tilleuls", now=NOW)
    assert {path: path.read_bytes() for path in again.all_paths()} == before
    assert pki.client_key.stat().st_mode & 0o077 == 0


def test_the_home_certificate_names_the_home_and_its_finess(tmp_path: Path) -> None:
    pki = ensure_pki(tmp_path, finess="750000001", home_name="EHPAD Les Tilleuls", now=NOW)
    client, ca = _cert(pki.client_cert), _cert(pki.ca_cert)
    subject = client.subject
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "EHPAD Les Tilleuls"
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)[0].value == "1750000001"
    assert client.issuer == ca.subject
    client.verify_directly_issued_by(ca)
    usage = client.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.CLIENT_AUTH in usage


def test_the_server_certificate_covers_loopback_by_ip_and_name(tmp_path: Path) -> None:
    pki = ensure_pki(tmp_path, finess="750000001", home_name="EHPAD Les Tilleuls", now=NOW)
    names = _cert(pki.server_cert).extensions.get_extension_for_class(
        x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["localhost"]
    assert names.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("127.0.0.1")]


def test_the_bad_certificates_are_expired_or_from_another_authority(tmp_path: Path) -> None:
    pki = ensure_pki(tmp_path, finess="750000001", home_name="EHPAD Les Tilleuls", now=NOW)
    assert _cert(pki.expired_cert).not_valid_after_utc < NOW
    rogue = _cert(pki.rogue_cert)
    assert rogue.issuer != _cert(pki.ca_cert).subject
    rogue.verify_directly_issued_by(_cert(pki.rogue_ca_cert))


def test_another_home_gets_new_certificates(tmp_path: Path) -> None:
    first = ensure_pki(tmp_path, finess="750000001", home_name="EHPAD Les Tilleuls", now=NOW)
    old = first.client_cert.read_bytes()
    ensure_pki(tmp_path, finess="750000002", home_name="EHPAD Les Lilas", now=NOW)
    assert first.client_cert.read_bytes() != old


def test_a_missing_dovecot_names_the_debian_package(tmp_path: Path) -> None:
    pki = ensure_pki(tmp_path / "pki", finess="750000001", home_name="EHPAD", now=NOW)
    imap = SandboxImap(ImapConfig(tmp_path / "imap", pki, "relais@ehpad.mssante.fr", "secret",
                                  tmp_path / "mail"), binary=tmp_path / "no-dovecot")
    with pytest.raises(DovecotMissing, match="dovecot-imapd"):
        imap.start()
