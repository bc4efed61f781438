"""Browser-test support functions: the real `python -m web` server on a fresh record, Chromium
through Playwright, signing in with password and TOTP, the axe-core check and the 1280×800
screenshots.

The record is built in the test process through the `edge` API (staff of every role with a known
password, TOTP secret and PIN; a few residents with a set of vital signs), then the server runs as a
child process on a free port of 127.0.0.1 until the end of the session. Tests that need a reading
"from another process" write it through the same `edge` API while the server runs.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from edge import (
    CaptureMethod,
    Database,
    NewObservation,
    Role,
    Settings,
    add_user,
    admit_resident,
    enrol_totp,
    load_settings,
    new_totp_secret,
    open_record,
    set_pin,
    store_observations,
    totp_code,
    validate_traits,
)
from edge.config import SETTINGS_BY_NAME
from edge.datadir import initialise
from edge.factors import totp_step
from edge.storage import iso

expect.set_options(timeout=10_000)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = PROJECT_ROOT / "test-artifacts" / "screenshots"
AXE_SCRIPT = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("RELAIS_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1280, "height": 800}
PASSWORD = "une phrase de passe assez longue"  # noqa: S105 - test accounts on a throw-away record
PIN = "2580"
SERVER_START_TIMEOUT_S = 40
# How many accounts of each role: every sign-in takes a fresh account, so a TOTP code is never
# replayed (the server accepts each time step once per account).
STAFF_PER_ROLE = {Role.AIDE_SOIGNANT: 3, Role.INFIRMIER: 8, Role.MEDECIN: 1, Role.ADMINISTRATEUR: 2}


@dataclass
class Staff:
    """A test account and what it takes to sign in with it."""

    login: str
    display_name: str
    role: Role
    totp_secret: str
    user_id: str
    last_step: int = 0

    def next_code(self) -> str:
        """A TOTP code the server has not seen yet for this account (waits for a new step if needed)."""
        while True:
            now = datetime.now(UTC)
            current = totp_step(now)
            for step in (current, current + 1):  # the server allows one step of drift
                if step > self.last_step:
                    self.last_step = step
                    return totp_code(self.totp_secret, step)
            time.sleep(max(0.2, (current + 1) * 30 - now.timestamp()))


@dataclass(frozen=True, slots=True)
class KnownResident:
    key: str
    family_name: str
    given_name: str
    room: str
    resident_id: str

    @property
    def search_text(self) -> str:
        return self.family_name


RESIDENTS: dict[str, tuple[str, str, str, date, str]] = {
    # key: (family name, given name, sex, birth date, room)
    "search": ("LEMAIRE", "ODETTE", "F", date(1931, 4, 12), "112"),
    "emergency": ("GAUTHIER", "MARCEL", "M", date(1936, 9, 3), "114"),
    "notes": ("PERRIN", "YVONNE", "F", date(1929, 1, 25), "116"),
    "live": ("CARON", "LUCIEN", "M", date(1934, 6, 30), "118"),
    "lock": ("MASSON", "HÉLÈNE", "F", date(1938, 11, 8), "120"),
    "pages": ("BRUN", "SUZANNE", "F", date(1933, 2, 17), "122"),
    "acknowledge": ("FAURE", "GEORGES", "M", date(1930, 8, 21), "124"),
    "english": ("ROUSSEAU", "COLETTE", "F", date(1932, 5, 5), "126"),
    "correction": ("DUVAL", "ANDRÉ", "M", date(1935, 3, 14), "128"),
}


@dataclass
class RelaisServer:
    """The running application and what the tests know about its record."""

    base_url: str
    settings: Settings
    process: subprocess.Popen[bytes]
    log_path: Path
    staff: dict[Role | None, list[Staff]]
    residents: dict[str, KnownResident]
    _next: dict[Role, int] = field(default_factory=dict)

    def account(self, role: Role) -> Staff:
        """A fresh account of ``role`` (round robin once every account was used)."""
        index = self._next.get(role, 0)
        self._next[role] = index + 1
        pool = self.staff[role]
        return pool[index % len(pool)]

    def unenrolled(self) -> Staff:
        """The account that signs in for the first time (password and PIN, no second factor)."""
        return self.staff[None][0]

    def url(self, path: str) -> str:
        return self.base_url + path

    def log_tail(self, lines: int = 60) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no server output)"
        return "\n".join(text.splitlines()[-lines:])

    def open_record(self) -> Database:
        """The record, opened by the test process (a second process beside the server)."""
        return open_record(self.settings)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _setting_env(settings_wanted: dict[str, object]) -> dict[str, str]:
    """``RELAIS_*`` variables for the settings this version declares (others are left out)."""
    return {SETTINGS_BY_NAME[name].env_var: str(value)
            for name, value in settings_wanted.items() if name in SETTINGS_BY_NAME}


def _normal_set(resident_id: str, author_id: str, moment: datetime) -> list[NewObservation]:
    values = {"9279-1": ("/min", 16), "2708-6": ("%", 96), "3151-8": ("L/min", 0),
              "8480-6": ("mm[Hg]", 128), "8462-4": ("mm[Hg]", 74), "8867-4": ("/min", 72),
              "80288-4": ("{ACVPU}", 0), "8310-5": ("Cel", 36.8)}
    return [NewObservation(code, unit, value, CaptureMethod.TYPED, iso(moment), resident_id,
                           author_id) for code, (unit, value) in values.items()]


def _add_account(db: Database, role: Role, number: int, now: datetime) -> Staff:
    if number == 0:  # an account that has not chosen its second factor yet (first sign-in)
        user_id = add_user(db, None, f"nouveau-{role.value}", f"Nouveau {role.value}", role,
                           PASSWORD)
        set_pin(db, user_id, PIN)
        return Staff(f"nouveau-{role.value}", f"Nouveau {role.value}", role, "", user_id)
    login = f"{role.value}{number}"
    name = f"Test {role.value} {number}"
    user_id = add_user(db, None, login, name, role, PASSWORD)
    secret = new_totp_secret()
    # Enrol with the previous step's code so the current step is free for the first sign-in (the
    # server never accepts a step twice).
    step = totp_step(now) - 1
    if not enrol_totp(db, user_id, secret, totp_code(secret, step), now):
        raise RuntimeError("TOTP enrolment of a test account was refused")
    set_pin(db, user_id, PIN)
    return Staff(login, name, role, secret, user_id, step)


def _build_record(settings: Settings
                  ) -> tuple[dict[Role | None, list[Staff]], dict[str, KnownResident]]:
    initialise(settings)
    db = open_record(settings)
    try:
        now = datetime.now(UTC)
        wanted = [(role, number) for role, count in STAFF_PER_ROLE.items()
                  for number in range(1, count + 1)] + [(Role.AIDE_SOIGNANT, 0)]
        with ThreadPoolExecutor(max_workers=2) as pool:  # argon2 hashing releases the GIL
            accounts = list(pool.map(lambda item: _add_account(db, item[0], item[1], now), wanted))
        staff: dict[Role, list[Staff]] = {}
        for account in accounts:
            staff.setdefault(account.role if account.totp_secret else None, []).append(account)
        nurse = staff[Role.INFIRMIER][-1].user_id
        residents: dict[str, KnownResident] = {}
        for key, (family, given, sex, birth, room) in RESIDENTS.items():
            traits = validate_traits(birth_family_name=family, birth_given_names=given,
                                     birth_date=birth, sex=sex, birthplace="75056",
                                     today=now.date())
            resident_id = admit_resident(db, nurse, traits, room=room)
            store_observations(db, _normal_set(resident_id, nurse, now - timedelta(hours=2)))
            residents[key] = KnownResident(key, family, given, room, resident_id)
    finally:
        db.close()
    return staff, residents


def _wait_until_answering(process: subprocess.Popen[bytes], url: str, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = log_path.read_text(encoding="utf-8", errors="replace")
            pytest.fail(f"`python -m web` exited with code {process.returncode} before answering:\n"
                        f"{output[-4000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - loopback test server
                return
        except urllib.error.HTTPError:
            return  # any HTTP answer means it is up
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    output = log_path.read_text(encoding="utf-8", errors="replace")
    pytest.fail(f"`python -m web` did not answer on {url} within {SERVER_START_TIMEOUT_S} s:\n"
                f"{output[-4000:]}")


def start_server(base: Path, **settings_wanted: object) -> RelaisServer:
    """Build a fresh record under ``base`` and start `python -m web` on it; wait until it answers.

    :param settings_wanted: settings for the server (names as in `edge.config`); a name this
        version does not declare is left out.
    """
    port = _free_port()
    wanted: dict[str, object] = {
        "data_dir": base / "data", "key_file": base / "usb" / "relais.key",
        "web_host": "127.0.0.1", "web_port": port, "home_name": "EHPAD des Tests",
        "log_level": "INFO", **settings_wanted,
    }
    env = {key: value for key, value in os.environ.items() if not key.startswith("RELAIS_")}
    env.update(_setting_env(wanted))
    env["PYTHONPATH"] = str(PROJECT_ROOT)
    settings = load_settings(env)
    staff, residents = _build_record(settings)
    log_path = base / "web.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "web"], cwd=PROJECT_ROOT, env=env,
                                   stdout=log, stderr=subprocess.STDOUT)
    server = RelaisServer(f"http://127.0.0.1:{port}", settings, process, log_path, staff,
                          residents)
    try:
        _wait_until_answering(process, server.url("/"), log_path)
    except BaseException:
        stop_server(server)
        raise
    return server


def stop_server(server: RelaisServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=10)


# -- signing in ---------------------------------------------------------------------------------

def _label(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def sign_in(page: Page, server: RelaisServer, role: Role, *, path: str = "/") -> Staff:
    """Sign in through the pages like a person: login and password, then the TOTP code."""
    staff = server.account(role)
    page.goto(server.url(path))
    page.get_by_label(_label(r"identifiant")).fill(staff.login)
    page.get_by_label(_label(r"mot de passe")).fill(PASSWORD)
    page.get_by_role("button", name=_label(r"continuer|se connecter|connexion|suivant")).click()
    code_field = page.get_by_label(_label(r"code"))
    code_field.first.fill(staff.next_code())
    page.get_by_role("button", name=_label(r"valider|vérifier|se connecter|continuer")).click()
    expect(page.get_by_role("button", name=_label(r"se déconnecter|déconnexion"))
           .or_(page.get_by_role("link", name=_label(r"se déconnecter|déconnexion")))
           ).to_be_visible()
    return staff


# -- evidence: accessibility and screenshots ----------------------------------------------------

def screenshot(page: Page, name: str) -> Path:
    """Save the page at 1280×800 as test-artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.set_viewport_size(VIEWPORT)
    page.screenshot(path=str(path), full_page=False)
    return path


