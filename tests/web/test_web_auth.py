"""Sign-in flows end to end through the Flask test client: password + TOTP, first-time enrolment
(TOTP and security key), security-key sign-in, the inactivity lock with the typed form kept across
the PIN, three wrong PINs, the shift cap, sign-out and the language switch."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from conftest import PASSWORD, TEST_PIN, TOTP_SECRETS, csrf_from, user_of
from flask import Flask
from flask.testing import FlaskClient
from soft_authenticator import SoftAuthenticator
from werkzeug.test import TestResponse

import edge
from web.security.cookies import SECURE_SESSION_COOKIE

NEW_PASSWORD = "trois petits chats dans la neige"


def _post_form(client: FlaskClient, page_url: str, url: str, data: dict[str, str],
               **kwargs: Any) -> TestResponse:
    page = client.get(page_url, follow_redirects=True)
    return client.post(url, data={**data, "csrf_token": csrf_from(page.get_data(as_text=True))},
                       **kwargs)


def _now_code(db: edge.Database, secret: str) -> str:
    return edge.totp_code(secret, int(db.clock().timestamp()) // 30)


def _token(client: FlaskClient) -> str:
    cookie = client.get_cookie(SECURE_SESSION_COOKIE)
    return cookie.value if cookie is not None else ""


def _shift_clock(db: edge.Database, by: timedelta) -> None:
    base = db.clock()
    db.clock = lambda: base + by


def test_password_then_totp_opens_the_shift_and_a_replayed_code_is_refused(
        web_app: Flask, web_db: edge.Database) -> None:
    client = web_app.test_client()
    response = _post_form(client, "/connexion", "/connexion",
                          {"login": "as.demo", "password": PASSWORD})
    assert response.status_code == 302
    assert "/connexion/second-facteur" in response.headers["Location"]
    assert client.get("/administration/").status_code == 302
    code = _now_code(web_db, TOTP_SECRETS[edge.Role.AIDE_SOIGNANT])
    done = _post_form(client, "/connexion/second-facteur", "/connexion/second-facteur",
                      {"code": code})
    assert done.status_code == 302
    assert client.get("/administration/").status_code == 403
    other = web_app.test_client()
    _post_form(other, "/connexion", "/connexion", {"login": "as.demo", "password": PASSWORD})
    replay = _post_form(other, "/connexion/second-facteur", "/connexion/second-facteur",
                        {"code": code})
    assert replay.status_code == 401


def test_a_new_account_enrols_totp_then_sets_its_pin_at_first_sign_in(
        web_app: Flask, web_db: edge.Database,
        client_as: Callable[[edge.Role], FlaskClient]) -> None:
    admin = client_as(edge.Role.ADMINISTRATEUR)
    created = _post_form(admin, "/administration/", "/administration/comptes", {
        "login": "nouvelle.ide", "display_name": "Nouvelle IDE", "role": "infirmier",
        "password": NEW_PASSWORD})
    assert created.status_code == 302
    client = web_app.test_client()
    step = _post_form(client, "/connexion", "/connexion",
                      {"login": "nouvelle.ide", "password": NEW_PASSWORD})
    assert step.status_code == 302
    page = client.get("/connexion/second-facteur", follow_redirects=True)
    html = page.get_data(as_text=True)
    assert "Choisir votre second facteur" in html and "<svg" in html
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', html)
    assert secret is not None
    code = _now_code(web_db, secret.group(1).replace(" ", ""))
    enrolled = client.post("/connexion/enrolement", data={"code": code,
                                                          "csrf_token": csrf_from(html)})
    assert enrolled.status_code == 302
    to_pin = client.get("/")
    assert "/code-pin" in to_pin.headers["Location"]
    weak = _post_form(client, "/code-pin", "/code-pin", {"pin": "1234", "pin_again": "1234"})
    assert weak.status_code == 400
    assert "trop facile" in weak.get_data(as_text=True)
    done = _post_form(client, "/code-pin", "/code-pin", {"pin": "7391", "pin_again": "7391"})
    assert done.status_code == 302
    user = edge.find_user(web_db, "nouvelle.ide")
    status = edge.factor_status(web_db, user.id)
    assert status.totp and status.pin


def _json_post(db: edge.Database, client: FlaskClient, url: str,
               body: dict[str, object] | None = None) -> TestResponse:
    session = edge.find_session(db, _token(client))
    assert session is not None
    return client.post(url, json=body or {}, headers={"X-CSRF-Token": session.csrf_token()})


def test_a_security_key_is_registered_after_a_reset_and_then_signs_in(
        web_app: Flask, web_db: edge.Database,
        client_as: Callable[[edge.Role], FlaskClient]) -> None:
    admin = client_as(edge.Role.ADMINISTRATEUR)
    nurse = user_of(web_db, edge.Role.INFIRMIER)
    _post_form(admin, "/administration/", f"/administration/comptes/{nurse.id}/reinitialiser", {})
    assert not edge.factor_status(web_db, nurse.id).has_second_factor
    key = SoftAuthenticator(origin="https://localhost", rp_id="localhost")
    client = web_app.test_client()
    _post_form(client, "/connexion", "/connexion", {"login": "ide.demo", "password": PASSWORD})
    options = _json_post(web_db, client, "/connexion/enrolement/cle/options").get_json()
    assert options["rp"]["id"] == "localhost"
    answer = _json_post(web_db, client, "/connexion/enrolement/cle/verifier",
                        {"credential": key.register(options)})
    assert answer.status_code == 200, answer.get_json()
    assert edge.factor_status(web_db, nurse.id).security_keys == 1
    # a later shift: password then the key
    later = web_app.test_client()
    _post_form(later, "/connexion", "/connexion", {"login": "ide.demo", "password": PASSWORD})
    options = _json_post(web_db, later, "/connexion/cle/options").get_json()
    forged = key.assert_(options)
    forged["response"]["signature"] = forged["response"]["signature"][:-4] + "AAAA"
    refused = _json_post(web_db, later, "/connexion/cle/verifier", forged)
    assert refused.status_code == 401
    options = _json_post(web_db, later, "/connexion/cle/options").get_json()
    accepted = _json_post(web_db, later, "/connexion/cle/verifier", key.assert_(options))
    assert accepted.status_code == 200
    assert edge.list_security_keys(web_db, nurse.id)[0].sign_count == key.counter


def test_inactivity_locks_and_the_typed_form_comes_back_after_the_pin(
        web_db: edge.Database, client_as: Callable[[edge.Role], FlaskClient]) -> None:
    admin = client_as(edge.Role.ADMINISTRATEUR)
    page = admin.get("/administration/")
    token = csrf_from(page.get_data(as_text=True))
    _shift_clock(web_db, timedelta(minutes=11))
    posted = admin.post("/administration/comptes", data={
        "csrf_token": token, "display_name": "Marie Saisie", "login": "marie.saisie",
        "role": "aide-soignant"}, headers={"Referer": "https://localhost/administration/"})
    assert posted.status_code == 302
    assert "/deverrouiller" in posted.headers["Location"]
    assert not any(u.login == "marie.saisie" for u in edge.list_users(web_db))
    assert admin.get("/administration/").status_code == 302
    before = _token(admin)
    unlocked = _post_form(admin, "/deverrouiller", "/deverrouiller", {"pin": TEST_PIN})
    assert unlocked.status_code == 302
    assert unlocked.headers["Location"].endswith("/administration/")
    assert _token(admin) != before
    shown = admin.get("/administration/").get_data(as_text=True)
    assert 'value="Marie Saisie"' in shown and 'value="marie.saisie"' in shown
    assert "conservée" in shown
    again = admin.get("/administration/").get_data(as_text=True)
    assert "Marie Saisie" not in again


def test_a_kept_page_that_leads_to_another_site_is_not_followed_after_the_pin(
        client_as: Callable[[edge.Role], FlaskClient]) -> None:
    client = client_as(edge.Role.INFIRMIER)
    for page in ("/\\evil.example/", "//evil.example/", "/\tevil"):
        locked = _post_form(client, "/", "/verrou", {"_kept_page": page, "note": "en cours"})
        assert "/deverrouiller" in locked.headers["Location"]
        unlocked = _post_form(client, "/deverrouiller", "/deverrouiller", {"pin": TEST_PIN})
        assert unlocked.status_code == 302
        assert unlocked.headers["Location"] == "/"


def test_three_wrong_pins_end_the_session(
        web_db: edge.Database, client_as: Callable[[edge.Role], FlaskClient]) -> None:
    client = client_as(edge.Role.INFIRMIER)
    _post_form(client, "/", "/verrou", {})
    for expected in (401, 401):
        answer = _post_form(client, "/deverrouiller", "/deverrouiller", {"pin": "0000"})
        assert answer.status_code == expected
    last = _post_form(client, "/deverrouiller", "/deverrouiller", {"pin": "0000"})
    assert "/connexion" in last.headers["Location"]
    assert edge.find_session(web_db, _token(client) or "x") is None
    assert client.get("/").headers["Location"].startswith("/connexion")


def test_the_shift_cap_ends_the_session_even_when_active(
        web_db: edge.Database, client_as: Callable[[edge.Role], FlaskClient]) -> None:
    client = client_as(edge.Role.MEDECIN)
    assert client.get("/").status_code in (200, 302)
    _shift_clock(web_db, timedelta(hours=12, minutes=1))
    response = client.get("/")
    assert "/connexion" in response.headers["Location"]


def test_sign_out_ends_the_session_server_side(
        web_db: edge.Database, client_as: Callable[[edge.Role], FlaskClient]) -> None:
    client = client_as(edge.Role.ADMINISTRATEUR)
    token = _token(client)
    _post_form(client, "/administration/", "/deconnexion", {})
    session = edge.find_session(web_db, token)
    assert session is not None and session.revoked_reason == "signed_out"


def test_the_language_switch_shows_english_pages(web_app: Flask) -> None:
    client = web_app.test_client()
    _post_form(client, "/connexion", "/langue", {"language": "en", "next": "/connexion"})
    html = client.get("/connexion").get_data(as_text=True)
    assert 'lang="en"' in html and "Password" in html and "Mot de passe" not in html


def test_lock_state_is_pure_and_follows_the_times() -> None:
    start = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
    session = edge.WebSession(
        id="x", user_id="u", created_at=start.isoformat(), last_seen_at=start.isoformat(),
        locked_at=None, expires_at=(start + timedelta(hours=12)).isoformat(),
        second_factor="totp", revoked_at=None, revoked_reason=None, csrf_secret=b"k" * 32,
        has_pending_form=False)
    lock = timedelta(minutes=10)
    assert session.state(start + timedelta(minutes=9), lock) is edge.SessionState.ACTIVE
    assert session.state(start + timedelta(minutes=11), lock) is edge.SessionState.LOCKED
    assert session.state(start + timedelta(hours=12), lock) is edge.SessionState.ENDED


def test_a_page_fetched_again_by_the_live_script_does_not_push_back_the_lock(
        web_db: edge.Database, client_as: Callable[[edge.Role], FlaskClient]) -> None:
    client = client_as(edge.Role.INFIRMIER)
    first_seen = edge.find_session(web_db, _token(client))
    assert first_seen is not None
    _shift_clock(web_db, timedelta(minutes=5))
    assert client.get("/residents/", headers={"X-Relais-Live": "1"}).status_code == 200
    after_live = edge.find_session(web_db, _token(client))
    assert after_live is not None and after_live.last_seen_at == first_seen.last_seen_at
    _shift_clock(web_db, timedelta(minutes=6))  # 11 minutes without activity by the person
    locked = client.get("/residents/", headers={"X-Relais-Live": "1"})
    assert locked.status_code == 302 and "/deverrouiller" in locked.headers["Location"]


def test_a_page_the_person_opens_pushes_back_the_lock(
        web_db: edge.Database, client_as: Callable[[edge.Role], FlaskClient]) -> None:
    client = client_as(edge.Role.INFIRMIER)
    _shift_clock(web_db, timedelta(minutes=5))
    assert client.get("/residents/").status_code == 200
    _shift_clock(web_db, timedelta(minutes=6))
    assert client.get("/residents/").status_code == 200
