"""Signing in with a security key (WebAuthn): at the first sign-in the person registers a key, and at
the next one the key is the second factor. A virtual authenticator stands in for the key, through
Chromium's DevTools protocol; the page is opened as http://localhost (a WebAuthn relying party is a
host name, never an IP address)."""

from __future__ import annotations

import re

import pytest

from tests.browser.browser_support import PASSWORD, RelaisServer, expect

pytestmark = pytest.mark.browser
SIGNED_IN = re.compile(r"se déconnecter", re.I)


def _password_step(page, base: str, login: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/connexion")
    page.get_by_label(re.compile("identifiant", re.I)).fill(login)
    page.get_by_label(re.compile("mot de passe", re.I)).fill(PASSWORD)
    page.get_by_role("button", name=re.compile("se connecter", re.I)).click()


def test_a_carer_registers_a_security_key_at_first_sign_in_then_signs_in_with_it(
        relais_server: RelaisServer, new_context) -> None:  # type: ignore[no-untyped-def]
    base = relais_server.base_url.replace("127.0.0.1", "localhost")
    page = new_context().new_page()
    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    authenticator = devtools.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "usb", "hasResidentKey": True,
        "hasUserVerification": True, "isUserVerified": True,
        "automaticPresenceSimulation": True}})["authenticatorId"]
    staff = relais_server.unenrolled()

    _password_step(page, base, staff.login)
    page.get_by_role("button", name=re.compile(r"enregistrer ma clé", re.I)).click()
    expect(page.get_by_role("button", name=SIGNED_IN)).to_be_visible()
    credentials = devtools.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    assert len(credentials["credentials"]) == 1
    signs_before = credentials["credentials"][0]["signCount"]

    page.get_by_role("button", name=SIGNED_IN).click()
    _password_step(page, base, staff.login)
    expect(page.get_by_label(re.compile(r"code", re.I))).to_have_count(0)
    page.get_by_role("button", name=re.compile(r"utiliser ma clé", re.I)).click()
    expect(page.get_by_role("button", name=SIGNED_IN)).to_be_visible()
    after = devtools.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    assert after["credentials"][0]["signCount"] > signs_before