def _format_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- [{violation['impact']}] {violation['id']}: {violation['help']} "
                     f"({violation['helpUrl']})")
        for node in violation["nodes"][:5]:
            summary = " ".join((node.get("failureSummary") or "").split())
            lines.append(f"    {', '.join(map(str, node['target']))}: {summary[:300]}")
        if len(violation["nodes"]) > 5:
            lines.append(f"    … and {len(violation['nodes']) - 5} more elements")
    return "\n".join(lines)


def axe_check(page: Page, name: str) -> list[dict[str, Any]]:
    """Run axe-core on the page; fail on any serious or critical violation, listed readably.

    The script is evaluated through the DevTools protocol, which the page's Content-Security-Policy
    (``script-src 'self'``) does not block. Returns the minor and moderate findings.
    """
    if not AXE_SCRIPT.exists():
        pytest.fail(f"axe-core is missing ({AXE_SCRIPT}): run `npm ci --prefix tests/browser`")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8") + "\n;true")
    result = page.evaluate(
        "async () => JSON.stringify(await axe.run(document, "
        "{resultTypes: ['violations'], runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}}))")
    violations: list[dict[str, Any]] = json.loads(result)["violations"]
    blocking = [v for v in violations if v.get("impact") in ("serious", "critical")]
    if blocking:
        pytest.fail(f"axe-core: {len(blocking)} serious/critical violation(s) on {name} "
                    f"({page.url}):\n{_format_violations(blocking)}")
    return [v for v in violations if v not in blocking]


