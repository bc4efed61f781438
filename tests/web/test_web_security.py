"""Security tests of the tablet application: anti-forgery, session fixation, brute force without
account enumeration, every route gated (enumerated from the URL map so new blueprints are covered),
XSS payloads rendered inert, the Content-Security-Policy and the cookie flags."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from conftest import PASSWORD, TOTP_SECRETS, csrf_from, user_of
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

import edge
from web.access import PUBLIC_ATTR, ROLE_PERMISSIONS, view_permissions
from web.security.cookies import SECURE_SESSION_COOKIE

PUBLIC_ENDPOINTS = {"static"}
XSS = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'


def _login(client: FlaskClient, login: str, password: str) -> tuple[int, str]:
    page = client.get("/connexion")
    response = client.post("/connexion", data={"login": login, "password": password,
                                               "csrf_token": csrf_from(page.get_data(as_text=True))})
    return response.status_code, response.get_data(as_text=True)


def _session_cookie(client: FlaskClient) -> str | None:
    cookie = client.get_cookie(SECURE_SESSION_COOKIE)
    return cookie.value if cookie is not None else None


def _url_for_rule(rule: Rule) -> str:
    url = rule.rule
    for argument in rule.arguments:
        url = re.sub(rf"<(?:[^:<>]+:)?{argument}>", "0123456789abcdef", url)
    return url


def _routes(app: Flask) -> list[tuple[Rule, str]]:
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            routes.append((rule, method))
    return routes


# -- anti-forgery ---------------------------------------------------------------------------------

def test_post_without_csrf_token_is_refused_and_changes_nothing(
        client_as: Callable[[edge.Role], FlaskClient], web_db: edge.Database) -> None:
    client = client_as(edge.Role.ADMINISTRATEUR)
    before = len(edge.list_users(web_db))
    response = client.post("/administration/comptes", data={
        "login": "intrus", "display_name": "Intrus", "role": "administrateur",
        "password": "une phrase de passe assez longue"})
    assert response.status_code == 400
    assert len(edge.list_users(web_db)) == before


def test_post_with_another_sessions_csrf_token_is_refused(
        client_as: Callable[[edge.Role], FlaskClient]) -> None:
    victim = client_as(edge.Role.ADMINISTRATEUR)
    attacker = client_as(edge.Role.ADMINISTRATEUR)
    foreign = csrf_from(attacker.get("/administration/").get_data(as_text=True))
    response = victim.post("/verrou", data={"csrf_token": foreign})
    assert response.status_code == 400


def test_post_from_a_foreign_origin_is_refused_even_with_the_token(
        client_as: Callable[[edge.Role], FlaskClient]) -> None:
    client = client_as(edge.Role.ADMINISTRATEUR)
    token = csrf_from(client.get("/administration/").get_data(as_text=True))
    response = client.post("/verrou", data={"csrf_token": token},
                           headers={"Origin": "https://evil.example"})
    assert response.status_code == 400


def test_sign_in_form_without_its_csrf_token_is_refused(web_app: Flask) -> None:
    client = web_app.test_client()
    response = client.post("/connexion", data={"login": "as.demo", "password": PASSWORD})
    assert response.status_code == 400
    assert _session_cookie(client) is None


def test_every_unsafe_route_refuses_a_request_without_csrf_token(
        web_app: Flask, client_as: Callable[[edge.Role], FlaskClient]) -> None:
    clients = {role: client_as(role) for role in edge.Role}
    checked = 0
    for rule, method in _routes(web_app):
        if method in ("GET",):
            continue
        for client in clients.values():
            response = client.open(_url_for_rule(rule), method=method, data={})
            assert response.status_code == 400, (rule.rule, method, response.status_code)
        checked += 1
    assert checked >= 5


# -- sessions -------------------------------------------------------------------------------------

def test_sign_in_issues_a_new_session_token_so_a_planted_one_is_useless(
        web_app: Flask, web_db: edge.Database) -> None:
    client = web_app.test_client()
    client.set_cookie(SECURE_SESSION_COOKIE, "planted-by-attacker", secure=True)
    status, _ = _login(client, "ide.demo", PASSWORD)
    assert status == 302
    after_password = _session_cookie(client)
    assert after_password not in (None, "planted-by-attacker")
    code = edge.totp_code(TOTP_SECRETS[edge.Role.INFIRMIER],
                          int(web_db.clock().timestamp()) // 30)
    page = client.get("/connexion/second-facteur")
    response = client.post("/connexion/second-facteur", data={
        "code": code, "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.status_code == 302
    after_second_factor = _session_cookie(client)
    assert after_second_factor not in (None, after_password)
    old = edge.find_session(web_db, after_password or "")
    assert old is not None and old.revoked_at is not None
    stale = web_app.test_client()
    stale.set_cookie(SECURE_SESSION_COOKIE, after_password or "", secure=True)
    assert stale.get("/administration/").status_code == 302


def test_only_a_hash_of_the_session_token_is_stored(
        client_as: Callable[[edge.Role], FlaskClient], web_db: edge.Database) -> None:
    client = client_as(edge.Role.INFIRMIER)
    token = _session_cookie(client)
    assert token is not None and len(token) >= 43
    ids = [row["id"] for row in web_db.query("SELECT id FROM web_sessions")]
    assert token not in ids
    assert edge.find_session(web_db, token) is not None


def test_disabling_a_user_ends_their_open_sessions(
        client_as: Callable[[edge.Role], FlaskClient], web_db: edge.Database) -> None:
    nurse = client_as(edge.Role.INFIRMIER)
    assert nurse.get("/").status_code in (200, 302)
    admin = client_as(edge.Role.ADMINISTRATEUR)
    target = user_of(web_db, edge.Role.INFIRMIER)
    token = csrf_from(admin.get("/administration/").get_data(as_text=True))
    response = admin.post(f"/administration/comptes/{target.id}/desactiver",
                          data={"csrf_token": token})
    assert response.status_code == 302
    rows = web_db.query("SELECT revoked_reason FROM web_sessions WHERE user_id = ?", (target.id,))
    assert rows and all(row["revoked_reason"] is not None for row in rows)
    refused = nurse.get("/administration/journal")
    assert refused.status_code == 302 and "/connexion" in refused.headers["Location"]


# -- brute force ------------------------------------------------------------------------------------

def _attempts(app: Flask, login: str, count: int) -> list[tuple[int, str]]:
    client = app.test_client()
    answers = []
    for _ in range(count):
        status, body = _login(client, login, "not the right password at all")
        body = re.sub(r'(name="csrf_token" value|name="csrf-token" content)="[^"]+"', "", body)
        body = body.replace(login, "LOGIN")
        answers.append((status, body))
    return answers


def test_failures_slow_down_from_the_fifth_and_lock_at_the_tenth_like_an_unknown_login(
        web_app: Flask, web_db: edge.Database) -> None:
    existing = _attempts(web_app, "ide.demo", 6)
    unknown = _attempts(web_app, "personne.inconnue", 6)
    assert [s for s, _ in existing] == [401, 401, 401, 401, 401, 429]
    assert existing == unknown
    # jump past the delays: the count goes on to the lock at the 10th failure
    for login in ("ide.demo", "personne.inconnue"):
        subject = edge.login_subject(web_db, login)
        for _ in range(5):  # 5 counted above (the 6th was throttled) + 5 = 10
            edge.record_failure(web_db, subject, web_db.clock(), edge_lock())
    locked_existing = _attempts(web_app, "ide.demo", 1)
    locked_unknown = _attempts(web_app, "personne.inconnue", 1)
    assert locked_existing == locked_unknown
    assert locked_existing[0][0] == 429
    assert "bloquée" in locked_existing[0][1]
    # while locked, even the right password is refused with the same answer
    client = web_app.test_client()
    status, body = _login(client, "ide.demo", PASSWORD)
    assert status == 429 and _session_cookie(client) is None


def edge_lock() -> timedelta:
    return timedelta(minutes=60)


def test_an_administrator_reset_lifts_the_lock(
        web_app: Flask, web_db: edge.Database,
        client_as: Callable[[edge.Role], FlaskClient]) -> None:
    subject = edge.login_subject(web_db, "as.demo")
    for _ in range(10):
        edge.record_failure(web_db, subject, web_db.clock(), edge_lock())
    admin = client_as(edge.Role.ADMINISTRATEUR)
    target = user_of(web_db, edge.Role.AIDE_SOIGNANT)
    token = csrf_from(admin.get("/administration/").get_data(as_text=True))
    admin.post(f"/administration/comptes/{target.id}/reinitialiser", data={"csrf_token": token})
    status, _ = _login(web_app.test_client(), "as.demo", PASSWORD)
    assert status == 302


# -- route by route -------------------------------------------------------------------------------

def test_every_view_declares_its_permissions_or_is_a_public_sign_in_step(web_app: Flask) -> None:
    undeclared = []
    for endpoint, view in web_app.view_functions.items():
        if endpoint in PUBLIC_ENDPOINTS or getattr(view, PUBLIC_ATTR, False):
            continue
        if view_permissions(view) is None:
            undeclared.append(endpoint)
    assert undeclared == [], f"views without @requires: {undeclared}"


def test_every_route_without_a_session_goes_to_sign_in_or_401_for_the_api(web_app: Flask) -> None:
    client = web_app.test_client()
    for rule, method in _routes(web_app):
        view = web_app.view_functions[rule.endpoint]
        if getattr(view, PUBLIC_ATTR, False):
            continue
        if method != "GET":
            page = client.get("/connexion")
            data = {"csrf_token": csrf_from(page.get_data(as_text=True))}
        else:
            data = None
        response = client.open(_url_for_rule(rule), method=method, data=data)
        body = response.get_data(as_text=True)
        if rule.rule.startswith("/api/"):
            assert response.status_code == 401, (rule.rule, method)
        else:
            assert response.status_code == 302, (rule.rule, method, response.status_code)
            assert "/connexion" in response.headers["Location"], rule.rule
        assert "DUPONT" not in body and "MARTIN" not in body


def test_every_route_refuses_a_signed_in_role_without_the_permission_with_403(
        web_app: Flask, web_db: edge.Database,
        client_as: Callable[[edge.Role], FlaskClient]) -> None:
    clients = {role: client_as(role) for role in edge.Role}
    refused = 0
    for rule, method in _routes(web_app):
        wanted = view_permissions(web_app.view_functions[rule.endpoint])
        if wanted is None:
            continue
        for role, client in clients.items():
            if wanted <= ROLE_PERMISSIONS[role]:
                continue
            session = edge.find_session(web_db, _session_cookie(client) or "")
            assert session is not None
            headers = {"X-CSRF-Token": session.csrf_token()} if method != "GET" else {}
            response = client.open(_url_for_rule(rule), method=method, headers=headers)
            assert response.status_code == 403, (rule.rule, method, role, response.status_code)
            assert "Traceback" not in response.get_data(as_text=True)
            refused += 1
    assert refused >= 4
    denied = edge.list_audit(web_db, outcome="denied", limit=1000)
    assert len([e for e in denied if e.object_type == "route"]) == refused


# -- output ---------------------------------------------------------------------------------------

def test_xss_payloads_in_my_forms_are_rendered_inert(
        client_as: Callable[[edge.Role], FlaskClient]) -> None:
    admin = client_as(edge.Role.ADMINISTRATEUR)
    token = csrf_from(admin.get("/administration/").get_data(as_text=True))
    response = admin.post("/administration/comptes", data={
        "csrf_token": token, "login": XSS, "display_name": XSS, "role": "infirmier",
        "password": "court"})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<script>alert(1)" not in body and "<img src=x" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    ok = admin.post("/administration/comptes", data={
        "csrf_token": token, "login": "xss.test", "display_name": XSS, "role": "infirmier",
        "password": "une phrase de passe assez longue"})
    assert ok.status_code == 302
    listing = admin.get("/administration/").get_data(as_text=True)
    assert "<script>alert(1)" not in listing and "&lt;script&gt;" in listing
    login_page = _login(admin.application.test_client(), XSS, "x")[1]
    assert "<script>alert(1)" not in login_page


def test_every_page_has_a_strict_content_security_policy_and_headers(
        client_as: Callable[[edge.Role], FlaskClient], web_app: Flask) -> None:
    for response in (web_app.test_client().get("/connexion"),
                     client_as(edge.Role.ADMINISTRATEUR).get("/administration/"),
                     web_app.test_client().get("/nowhere")):
        csp = response.headers["Content-Security-Policy"]
        assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
        assert "script-src 'self'" in csp and "object-src 'none'" in csp
        assert "frame-ancestors 'none'" in csp and "base-uri 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"] == "no-store"
        body = response.get_data(as_text=True)
        assert "<script>" not in body and " style=" not in body
        assert re.search(r"\son[a-z]+=", body) is None


def test_session_cookie_is_host_prefixed_secure_httponly_and_strict(
        web_app: Flask) -> None:
    client = web_app.test_client()
    page = client.get("/connexion")
    response = client.post("/connexion", data={
        "login": "as.demo", "password": PASSWORD,
        "csrf_token": csrf_from(page.get_data(as_text=True))})
    cookies = [h for h in response.headers.getlist("Set-Cookie")
               if h.startswith(SECURE_SESSION_COOKIE + "=")]
    assert len(cookies) == 1
    flags = cookies[0].lower()
    assert "; secure" in flags and "; httponly" in flags and "samesite=strict" in flags
    assert "path=/" in flags and "domain=" not in flags and "expires=" not in flags


def test_unknown_route_gets_a_french_page_without_a_stack_trace(web_app: Flask) -> None:
    response = web_app.test_client().get("/nulle-part")
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "Page introuvable" in body and "Traceback" not in body
