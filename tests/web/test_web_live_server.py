"""The application behind a real waitress server on 127.0.0.1: headers, the sign-in over HTTP with
the `__Host-` cookie, and several clients at once."""

from __future__ import annotations

import http.client
import re
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import PASSWORD, TOTP_SECRETS, LiveServer

import edge

pytestmark = pytest.mark.integration


def _request(server: LiveServer, method: str, path: str, body: dict[str, str] | None = None,
             cookies: dict[str, str] | None = None) -> tuple[int, dict[str, list[str]], str]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in (cookies or {}).items())}
    data = None
    if body is not None:
        data = urllib.parse.urlencode(body)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=data, headers=headers)
    response = conn.getresponse()
    collected: dict[str, list[str]] = {}
    for name, value in response.getheaders():
        collected.setdefault(name.lower(), []).append(value)
    text = response.read().decode("utf-8")
    conn.close()
    return response.status, collected, text


def _take_cookies(headers: dict[str, list[str]], jar: dict[str, str]) -> None:
    for line in headers.get("set-cookie", []):
        name, _, rest = line.partition("=")
        jar[name] = rest.split(";")[0]


def test_a_full_sign_in_works_over_real_http_with_host_prefixed_cookies(
        live_server: LiveServer) -> None:
    jar: dict[str, str] = {}
    status, headers, page = _request(live_server, "GET", "/connexion")
    assert status == 200
    assert "'unsafe-inline'" not in headers["content-security-policy"][0]
    _take_cookies(headers, jar)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    status, headers, _ = _request(live_server, "POST", "/connexion",
                                  {"login": "medecin.demo", "password": PASSWORD,
                                   "csrf_token": token}, jar)
    assert status == 302
    cookie_lines = [c for c in headers["set-cookie"] if c.startswith("__Host-relais_session=")]
    assert cookie_lines and "Secure" in cookie_lines[0] and "HttpOnly" in cookie_lines[0]
    _take_cookies(headers, jar)
    status, headers, page = _request(live_server, "GET", "/connexion/second-facteur", None, jar)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    code = edge.totp_code(TOTP_SECRETS[edge.Role.MEDECIN],
                          int(live_server.db.clock().timestamp()) // 30)
    status, headers, _ = _request(live_server, "POST", "/connexion/second-facteur",
                                  {"code": code, "csrf_token": token}, jar)
    assert status == 302
    _take_cookies(headers, jar)
    status, _, _ = _request(live_server, "GET", "/administration/", None, jar)
    assert status == 403


def test_concurrent_anonymous_requests_are_all_answered(live_server: LiveServer) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: _request(live_server, "GET", "/connexion")[0],
                                range(32)))
    assert results == [200] * 32
    assert _request(live_server, "GET", "/health")[0] == 200
