"""The appliance's TLS material: a local certificate authority per home and the server certificate
nginx presents to the tablets, plus the page that tells staff how to install the CA.

Runs at first boot and at every boot (relais-tls.service) with the image's tools venv; it uses
`cryptography` and `segno` directly and imports nothing from the Relais packages.

- The CA is ECDSA P-256, valid 10 years, limited by critical name constraints to the box's names
  and the private address ranges, so a stolen CA key cannot impersonate any other site to the
  tablets that trust it.
- The server certificate is ECDSA P-256, valid 397 days (under the 825-day limit Apple applies to
  locally trusted roots), and is re-issued when it nears expiry or when the box's names or
  addresses change.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import ipaddress
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_DAYS = 3650
SERVER_DAYS = 397
RENEW_BEFORE = dt.timedelta(days=30)
BACKDATE = dt.timedelta(hours=1)
PRIVATE_NETWORKS = (
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "169.254.0.0/16",
    "127.0.0.0/8",
    "fc00::/7",
    "fe80::/10",
)
CA_FILE = "ca.pem"
CA_KEY_FILE = "private/ca.key"
SERVER_FILE = "server.pem"
SERVER_KEY_FILE = "private/server.key"
CA_DOWNLOAD = "relais-ca.crt"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True, slots=True)
class Identity:
    """The names and addresses the server certificate must cover."""

    names: tuple[str, ...]
    addresses: tuple[IPAddress, ...]


def new_key() -> ec.EllipticCurvePrivateKey:
    """Return a fresh ECDSA P-256 private key."""
    return ec.generate_private_key(ec.SECP256R1())


def make_ca(key: ec.EllipticCurvePrivateKey, names: tuple[str, ...], now: dt.datetime) -> x509.Certificate:
    """Return a self-signed CA certificate constrained to ``names`` and the private ranges."""
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Relais"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"Relais {names[0]} local CA"),
        ]
    )
    permitted: list[x509.GeneralName] = [x509.DNSName(name) for name in names]
    permitted += [x509.IPAddress(ipaddress.ip_network(net)) for net in PRIVATE_NETWORKS]
    public = key.public_key()
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + dt.timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(x509.NameConstraints(permitted, None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )


def make_server_cert(
    ca_cert: x509.Certificate,
    ca_key: ec.EllipticCurvePrivateKey,
    key: ec.EllipticCurvePrivateKey,
    identity: Identity,
    now: dt.datetime,
) -> x509.Certificate:
    """Return a server certificate for ``identity`` signed by the CA."""
    alt_names: list[x509.GeneralName] = [x509.DNSName(name) for name in identity.names]
    alt_names += [x509.IPAddress(address) for address in identity.addresses]
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, identity.names[0])])
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + dt.timedelta(days=SERVER_DAYS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )


def renewal_reason(
    cert: x509.Certificate, ca_cert: x509.Certificate, identity: Identity, now: dt.datetime
) -> str | None:
    """Say why ``cert`` must be re-issued, or return None when it still fits."""
    if cert.issuer != ca_cert.subject or _authority_key_id(cert) != _subject_key_id(ca_cert):
        return "issued by another CA"
    if _not_after(cert) - now < RENEW_BEFORE:
        return "expires within 30 days"
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    names = set(san.get_values_for_type(x509.DNSName))
    addresses = set(san.get_values_for_type(x509.IPAddress))
    if names != set(identity.names) or addresses != set(identity.addresses):
        return "names or addresses changed"
    return None


def fingerprint(cert: x509.Certificate) -> str:
    """Return the SHA-256 fingerprint as colon-separated upper-case hex."""
    digest = cert.fingerprint(hashes.SHA256()).hex().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def reachable_host(identity: Identity) -> str:
    """Return the host a tablet can reach most surely: an IPv4 address, else the first name."""
    for address in identity.addresses:
        if address.version == 4:
            return str(address)
    return identity.names[0]


def ca_page(ca_fingerprint: str, download_url: str, qr_svg: str, host: str) -> str:
    """Return the HTML page served on port 80 that explains how to trust the home's CA."""
    fp = html.escape(ca_fingerprint)
    url = html.escape(download_url)
    https = html.escape(f"https://{host}/")
    return f"""<!doctype html>
<html lang="fr"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Relais : installer le certificat de l'établissement</title>
<style>body{{font-family:sans-serif;max-width:40em;margin:1em auto;padding:0 1em;line-height:1.5}}
code{{word-break:break-all;font-size:1.1em}}svg{{width:14em;height:14em}}</style></head>
<body>
<h1>Installer le certificat de l'établissement</h1>
<p>Les tablettes parlent à Relais en HTTPS. Installez une fois, sur chaque tablette, le
certificat de l'autorité locale de cet établissement, puis ouvrez <a href="{https}">{https}</a>.</p>
<p><a href="/{CA_DOWNLOAD}">Télécharger le certificat</a>, ou scannez ce code avec
l'appareil photo (il mène à <code>{url}</code>) :</p>
{qr_svg}
<h2>Vérifier avant d'installer</h2>
<p>Empreinte SHA-256 attendue (elle figure aussi sur la fiche d'installation remise par le
technicien ; si elle diffère, n'installez pas et prévenez l'administrateur) :</p>
<p><code>{fp}</code></p>
<h2>Android</h2>
<ol><li>Paramètres › Sécurité › Chiffrement et identifiants › Installer un certificat ›
Certificat CA.</li><li>Choisissez le fichier <code>{CA_DOWNLOAD}</code> téléchargé.</li></ol>
<h2>iPad</h2>
<ol><li>Ouvrez le lien avec Safari et acceptez le profil.</li>
<li>Réglages › Général › VPN et gestion de l'appareil : installez le profil.</li>
<li>Réglages › Général › Informations › Réglages des certificats : activez la confiance
totale pour « Relais ».</li></ol>
</body></html>
"""