# -- support functions the flows share ----------------------------------------------------------

EMERGENCY_SET = {"9279-1": ("/min", 26), "2708-6": ("%", 90), "3151-8": ("L/min", 0),
                 "8480-6": ("mm[Hg]", 88), "8462-4": ("mm[Hg]", 52), "8867-4": ("/min", 126),
                 "80288-4": ("{ACVPU}", 0), "8310-5": ("Cel", 39.4)}
"""NEWS2 13: respiration 3, SpO2 (scale 1) 3, systolic 3, pulse 2, temperature 2; air, alert."""


def store_set(server: RelaisServer, resident_id: str, values: dict[str, tuple[str, float]],
              author: Staff) -> list[str]:
    """Store a set of vital signs from the test process (another process than the server)."""
    db = server.open_record()
    try:
        return store_observations(db, [
            NewObservation(code, unit, value, CaptureMethod.TYPED, iso(datetime.now(UTC)),
                           resident_id, author.user_id) for code, (unit, value) in values.items()])
    finally:
        db.close()


def go_to_nav(page: Page, name: str) -> None:
    """Open a main page through the navigation bar (its link's accessible name)."""
    nav = page.get_by_role("navigation", name=_label(r"navigation principale|main navigation"))
    nav.get_by_role("link", name=_label(rf"^\s*{name}\b")).click()


def open_resident(page: Page, resident: KnownResident) -> None:
    """From anywhere: the Résidents list, then the resident's own page."""
    go_to_nav(page, "Résidents")
    page.get_by_role("link", name=_label(resident.family_name)).first.click()
    expect(page.get_by_role("heading", name=_label(resident.family_name)).first).to_be_visible()
