"""The image's TLS helper (image/sbin/relais_tls.py): the home's CA, the server certificate, their
renewal rules and the CA page, checked on real certificates made with `cryptography`."""

from __future__ import annotations

import datetime as dt
import ipaddress
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from image_support import load_image_module

pytest.importorskip("segno", reason="segno (PyPI) draws the QR code on the CA page")
tls = load_image_module("relais_tls")

NOW = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.UTC)
IDENTITY = tls.Identity(
    names=("relais-test.local", "relais-test"),
    addresses=(ipaddress.ip_address("192.168.1.20"),),
)


@pytest.fixture(scope="module")
def ca() -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = tls.new_key()
    return tls.make_ca(key, IDENTITY.names, NOW), key


def test_ca_is_a_constrained_p256_authority(ca: tuple[x509.Certificate, object]) -> None:
    cert, _ = ca
    basic = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert basic.critical and basic.value.ca and basic.value.path_length == 0
    constraints = cert.extensions.get_extension_for_class(x509.NameConstraints)
    assert constraints.critical
    permitted = constraints.value.permitted_subtrees
    assert x509.DNSName("relais-test.local") in permitted
    assert x509.IPAddress(ipaddress.ip_network("192.168.0.0/16")) in permitted
    assert x509.IPAddress(ipaddress.ip_network("0.0.0.0/0")) not in permitted
    assert isinstance(cert.public_key(), ec.EllipticCurvePublicKey)
    assert cert.public_key().curve.name == "secp256r1"


def test_server_certificate_covers_names_and_addresses_for_397_days(ca) -> None:
    ca_cert, ca_key = ca
    cert = tls.make_server_cert(ca_cert, ca_key, tls.new_key(), IDENTITY, NOW)
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["relais-test.local", "relais-test"]
    assert san.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("192.168.1.20")]
    assert tls._not_after(cert) - NOW == dt.timedelta(days=397)
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    cert.verify_directly_issued_by(ca_cert)


def test_fresh_certificate_needs_no_renewal(ca) -> None:
    ca_cert, ca_key = ca
    cert = tls.make_server_cert(ca_cert, ca_key, tls.new_key(), IDENTITY, NOW)
    assert tls.renewal_reason(cert, ca_cert, IDENTITY, NOW) is None


def test_certificate_is_renewed_thirty_days_before_expiry(ca) -> None:
    ca_cert, ca_key = ca
    cert = tls.make_server_cert(ca_cert, ca_key, tls.new_key(), IDENTITY, NOW)
    assert tls.renewal_reason(cert, ca_cert, IDENTITY, NOW + dt.timedelta(days=366)) is None
    late = NOW + dt.timedelta(days=368)
    assert tls.renewal_reason(cert, ca_cert, IDENTITY, late) == "expires within 30 days"


def test_certificate_is_renewed_when_the_address_changes(ca) -> None:
    ca_cert, ca_key = ca
    cert = tls.make_server_cert(ca_cert, ca_key, tls.new_key(), IDENTITY, NOW)
    moved = tls.Identity(IDENTITY.names, (ipaddress.ip_address("192.168.1.21"),))
    assert tls.renewal_reason(cert, ca_cert, moved, NOW) == "names or addresses changed"


def test_certificate_from_another_ca_is_replaced(ca) -> None:
    ca_cert, _ = ca
    other_key = tls.new_key()
    other = tls.make_ca(other_key, IDENTITY.names, NOW)
    cert = tls.make_server_cert(other, other_key, tls.new_key(), IDENTITY, NOW)
    # Same subject name, different key: only the key identifiers tell the two CAs apart.
    assert other.subject == ca_cert.subject
    assert tls.renewal_reason(cert, ca_cert, IDENTITY, NOW) == "issued by another CA"


def test_public_addresses_are_left_out_of_the_certificate() -> None:
    addresses = tuple(ipaddress.ip_address(a) for a in ("192.168.1.20", "8.8.8.8", "fd00::1"))
    kept = tls.private_only(addresses)
    assert [str(a) for a in kept] == ["192.168.1.20", "fd00::1"]


def test_fingerprint_is_colon_separated_sha256(ca) -> None:
    cert, _ = ca
    fp = tls.fingerprint(cert)
    assert len(fp) == 32 * 3 - 1
    assert fp.replace(":", "") == cert.fingerprint(tls.hashes.SHA256()).hex().upper()


def test_ca_page_shows_fingerprint_and_qr_and_escapes_html() -> None:
    page = tls.ca_page("AA:BB", "http://192.168.1.20/relais-ca.crt", "<svg>qr</svg>", "x<y")
    assert "AA:BB" in page
    assert "<svg>qr</svg>" in page
    assert "https://x&lt;y/" in page
    assert "<y" not in page.replace("<svg>qr</svg>", "")


def test_ensure_creates_then_keeps_everything(tmp_path: Path) -> None:
    first = tls.ensure(tmp_path / "tls", tmp_path / "www", IDENTITY, NOW)
    assert "ca" in first["changed"] and "server (missing)" in first["changed"]
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    second = tls.ensure(tmp_path / "tls", tmp_path / "www", IDENTITY, NOW)
    assert second == {"changed": [], "ca_fingerprint": first["ca_fingerprint"]}
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before
    for key in (tmp_path / "tls" / "private").iterdir():
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "tls" / "private").stat().st_mode) == 0o700
    page = (tmp_path / "www" / "index.html").read_text()
    assert first["ca_fingerprint"] in page and "<svg" in page
    assert "http://192.168.1.20/relais-ca.crt" in page
    der = (tmp_path / "www" / "relais-ca.crt").read_bytes()
    assert x509.load_der_x509_certificate(der).subject.rfc4514_string().startswith("CN=Relais")


def test_ensure_renews_the_server_certificate_but_keeps_the_ca(tmp_path: Path) -> None:
    first = tls.ensure(tmp_path / "tls", tmp_path / "www", IDENTITY, NOW)
    later = tls.ensure(tmp_path / "tls", tmp_path / "www", IDENTITY, NOW + dt.timedelta(days=380))
    assert later["changed"] == ["server (expires within 30 days)"]
    assert later["ca_fingerprint"] == first["ca_fingerprint"]


def test_renaming_the_box_replaces_the_ca(tmp_path: Path) -> None:
    first = tls.ensure(tmp_path / "tls", tmp_path / "www", IDENTITY, NOW)
    renamed = tls.Identity(("maison-b.local", "maison-b"), IDENTITY.addresses)
    second = tls.ensure(tmp_path / "tls", tmp_path / "www", renamed, NOW)
    assert "ca" in second["changed"]
    assert second["ca_fingerprint"] != first["ca_fingerprint"]
