"""Mon compte and temporary passwords through the Flask test client: changing one's password (other
sessions end, errors beside the fields, secrets never shown again nor kept across a lock), changing
one's PIN, an administrator's temporary password, and the forced new-password step that blocks
every other page until it is done."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

import edge
from edge.password_change import password_change_required
from edge.sessions import get_session
from tests.web.conftest import (
    PASSWORD,
    TEST_PIN,
    TOTP_SECRETS,
    csrf_from,
    sign_in_for_tests,
    user_of,
)
from web.security.cookies import SECURE_SESSION_COOKIE

Client = Callable[[edge.Role], FlaskClient]
NEW_PASSWORD = "le chat dort sur le radiateur"
TEMPORARY = "provisoire remis en main propre"


def _post(client: FlaskClient, page_url: str, url: str, data: dict[str, str],
          **kwargs: Any) -> TestResponse:
    page = client.get(page_url, follow_redirects=True)
    return client.post(url, data={**data, "csrf_token": csrf_from(page.get_data(as_text=True))},
                       **kwargs)


def _token(client: FlaskClient) -> str:
    cookie = client.get_cookie(SECURE_SESSION_COOKIE)
    return cookie.value if cookie is not None else ""


def _session(db: edge.Database, client: FlaskClient) -> edge.WebSession:
    session = edge.find_session(db, _token(client))
    assert session is not None
    return session


def _error_of(html: str, field: str) -> str:
    marker = f'id="f-{field}-error">'
    assert marker in html, f"no error beside {field}"
    return html.split(marker, 1)[1].split("</p>", 1)[0]


def _change_password(client: FlaskClient, current: str, new: str,
                     again: str | None = None) -> TestResponse:
    return _post(client, "/mon-compte/", "/mon-compte/mot-de-passe", {
        "current_password": current, "new_password": new,
        "new_password_again": new if again is None else again})


def test_every_role_opens_its_account_page_from_the_header(client_as: Client) -> None:
    for role in edge.Role:
        client = client_as(role)
        start = client.get("/", follow_redirects=True).get_data(as_text=True)
        assert 'href="/mon-compte/"' in start, role
        page = client.get("/mon-compte/")
        html = page.get_data(as_text=True)
        assert page.status_code == 200, role
        assert html.count('name="csrf_token"') >= 5  # both forms, lock, sign-out, language
        assert 'for="f-current_password"' in html and 'for="f-proof"' in html
        assert "Application d'authentification" in html and "enregistrée" in html


def test_the_account_page_without_a_session_goes_to_sign_in(web_app: Flask) -> None:
    client = web_app.test_client()
    for method, url in (("GET", "/mon-compte/"), ("POST", "/mon-compte/mot-de-passe"),
                        ("POST", "/mon-compte/code-pin")):
        data = ({"csrf_token": csrf_from(client.get("/connexion").get_data(as_text=True))}
                if method == "POST" else None)
        response = client.open(url, method=method, data=data)
        assert response.status_code == 302 and "/connexion" in response.headers["Location"]


def test_account_forms_without_the_anti_forgery_token_are_refused(
        client_as: Client, web_db: edge.Database) -> None:
    client = client_as(edge.Role.INFIRMIER)
    for url, data in (("/mon-compte/mot-de-passe", {"current_password": PASSWORD,
                                                    "new_password": NEW_PASSWORD,
                                                    "new_password_again": NEW_PASSWORD}),
                      ("/mon-compte/code-pin", {"proof": TEST_PIN, "new_pin": "7391",
                                                "new_pin_again": "7391"})):
        assert client.post(url, data=data).status_code == 400
    assert edge.verify_password(web_db, "ide.demo", PASSWORD) is not None
    assert edge.verify_pin(web_db, user_of(web_db, edge.Role.INFIRMIER).id, TEST_PIN)


def test_a_wrong_current_password_is_named_beside_it_and_nothing_typed_comes_back(
        client_as: Client, web_db: edge.Database) -> None:
    client = client_as(edge.Role.AIDE_SOIGNANT)
    response = _change_password(client, "pas le bon mot de passe", NEW_PASSWORD)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "actuel est incorrect" in _error_of(html, "current_password")
    assert "pas le bon mot de passe" not in html and NEW_PASSWORD not in html
    assert edge.verify_password(web_db, "as.demo", PASSWORD) is not None


def test_each_rule_of_the_new_password_is_named_beside_its_field(client_as: Client) -> None:
    client = client_as(edge.Role.MEDECIN)
    short = _change_password(client, "", "court").get_data(as_text=True)
    assert "15 caractères" in _error_of(short, "new_password")
    assert "mot de passe actuel" in _error_of(short, "current_password")
    mismatch = _change_password(client, PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "!")
    assert "pas identiques" in _error_of(mismatch.get_data(as_text=True), "new_password_again")
    same = _change_password(client, PASSWORD, PASSWORD).get_data(as_text=True)
    assert "différent" in _error_of(same, "new_password")


def test_changing_my_password_ends_my_other_sessions_only(
        client_as: Client, web_db: edge.Database) -> None:
    client = client_as(edge.Role.INFIRMIER)
    nurse = user_of(web_db, edge.Role.INFIRMIER)
    other_tablet = sign_in_for_tests(web_db, nurse)
    colleague = client_as(edge.Role.AIDE_SOIGNANT)
    done = _change_password(client, PASSWORD, NEW_PASSWORD)
    assert done.status_code == 302 and done.headers["Location"].endswith("/mon-compte/")
    assert "Vos autres sessions ouvertes sont fermées" in client.get("/mon-compte/").get_data(
        as_text=True)
    assert edge.find_session(web_db, other_tablet).revoked_at is not None  # type: ignore[union-attr]
    assert colleague.get("/mon-compte/").status_code == 200
    assert edge.verify_password(web_db, "ide.demo", NEW_PASSWORD) is not None
    entry = next(e for e in edge.list_audit(web_db, limit=20) if e.object_id == nurse.id)
    assert entry.details is not None and entry.details["change"] == "password_changed"
    assert NEW_PASSWORD not in json.dumps(entry.details) and PASSWORD not in json.dumps(
        entry.details)


def test_a_password_form_posted_after_the_lock_keeps_no_secret(
        client_as: Client, web_db: edge.Database) -> None:
    client = client_as(edge.Role.AIDE_SOIGNANT)
    token = csrf_from(client.get("/mon-compte/").get_data(as_text=True))
    edge.lock_session(web_db, _session(web_db, client), web_db.clock())
    posted = client.post("/mon-compte/mot-de-passe", data={
        "csrf_token": token, "current_password": PASSWORD, "new_password": NEW_PASSWORD,
        "new_password_again": NEW_PASSWORD})
    assert "/deverrouiller" in posted.headers["Location"]
    kept = edge.peek_pending_form(web_db, _session(web_db, client))
    assert kept is not None and kept["fields"] == {}
    assert edge.verify_password(web_db, "as.demo", PASSWORD) is not None


def test_my_pin_changes_with_the_current_pin_or_my_password(
        client_as: Client, web_db: edge.Database) -> None:
    client = client_as(edge.Role.MEDECIN)
    doctor = user_of(web_db, edge.Role.MEDECIN)
    weak = _post(client, "/mon-compte/", "/mon-compte/code-pin",
                 {"proof": TEST_PIN, "new_pin": "1111", "new_pin_again": "1111"})
    assert "trop facile" in _error_of(weak.get_data(as_text=True), "new_pin")
    wrong = _post(client, "/mon-compte/", "/mon-compte/code-pin",
                  {"proof": "9999", "new_pin": "7391", "new_pin_again": "7391"})
    html = wrong.get_data(as_text=True)
    assert wrong.status_code == 400 and "Essais restants : 2" in _error_of(html, "proof")
    assert "7391" not in html
    done = _post(client, "/mon-compte/", "/mon-compte/code-pin",
                 {"proof": TEST_PIN, "new_pin": "7391", "new_pin_again": "7391"})
    assert done.status_code == 302
    assert edge.verify_pin(web_db, doctor.id, "7391")
    by_password = _post(client, "/mon-compte/", "/mon-compte/code-pin",
                        {"proof": PASSWORD, "new_pin": "4826", "new_pin_again": "4826"})
    assert by_password.status_code == 302 and edge.verify_pin(web_db, doctor.id, "4826")


def test_three_wrong_current_pins_end_the_session(client_as: Client,
                                                   web_db: edge.Database) -> None:
    client = client_as(edge.Role.AIDE_SOIGNANT)
    for _ in range(2):
        _post(client, "/mon-compte/", "/mon-compte/code-pin",
              {"proof": "9999", "new_pin": "7391", "new_pin_again": "7391"})
    third = _post(client, "/mon-compte/", "/mon-compte/code-pin",
                  {"proof": "9998", "new_pin": "7391", "new_pin_again": "7391"})
    assert third.status_code == 302 and "/connexion" in third.headers["Location"]
    assert client.get("/mon-compte/").status_code == 302


# -- the administrator's temporary password -------------------------------------------------------

def _set_temporary(admin: FlaskClient, user_id: str, new: str, again: str) -> TestResponse:
    url = f"/administration/comptes/{user_id}/mot-de-passe-provisoire"
    return _post(admin, url, url, {"new_password": new, "new_password_again": again})


def test_the_temporary_password_form_names_its_errors_and_changes_nothing(
        client_as: Client, web_db: edge.Database) -> None:
    admin = client_as(edge.Role.ADMINISTRATEUR)
    carer = user_of(web_db, edge.Role.AIDE_SOIGNANT)
    listing = admin.get("/administration/").get_data(as_text=True)
    assert f"/administration/comptes/{carer.id}/mot-de-passe-provisoire" in listing
    page = admin.get(f"/administration/comptes/{carer.id}/mot-de-passe-provisoire")
    assert page.status_code == 200 and "data-confirm" in page.get_data(as_text=True)
    assert f'action="/administration/comptes/{carer.id}/mot-de-passe-provisoire"' in \
        page.get_data(as_text=True)
    assert carer.login in page.get_data(as_text=True)
    short = _set_temporary(admin, carer.id, "court", "court").get_data(as_text=True)
    assert "15 caractères" in _error_of(short, "new_password")
    mismatch = _set_temporary(admin, carer.id, TEMPORARY, TEMPORARY + "x")
    assert mismatch.status_code == 400
    assert "pas identiques" in _error_of(mismatch.get_data(as_text=True), "new_password_again")
    assert TEMPORARY not in mismatch.get_data(as_text=True)
    assert not password_change_required(web_db, carer.id)
    missing = admin.get("/administration/comptes/0123456789abcdef/mot-de-passe-provisoire")
    assert missing.status_code == 404


def test_an_administrator_sends_their_own_account_to_mon_compte(
        client_as: Client, web_db: edge.Database) -> None:
    admin = client_as(edge.Role.ADMINISTRATEUR)
    me = user_of(web_db, edge.Role.ADMINISTRATEUR)
    answer = admin.get(f"/administration/comptes/{me.id}/mot-de-passe-provisoire")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/mon-compte/")


def _sign_in(web_app: Flask, db: edge.Database, login: str, password: str,
             role: edge.Role) -> FlaskClient:
    client = web_app.test_client()
    step = _post(client, "/connexion", "/connexion", {"login": login, "password": password})
    assert step.status_code == 302, step.get_data(as_text=True)
    code = edge.totp_code(TOTP_SECRETS[role], int(db.clock().timestamp()) // 30)
    done = _post(client, "/connexion/second-facteur", "/connexion/second-facteur", {"code": code})
    assert done.status_code == 302
    return client


def test_a_temporary_password_ends_the_sessions_and_forces_a_new_one_before_anything(
        web_app: Flask, client_as: Client, web_db: edge.Database) -> None:
    nurse_before = client_as(edge.Role.INFIRMIER)
    nurse = user_of(web_db, edge.Role.INFIRMIER)
    admin = client_as(edge.Role.ADMINISTRATEUR)
    done = _set_temporary(admin, nurse.id, TEMPORARY, TEMPORARY)
    assert done.status_code == 302
    assert "Mot de passe provisoire défini" in admin.get("/administration/").get_data(as_text=True)
    assert nurse_before.get("/residents/").status_code == 302  # the old session has ended
    assert password_change_required(web_db, nurse.id)
    denied_old = web_app.test_client()
    old = _post(denied_old, "/connexion", "/connexion", {"login": "ide.demo", "password": PASSWORD})
    assert old.status_code == 401

    client = _sign_in(web_app, web_db, "ide.demo", TEMPORARY, edge.Role.INFIRMIER)
    for url in ("/", "/residents/", "/alertes/", "/mon-compte/"):
        blocked = client.get(url)
        assert blocked.status_code == 302, url
        assert "/connexion/nouveau-mot-de-passe" in blocked.headers["Location"], url
    assert client.get("/api/changes").status_code == 401
    forced = client.get("/connexion/nouveau-mot-de-passe")
    assert forced.status_code == 200
    assert "Choisissez un nouveau mot de passe" in forced.get_data(as_text=True)
    same = _post(client, "/connexion/nouveau-mot-de-passe", "/connexion/nouveau-mot-de-passe",
                 {"new_password": TEMPORARY, "new_password_again": TEMPORARY})
    assert "provisoire" in _error_of(same.get_data(as_text=True), "new_password")
    assert TEMPORARY not in same.get_data(as_text=True)
    chosen = _post(client, "/connexion/nouveau-mot-de-passe", "/connexion/nouveau-mot-de-passe",
                   {"new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD})
    assert chosen.status_code == 302
    assert not password_change_required(web_db, nurse.id)
    assert client.get("/residents/").status_code == 200
    assert client.get("/connexion/nouveau-mot-de-passe").status_code == 302
    assert get_session(web_db, _session(web_db, client).id).revoked_at is None
    assert edge.verify_password(web_db, "ide.demo", NEW_PASSWORD) is not None


def test_after_a_factor_reset_too_the_new_password_comes_right_after_enrolment(
        web_app: Flask, client_as: Client, web_db: edge.Database) -> None:
    admin = client_as(edge.Role.ADMINISTRATEUR)
    carer = user_of(web_db, edge.Role.AIDE_SOIGNANT)
    _post(admin, "/administration/", f"/administration/comptes/{carer.id}/reinitialiser", {})
    _set_temporary(admin, carer.id, TEMPORARY, TEMPORARY)
    client = web_app.test_client()
    _post(client, "/connexion", "/connexion", {"login": "as.demo", "password": TEMPORARY})
    secret = edge.new_totp_secret()
    session = _session(web_db, client)
    from web.auth.pending import PENDING

    PENDING.put(session.id, "totp-enrolment", secret)
    code = edge.totp_code(secret, int(web_db.clock().timestamp()) // 30)
    enrolled = _post(client, "/connexion/enrolement", "/connexion/enrolement", {"code": code})
    assert enrolled.status_code == 302
    assert "/connexion/nouveau-mot-de-passe" in client.get("/").headers["Location"]
    _post(client, "/connexion/nouveau-mot-de-passe", "/connexion/nouveau-mot-de-passe",
          {"new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD})
    assert "/code-pin" in client.get("/").headers["Location"]
    assert not password_change_required(web_db, carer.id)


def test_a_disabled_account_gets_no_temporary_password(client_as: Client,
                                                        web_db: edge.Database) -> None:
    admin = client_as(edge.Role.ADMINISTRATEUR)
    doctor = user_of(web_db, edge.Role.MEDECIN)
    edge.disable_user(web_db, None, doctor.login)
    answer = _set_temporary(admin, doctor.id, TEMPORARY, TEMPORARY)
    assert answer.status_code == 302
    assert not password_change_required(web_db, doctor.id)
