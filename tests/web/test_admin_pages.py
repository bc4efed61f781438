"""The administration pages: the account form's errors beside the field they concern, the settings
with their description, and the audit log in words of the person's language."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient

import edge
from tests.web.conftest import csrf_from

Client = Callable[[edge.Role], FlaskClient]
LONG_PASSWORD = "une phrase de passe assez longue"


def _create(client: FlaskClient, data: dict[str, str]) -> tuple[int, str]:
    token = csrf_from(client.get("/administration/").get_data(as_text=True))
    answer = client.post("/administration/comptes", data={**data, "csrf_token": token})
    return answer.status_code, answer.get_data(as_text=True)


def _error_of(html: str, field: str) -> str:
    marker = f'id="f-{field}-error">'
    assert marker in html, f"no error beside {field}"
    return html.split(marker, 1)[1].split("</p>", 1)[0]


def test_every_wrong_field_of_a_new_account_is_named_beside_that_field(
        client_as: Client, web_db: edge.Database) -> None:
    before = len(edge.list_users(web_db))
    status, html = _create(client_as(edge.Role.ADMINISTRATEUR), {
        "display_name": " ", "login": "Élise!", "role": "", "password": "court"})
    assert status == 400
    assert "nom affiché est obligatoire" in _error_of(html, "display_name")
    assert "identifiant doit compter" in _error_of(html, "login")
    assert "Choisissez un rôle" in _error_of(html, "role")
    assert f"au moins {edge.MIN_PASSWORD_CHARS} caractères" in _error_of(html, "password")
    assert len(edge.list_users(web_db)) == before


def test_a_password_too_short_is_named_beside_the_password_only(client_as: Client) -> None:
    status, html = _create(client_as(edge.Role.ADMINISTRATEUR), {
        "display_name": "Nom avec mot de passe", "login": "nom.passe", "role": "infirmier",
        "password": "court"})
    assert status == 400
    assert "caractères" in _error_of(html, "password")
    assert 'id="f-display_name-error"' not in html and 'id="f-login-error"' not in html


def test_a_login_already_taken_is_named_beside_the_login(client_as: Client,
                                                          web_db: edge.Database) -> None:
    taken = edge.list_users(web_db)[0].login
    status, html = _create(client_as(edge.Role.ADMINISTRATEUR), {
        "display_name": "Homonyme", "login": taken, "role": "infirmier",
        "password": LONG_PASSWORD})
    assert status == 400
    assert "déjà utilisé" in _error_of(html, "login")
    assert 'id="f-password-error"' not in html


def test_the_settings_page_shows_what_each_setting_does(client_as: Client) -> None:
    html = client_as(edge.Role.ADMINISTRATEUR).get("/administration/reglages").get_data(
        as_text=True)
    for declared in edge.SETTINGS:
        assert declared.name in html
    web_port = next(s for s in edge.SETTINGS if s.name == "web_port")
    assert f'<p class="hint" lang="en">{web_port.help}</p>' in html


def test_the_audit_log_names_actions_and_outcomes_in_the_persons_language(
        client_as: Client) -> None:
    admin = client_as(edge.Role.ADMINISTRATEUR)
    assert _create(admin, {"display_name": "Nouvelle Personne", "login": "nouvelle.personne",
                           "role": "infirmier", "password": LONG_PASSWORD})[0] == 302
    html = admin.get("/administration/journal").get_data(as_text=True)
    assert "<td>création de compte</td>" in html and "<td>réussi</td>" in html
    assert "<td>user_add</td>" not in html and "<td>ok</td>" not in html
    assert ">lecture</option>" in html and ">refusé</option>" in html
    token = csrf_from(admin.get("/administration/").get_data(as_text=True))
    admin.post("/langue", data={"language": "en", "next": "/", "csrf_token": token})
    english = admin.get("/administration/journal").get_data(as_text=True)
    assert "<td>account creation</td>" in english and "<td>succeeded</td>" in english
