"""The state of the home's certificates, as `relais status` and the Envois page report it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from edge import CertificateState, certificate_status, read_certificate_status

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _pem(not_before: datetime, not_after: datetime) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "1750000001/relais")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1)
            .not_valid_before(not_before).not_valid_after(not_after).sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM)


@pytest.mark.parametrize(("starts", "ends", "state", "words"), [
    (-400, 300, CertificateState.VALID, "valide jusqu'au 16/09/2027"),
    (-400, 10, CertificateState.EXPIRING, "expire le 30/11/2026"),
    (-400, -1, CertificateState.EXPIRED, "a expiré le 19/11/2026"),
    (2, 400, CertificateState.NOT_YET_VALID, "horloge"),
])
def test_the_state_and_its_sentence_follow_the_validity_dates(
        starts: int, ends: int, state: CertificateState, words: str) -> None:
    status = certificate_status(_pem(NOW + timedelta(days=starts), NOW + timedelta(days=ends)),
                                NOW, label="Le certificat MSSanté")
    assert status.state is state
    assert words in status.message and status.message.startswith("Le certificat MSSanté")
    assert status.not_after == NOW + timedelta(days=ends)
    assert status.usable is (state in (CertificateState.VALID, CertificateState.EXPIRING))


def test_a_missing_or_unreadable_certificate_is_reported(tmp_path: Path) -> None:
    assert read_certificate_status(None, NOW).state is CertificateState.MISSING
    assert read_certificate_status(tmp_path / "absent.pem", NOW).state is CertificateState.MISSING
    garbage = tmp_path / "garbage.pem"
    garbage.write_bytes(b"not a certificate")
    status = read_certificate_status(garbage, NOW)
    assert status.state is CertificateState.UNREADABLE and not status.usable
