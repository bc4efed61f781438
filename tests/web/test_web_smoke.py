"""Smoke: the app builds, pages render for each role, the platform pieces are wired."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

import edge


def test_signed_out_home_sends_to_the_sign_in_page(web_app: Flask) -> None:
    response = web_app.test_client().get("/")
    assert response.status_code == 302
    assert "/connexion" in response.headers["Location"]


def test_sign_in_page_renders_in_french(web_app: Flask) -> None:
    response = web_app.test_client().get("/connexion")
    assert response.status_code == 200
    assert "Mot de passe" in response.get_data(as_text=True)


def test_administrator_sees_the_accounts_page(
        client_as: Callable[[edge.Role], FlaskClient]) -> None:
    client = client_as(edge.Role.ADMINISTRATEUR)
    response = client.get("/administration/")
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    assert "as.demo" in response.get_data(as_text=True)
