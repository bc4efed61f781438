"""Fixtures for the tablet application's tests, reusable by every web blueprint's tests.

- `web_app`: the app on a fresh copy of a small demo record (one account of each role, six
  residents, three days of vital signs), built once per run and copied per test.
- `client_as(role)`: a Flask test client already signed in as that role's demo account. The second
  factor is skipped by `sign_in_for_tests`, which opens a *real* session row through the same edge
  functions as the sign-in pages (password step then second-factor step), so the gate, CSRF and
  role checks all run for real. The accounts have PIN `TEST_PIN` and TOTP secret `TOTP_SECRETS[role]`.
- `live_server`: the app served by waitress on 127.0.0.1 (a free port) in a thread; `.url`.
"""

from __future__ import annotations

import random
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

import edge
from edge.datadir import initialise
from edge.demo_data import DEMO_PASSWORD, DEMO_STAFF, create_demo_data
from web.app import create_app
from web.security.cookies import SECURE_SESSION_COOKIE

TEST_PIN = "2580"
DEMO_LOGINS = {role: login for login, _, role in DEMO_STAFF}
TOTP_SECRETS = {
    edge.Role.AIDE_SOIGNANT: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
    edge.Role.INFIRMIER: "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU",
    edge.Role.MEDECIN: "MFRGGZDFMZTWQ2LKMFRGGZDFMZTWQ2LK",
    edge.Role.ADMINISTRATEUR: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
}
PASSWORD = DEMO_PASSWORD
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def _build_template(root: Path) -> None:
    settings = edge.load_settings({}, {"data_dir": root / "data", "key_file": root / "usb" / "k.key"})
    initialise(settings)
    db = edge.open_record(settings)
    try:
        now = datetime.now(UTC)
        create_demo_data(db, random.Random(20261122), now, residents=6, days=3)
        for role, login in DEMO_LOGINS.items():
            user = edge.find_user(db, login)
            edge.set_pin(db, user.id, TEST_PIN)
            secret = TOTP_SECRETS[role]
            step = int(now.timestamp()) // 30 - 1
            assert edge.enrol_totp(db, user.id, secret, edge.totp_code(secret, step), now)
            with db.write() as conn:  # let the current codes be used by tests
                conn.execute("UPDATE users SET totp_last_step = NULL WHERE id = ?", (user.id,))
    finally:
        db.close()


@pytest.fixture(scope="session")
def web_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("web-template")
    _build_template(root)
    return root


@pytest.fixture
def web_settings(web_template: Path, tmp_path: Path) -> edge.Settings:
    root = tmp_path / "home"
    shutil.copytree(web_template, root)
    return edge.load_settings({}, {"data_dir": root / "data", "key_file": root / "usb" / "k.key"})


@pytest.fixture
def web_db(web_settings: edge.Settings) -> Iterator[edge.Database]:
    db = edge.open_record(web_settings)
    yield db
    db.close()


@pytest.fixture
def web_app(web_settings: edge.Settings, web_db: edge.Database) -> Flask:
    return create_app(web_settings, web_db, testing=True)


def user_of(db: edge.Database, role: edge.Role) -> edge.StaffUser:
    return edge.find_user(db, DEMO_LOGINS[role])


def sign_in_for_tests(db: edge.Database, user: edge.StaffUser, shift_hours: int = 12) -> str:
    """TEST HELPER ONLY: open a real shift session for ``user`` without the interactive second
    factor (password step, then second-factor step recorded as ``test``); return the browser token."""
    now = db.clock()
    pending = edge.open_session(db, user.id, now)
    session = edge.find_session(db, pending)
    assert session is not None
    return edge.complete_second_factor(db, session, "test", now, timedelta(hours=shift_hours))


def attach_session(client: FlaskClient, token: str) -> None:
    client.set_cookie(SECURE_SESSION_COOKIE, token, secure=True, httponly=True, samesite="Strict")


@pytest.fixture
def client_as(web_app: Flask, web_db: edge.Database) -> Callable[[edge.Role], FlaskClient]:
    def make(role: edge.Role) -> FlaskClient:
        client = web_app.test_client()
        attach_session(client, sign_in_for_tests(web_db, user_of(web_db, role)))
        return client

    return make


def csrf_from(html: str) -> str:
    """The anti-forgery token of a rendered page."""
    match = CSRF_INPUT.search(html)
    assert match, "the page has no CSRF field"
    return match.group(1)


@dataclass
class LiveServer:
    url: str
    port: int
    app: Flask
    db: edge.Database


@pytest.fixture
def live_server(web_app: Flask, web_db: edge.Database) -> Iterator[LiveServer]:
    import waitress.server

    server = waitress.server.create_server(web_app, host="127.0.0.1", port=0, threads=4,
                                           ident="relais-test")
    port = server.effective_port
    stop = threading.Event()

    def serve() -> None:  # poll so that closing never races the loop (no closed-socket errors)
        while not stop.is_set():
            server.asyncore.loop(timeout=0.1, map=server._map, count=1)

    thread = threading.Thread(target=serve, name="waitress-test", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", int(port), web_app, web_db)
    finally:
        stop.set()
        thread.join(timeout=5)
        server.task_dispatcher.shutdown()
        for channel in list(server._map.values()):  # the listening socket and open connections
            channel.close()
