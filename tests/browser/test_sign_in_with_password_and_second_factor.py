"""Signing in at the start of a shift: password, then the second factor (a TOTP code)."""

from __future__ import annotations

import re

import pytest

from edge import Role
from tests.browser.browser_support import PASSWORD, RelaisServer, expect, screenshot, sign_in

pytestmark = pytest.mark.browser


def test_a_nurse_signs_in_with_password_and_totp_code_and_reaches_the_residents(
        relais_server: RelaisServer, page) -> None:  # type: ignore[no-untyped-def]
    staff = sign_in(page, relais_server, Role.INFIRMIER)
    expect(page.get_by_role("link", name=re.compile(r"^\s*Résidents", re.I)).first).to_be_visible()
    expect(page.get_by_text(staff.display_name).first).to_be_visible()
    cookies = {cookie["name"]: cookie for cookie in page.context.cookies()}
    session = [c for name, c in cookies.items() if "relais_session" in name]
    assert session, f"no session cookie after sign-in: {sorted(cookies)}"
    assert session[0]["httpOnly"] and session[0]["sameSite"] == "Strict"


def test_a_wrong_second_factor_code_is_refused_in_french_and_nothing_opens(
        relais_server: RelaisServer, page) -> None:  # type: ignore[no-untyped-def]
    staff = relais_server.account(Role.INFIRMIER)
    page.goto(relais_server.url("/"))
    screenshot(page, "connexion")
    page.get_by_label(re.compile("identifiant", re.I)).fill(staff.login)
    page.get_by_label(re.compile("mot de passe", re.I)).fill(PASSWORD)
    page.get_by_role("button", name=re.compile("continuer|se connecter|connexion|suivant", re.I)).click()
    good = staff.next_code()
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"
    page.get_by_label(re.compile("code", re.I)).first.fill(wrong)
    screenshot(page, "connexion-second-facteur")
    page.get_by_role("button", name=re.compile("valider|vérifier|se connecter|continuer", re.I)).click()
    expect(page.get_by_text(re.compile(r"code.*(incorrect|invalide|erron|pas bon|refusé)", re.I))
           .first).to_be_visible()
    page.goto(relais_server.url("/"))
    expect(page.get_by_role("button", name=re.compile("se déconnecter|déconnexion", re.I))).to_have_count(0)
