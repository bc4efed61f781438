"""nginx in front of the tablet application: the generated configuration passes `nginx -t`, and a
real nginx on 127.0.0.1 with certificates made by relais-tls speaks only TLS 1.2/1.3 with
forward-secret AEAD suites, sends HSTS, serves the CA page on HTTP and, before first boot has
finished, nothing but the set-up page on HTTPS."""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import socket
import ssl
import subprocess
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from image_support import HOSTNAME, require, script_env

pytest.importorskip("segno", reason="segno (PyPI) draws the QR code on the CA page")


def free_ports(count: int) -> list[int]:
    """Distinct free loopback ports: every socket stays bound until all are chosen, so the
    kernel cannot hand out the same port twice."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def make_tls(root: Path) -> None:
    subprocess.run(
        [root / "usr/local/sbin/relais-tls"], env=script_env(root), check=True, capture_output=True
    )


def nginx_prefix(root: Path, site: str, https_port: int, http_port: int, app_port: int) -> Path:
    """Copy the installed nginx files into a private prefix, pointed at ``root`` and at
    loopback ports, with a minimal main nginx.conf around them."""
    prefix = root.parent / "nginx"
    for sub in ("snippets", "conf.d", "sites-available", "sites-enabled", "tmp"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    replacements = [
        ("/etc/nginx/", f"{prefix}/"),
        ("/etc/relais/", f"{root}/etc/relais/"),
        ("/var/www/relais/", f"{root}/var/www/relais/"),
        ("listen 443 ", f"listen 127.0.0.1:{https_port} "),
        ("listen 80 ", f"listen 127.0.0.1:{http_port} "),
        # A port nobody listens on: the application is not part of these tests.
        ("proxy_pass http://127.0.0.1:8080;", f"proxy_pass http://127.0.0.1:{app_port};"),
    ]
    for sub in ("snippets", "conf.d", "sites-available"):
        for source in (root / "etc/nginx" / sub).iterdir():
            text = "\n".join(line for line in source.read_text().splitlines() if "listen [::]" not in line)
            for old, new in replacements:
                text = text.replace(old, new)
            (prefix / sub / source.name).write_text(text + "\n")
    (prefix / "sites-enabled" / "relais").symlink_to(prefix / "sites-available" / site)
    user = "user root root;\n" if os.geteuid() == 0 else ""
    (prefix / "nginx.conf").write_text(
        f"""{user}worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    include {prefix}/conf.d/*.conf;
    include {prefix}/sites-enabled/*;
}}
"""
    )
    return prefix


def nginx_test(prefix: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            require("nginx"),
            "-t",
            "-p",
            str(prefix),
            "-c",
            str(prefix / "nginx.conf"),
            "-e",
            str(prefix / "error.log"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("site", ["relais-app", "relais-setup"])
def test_generated_nginx_configuration_passes_nginx_t(image_root: Path, site: str) -> None:
    require("nginx")
    make_tls(image_root)
    prefix = nginx_prefix(image_root, site, *free_ports(3))
    done = nginx_test(prefix)
    assert done.returncode == 0, done.stderr
    assert "test is successful" in done.stderr


def test_nginx_t_fails_without_the_certificates(image_root: Path) -> None:
    require("nginx")
    prefix = nginx_prefix(image_root, "relais-app", *free_ports(3))
    assert nginx_test(prefix).returncode != 0


def test_tls_snippet_allows_only_tls12_tls13_and_ecdhe_aead_suites() -> None:
    from image_support import IMAGE

    text = (IMAGE / "nginx" / "relais-tls.conf").read_text()
    assert re.search(r"^ssl_protocols TLSv1\.2 TLSv1\.3;$", text, re.M)
    suites = re.search(r"^ssl_ciphers (\S+);$", text, re.M)
    assert suites is not None
    for suite in suites.group(1).split(":"):
        assert suite.startswith("ECDHE-") and ("GCM" in suite or "CHACHA20-POLY1305" in suite)
    assert "ssl_session_tickets off;" in text
    assert re.search(r'Strict-Transport-Security "max-age=(\d+)"', text)


@dataclass(frozen=True)
class Nginx:
    root: Path
    https: int
    http: int


def start_nginx(root: Path, site: str) -> Iterator[Nginx]:
    require("nginx")
    make_tls(root)
    https_port, http_port, app_port = free_ports(3)
    prefix = nginx_prefix(root, site, https_port, http_port, app_port)
    output = (prefix / "stdout.log").open("wb")
    proc = subprocess.Popen(
        [
            require("nginx"),
            "-p",
            str(prefix),
            "-c",
            str(prefix / "nginx.conf"),
            "-e",
            str(prefix / "error.log"),
            "-g",
            "daemon off;",
        ],
        stdout=output,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", https_port), timeout=0.5).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log = (prefix / "error.log").read_text() if (prefix / "error.log").exists() else ""
                    out = (prefix / "stdout.log").read_text()
                    pytest.fail(f"nginx did not start: {out}\n{log}")
                time.sleep(0.05)
        yield Nginx(root, https_port, http_port)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        output.close()


@pytest.fixture
def app_nginx(image_root: Path) -> Iterator[Nginx]:
    yield from start_nginx(image_root, "relais-app")


@pytest.fixture
def setup_nginx(image_root: Path) -> Iterator[Nginx]:
    yield from start_nginx(image_root, "relais-setup")


def client_context(
    root: Path,
    version: ssl.TLSVersion | None = None,
    ciphers: str | None = None,
) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(root / "etc/relais/tls/ca.pem")
    if version is not None:
        # Old protocol versions need OpenSSL's security level 0 on the client side; Python
        # warns that they are deprecated, which is the point of offering them here.
        context.set_ciphers("ALL:@SECLEVEL=0")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            context.minimum_version = version
            context.maximum_version = version
    if ciphers is not None:
        context.maximum_version = ssl.TLSVersion.TLSv1_2
        context.set_ciphers(ciphers)
    return context


@contextlib.contextmanager
def handshake(nginx: Nginx, context: ssl.SSLContext) -> Iterator[ssl.SSLSocket]:
    """Connect and complete a TLS handshake; the socket is closed even when it fails."""
    with socket.create_connection(("127.0.0.1", nginx.https), timeout=5) as sock:
        with context.wrap_socket(sock, server_hostname=f"{HOSTNAME}.local") as tls:
            yield tls


@pytest.mark.integration
@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3])
def test_tls12_and_tls13_handshakes_verify_against_the_home_ca(app_nginx: Nginx, version) -> None:
    context = client_context(app_nginx.root)
    context.minimum_version = context.maximum_version = version
    with handshake(app_nginx, context) as tls:
        expected = {ssl.TLSVersion.TLSv1_2: "TLSv1.2", ssl.TLSVersion.TLSv1_3: "TLSv1.3"}
        assert tls.version() == expected[version]
        name, _, bits = tls.cipher()
        assert bits >= 128
        assert "GCM" in name or "CHACHA20" in name


@pytest.mark.integration
@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1])
def test_tls10_and_tls11_are_refused(app_nginx: Nginx, version) -> None:
    try:
        context = client_context(app_nginx.root, version=version)
    except (ValueError, ssl.SSLError) as exc:
        pytest.skip(f"this OpenSSL cannot even offer {version.name}: {exc}")
    with pytest.raises(ssl.SSLError), handshake(app_nginx, context):
        pass


@pytest.mark.integration
@pytest.mark.parametrize(
    "suite",
    [
        "ECDHE-ECDSA-AES128-SHA256",
        "ECDHE-ECDSA-AES256-SHA",
        "ECDHE-ECDSA-AES128-SHA",
        "AES128-GCM-SHA256",
        "AES256-SHA256",
    ],
)
def test_non_aead_and_non_forward_secret_suites_are_refused(app_nginx: Nginx, suite: str) -> None:
    try:
        context = client_context(app_nginx.root, ciphers=suite)
    except ssl.SSLError as exc:
        pytest.skip(f"this OpenSSL does not offer {suite}: {exc}")
    with pytest.raises(ssl.SSLError), handshake(app_nginx, context):
        pass


@pytest.mark.integration
def test_the_only_tls12_suites_accepted_are_ecdhe_aead(app_nginx: Nginx) -> None:
    probe = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    probe.set_ciphers("ALL:@SECLEVEL=0")
    accepted = []
    for suite in {c["name"] for c in probe.get_ciphers() if c["protocol"] == "TLSv1.2"}:
        try:
            context = client_context(app_nginx.root, ciphers=suite)
        except ssl.SSLError:
            continue
        try:
            with handshake(app_nginx, context):
                accepted.append(suite)
        except ssl.SSLError:
            pass
    assert accepted, "no TLS 1.2 suite was accepted at all"
    for suite in accepted:
        assert suite.startswith("ECDHE-ECDSA-") and ("GCM" in suite or "CHACHA20" in suite), suite


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: str


def https_get(nginx: Nginx, path: str) -> Reply:
    with handshake(nginx, client_context(nginx.root)) as tls:
        tls.sendall(f"GET {path} HTTP/1.1\r\nHost: {HOSTNAME}.local\r\nConnection: close\r\n\r\n".encode())
        response = http.client.HTTPResponse(tls)  # type: ignore[arg-type]
        response.begin()
        reply = Reply(response.status, dict(response.getheaders()), response.read().decode())
        response.close()
        return reply


@pytest.mark.integration
def test_https_sends_hsts_for_at_least_a_year(app_nginx: Nginx) -> None:
    response = https_get(app_nginx, "/")
    hsts = response.headers.get("Strict-Transport-Security")
    assert hsts is not None
    max_age = int(re.search(r"max-age=(\d+)", hsts).group(1))
    assert max_age >= 365 * 24 * 3600
    # Nothing listens on the application port in this test: nginx answers 502, not the app.
    assert response.status == 502


@pytest.mark.integration
def test_before_first_boot_https_serves_only_the_set_up_page(setup_nginx: Nginx) -> None:
    for path in ("/", "/residents", "/api/anything"):
        response = https_get(setup_nginx, path)
        assert response.status == 200
        assert "pas encore prêt" in response.body


@pytest.mark.integration
@pytest.mark.parametrize("fixture", ["app_nginx", "setup_nginx"])
def test_http_serves_the_ca_page_and_certificate_and_nothing_else(
    fixture: str, request: pytest.FixtureRequest
) -> None:
    nginx: Nginx = request.getfixturevalue(fixture)
    connection = http.client.HTTPConnection("127.0.0.1", nginx.http, timeout=5)
    request.addfinalizer(connection.close)
    connection.request("GET", "/")
    page = connection.getresponse()
    body = page.read().decode()
    fingerprint = (nginx.root / "var/www/relais/ca/fingerprint.txt").read_text().strip()
    assert page.status == 200 and fingerprint in body and "<svg" in body
    connection.request("GET", "/relais-ca.crt")
    cert = connection.getresponse()
    assert cert.getheader("Content-Type") == "application/x-x509-ca-cert"
    assert cert.read() == (nginx.root / "var/www/relais/ca/relais-ca.crt").read_bytes()
    connection.request("GET", "/residents")
    other = connection.getresponse()
    other.read()
    assert other.status == 302 and other.getheader("Location").endswith("/")