def ensure(tls_dir: Path, www_dir: Path, identity: Identity, now: dt.datetime) -> dict[str, object]:
    """Create what is missing or stale under ``tls_dir`` and ``www_dir``; say what changed."""
    changed: list[str] = []
    ca_path, ca_key_path = tls_dir / CA_FILE, tls_dir / CA_KEY_FILE
    ca_cert: x509.Certificate | None = None
    if ca_path.exists() and ca_key_path.exists():
        ca_cert = x509.load_pem_x509_certificate(ca_path.read_bytes())
        ca_key = _load_key(ca_key_path)
        if not set(identity.names) <= _permitted_names(ca_cert):
            ca_cert = None  # the box was renamed: the old CA cannot vouch for the new name
    if ca_cert is None:
        ca_key = new_key()
        ca_cert = make_ca(ca_key, identity.names, now)
        _write(ca_key_path, _key_pem(ca_key), 0o600)
        _write(ca_path, ca_cert.public_bytes(serialization.Encoding.PEM), 0o644)
        changed.append("ca")
    server_path = tls_dir / SERVER_FILE
    reason: str | None = "missing"
    if server_path.exists() and (tls_dir / SERVER_KEY_FILE).exists():
        reason = renewal_reason(
            x509.load_pem_x509_certificate(server_path.read_bytes()), ca_cert, identity, now
        )
    if reason is not None:
        key = new_key()
        cert = make_server_cert(ca_cert, ca_key, key, identity, now)
        _write(tls_dir / SERVER_KEY_FILE, _key_pem(key), 0o600)
        chain = cert.public_bytes(serialization.Encoding.PEM)
        _write(server_path, chain + ca_cert.public_bytes(serialization.Encoding.PEM), 0o644)
        changed.append(f"server ({reason})")
    ca_fp = fingerprint(ca_cert)
    host = reachable_host(identity)
    url = f"http://{host}/{CA_DOWNLOAD}"
    outputs = {
        www_dir / CA_DOWNLOAD: ca_cert.public_bytes(serialization.Encoding.DER),
        www_dir / "index.html": ca_page(ca_fp, url, _qr_svg(url), host).encode(),
        www_dir / "fingerprint.txt": f"{ca_fp}\n".encode(),
    }
    for path, content in outputs.items():
        if not path.exists() or path.read_bytes() != content:
            _write(path, content, 0o644)
            changed.append(path.name)
    return {"changed": changed, "ca_fingerprint": ca_fp}


def _authority_key_id(cert: x509.Certificate) -> bytes | None:
    try:
        aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    except x509.ExtensionNotFound:
        return None
    return aki.key_identifier


def _subject_key_id(cert: x509.Certificate) -> bytes:
    return x509.SubjectKeyIdentifier.from_public_key(cert.public_key()).digest


def _permitted_names(ca_cert: x509.Certificate) -> set[str]:
    constraints = ca_cert.extensions.get_extension_for_class(x509.NameConstraints).value
    return {n.value for n in constraints.permitted_subtrees or () if isinstance(n, x509.DNSName)}


def private_only(addresses: tuple[IPAddress, ...]) -> tuple[IPAddress, ...]:
    """Keep the addresses the CA's name constraints allow (the private ranges)."""
    networks = [ipaddress.ip_network(net) for net in PRIVATE_NETWORKS]
    return tuple(a for a in addresses if any(a in net for net in networks))


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _not_after(cert: x509.Certificate) -> dt.datetime:
    # not_valid_after_utc appeared in cryptography 42; Debian bookworm ships 38.
    value = getattr(cert, "not_valid_after_utc", None)
    if value is None:
        value = cert.not_valid_after.replace(tzinfo=dt.UTC)
    return value


def _qr_svg(text: str) -> str:
    import segno  # noqa: PLC0415 - only the page needs it

    svg: str = segno.make(text, error="m").svg_inline(scale=4, title="Certificat Relais")
    return svg


def _load_key(path: Path) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise SystemExit(f"relais-tls: {path} is not an EC key; move it away to regenerate")
    return key


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _write(path: Path, content: bytes, mode: int) -> None:
    """Write atomically: a crash leaves either the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700 if mode == 0o600 else 0o755)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.write(fd, content)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="relais-tls", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("ensure", help="create or renew the CA, server certificate and CA page")
    run.add_argument("--dir", type=Path, required=True, help="TLS directory (/etc/relais/tls)")
    run.add_argument("--www", type=Path, required=True, help="CA page directory")
    run.add_argument("--name", action="append", required=True, help="DNS name (repeatable)")
    run.add_argument("--address", action="append", default=[], help="IP address (repeatable)")
    show = sub.add_parser("fingerprint", help="print the CA's SHA-256 fingerprint")
    show.add_argument("--dir", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.command == "fingerprint":
        ca = x509.load_pem_x509_certificate((args.dir / CA_FILE).read_bytes())
        print(fingerprint(ca))
        return 0
    try:
        addresses = tuple(dict.fromkeys(ipaddress.ip_address(a) for a in args.address))
    except ValueError as exc:
        parser.error(str(exc))
    identity = Identity(tuple(dict.fromkeys(args.name)), private_only(addresses))
    result = ensure(args.dir, args.www, identity, dt.datetime.now(dt.UTC))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
