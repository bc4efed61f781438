"""`relais status` reports the certificates the configured national services need."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from edge.datadir import initialise
from edge.status import read_status

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def _certificate(path: Path, not_after: datetime) -> Path:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "1999999999/relais")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(not_after - timedelta(days=700)).not_valid_after(not_after)
            .sign(key, hashes.SHA256()))
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


def test_no_certificate_is_checked_while_no_service_is_configured(settings) -> None:
    initialise(settings)
    report = read_status(settings, NOW)
    assert report.certificates == {}


def test_an_expired_dmp_certificate_is_a_warning_in_french(settings, tmp_path) -> None:
    initialise(settings)
    cert = _certificate(tmp_path / "dmp.pem", NOW - timedelta(days=1))
    report = read_status(settings.replace(dmp_url="https://127.0.0.1:1/dmp", dmp_client_cert=cert), NOW)
    assert report.certificates["dmp_client_cert"]["state"] == "expired"
    assert any("DMP" in warning for warning in report.warnings)


def test_a_missing_mssante_certificate_is_reported_and_a_valid_one_is_not(settings, tmp_path) -> None:
    initialise(settings)
    missing = read_status(settings.replace(mssante_mailbox="ehpad@test.mssante.fr",
                                           mssante_client_cert=tmp_path / "absent.pem"), NOW)
    assert missing.certificates["mssante_client_cert"]["state"] == "missing"
    assert any("MSSanté" in warning for warning in missing.warnings)
    cert = _certificate(tmp_path / "ok.pem", NOW + timedelta(days=300))
    valid = read_status(settings.replace(mssante_mailbox="ehpad@test.mssante.fr",
                                         mssante_client_cert=cert), NOW)
    assert valid.certificates["mssante_client_cert"]["state"] == "valid"
    assert not any("MSSanté" in warning for warning in valid.warnings)
