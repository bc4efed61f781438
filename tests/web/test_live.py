"""Tests of live updates: the changes feed (roles, cursor, audit) sees a reading written by another
process, and in a real browser a reading stored by another process appears on the open résident
page within 2 seconds without reloading, with the new alert announced."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import edge
from tests.web.conftest import sign_in_for_tests, user_of
from tests.web.residents_fixtures import first_resident, reads_of
from web.security.cookies import SECURE_SESSION_COOKIE

ROLE = edge.Role
ROOT = Path(__file__).resolve().parents[2]
WRITER = """
import sys
from datetime import UTC, datetime
import edge
settings = edge.load_settings({}, {"data_dir": sys.argv[1], "key_file": sys.argv[2]})
db = edge.open_record(settings)
edge.store_observations(db, [edge.NewObservation(
    "8867-4", "/min", float(sys.argv[4]), edge.CaptureMethod.DEVICE,
    datetime.now(UTC).isoformat(timespec="microseconds"), sys.argv[3])])
db.close()
"""


def write_from_another_process(settings: edge.Settings, resident_id: str, pulse: int) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-c", WRITER, str(settings.data_dir), str(settings.key_file),
                    resident_id, str(pulse)], check=True, env=env, timeout=60)


def test_the_feed_needs_a_session_and_a_care_role(web_app, client_as):
    response = web_app.test_client().get("/api/changes?since=0.0")
    assert response.status_code == 401 and response.is_json
    assert client_as(ROLE.ADMINISTRATEUR).get("/api/changes?since=0.0").status_code == 403


def test_a_bad_cursor_is_refused(client_as):
    client = client_as(ROLE.AIDE_SOIGNANT)
    assert client.get("/api/changes?since=1;drop").status_code == 400
    start = client.get("/api/changes").get_json()
    assert start["observations"] == [] and "." in start["cursor"]


def test_the_feed_sees_a_reading_written_by_another_process_and_audits_it(
        client_as, web_db, web_settings):
    resident = first_resident(web_db)
    client = client_as(ROLE.AIDE_SOIGNANT)
    cursor = client.get("/api/changes").get_json()["cursor"]
    assert client.get(f"/api/changes?since={cursor}").get_json()["observations"] == []
    write_from_another_process(web_settings, resident.id, 134)
    body = client.get(f"/api/changes?since={cursor}").get_json()
    assert [item["resident_id"] for item in body["observations"]] == [resident.id]
    assert [item["resident_id"] for item in body["alerts"]] == [resident.id]
    assert "Nouvelle alerte NEWS2" in body["alerts"][0]["label"]
    assert body["cursor"] != cursor
    entry = reads_of(web_db, "api:changes")[-1]
    assert entry.resident_id == resident.id
    assert entry.actor_id == user_of(web_db, ROLE.AIDE_SOIGNANT).id
    assert client.get(f"/api/changes?since={body['cursor']}").get_json()["observations"] == []


def test_the_clinical_pages_load_live_js_and_no_inline_script(client_as, web_db):
    client = client_as(ROLE.INFIRMIER)
    resident = first_resident(web_db)
    for path in ("/residents/", f"/residents/{resident.id}", "/alertes/"):
        html = client.get(path).get_data(as_text=True)
        assert '<script src="/static/js/live.js"></script>' in html
        assert 'id="live-root"' in html and 'aria-live="polite"' in html
        assert "<script>" not in html
    script = client.get("/static/js/live.js")
    try:
        assert script.status_code == 200 and b"setTimeout" in script.data
    finally:
        script.close()


@pytest.mark.browser
def test_a_reading_from_another_process_appears_on_the_open_page_within_2_seconds(
        live_server, web_db, web_settings):
    from playwright.sync_api import expect, sync_playwright

    resident = first_resident(web_db)
    token = sign_in_for_tests(web_db, user_of(web_db, ROLE.INFIRMIER))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            context.add_cookies([{"name": SECURE_SESSION_COOKIE, "value": token,
                                  "domain": "127.0.0.1", "path": "/", "secure": True,
                                  "httpOnly": True, "sameSite": "Strict"}])
            page = context.new_page()
            page.goto(f"{live_server.url}/residents/{resident.id}")
            page.wait_for_timeout(1500)  # the first poll has set its cursor
            assert "137 /min" not in page.inner_text("#resident-vitals")
            write_from_another_process(web_settings, resident.id, 137)
            stored = time.monotonic()
            expect(page.locator("#resident-vitals")).to_contain_text("137 /min", timeout=2000)
            assert time.monotonic() - stored < 2.0
            expect(page.locator("#live-announce")).to_contain_text("Nouvelle alerte", timeout=2000)
            assert page.url.endswith(resident.id)  # updated in place, not reloaded
        finally:
            browser.close()
