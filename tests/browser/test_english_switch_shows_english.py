"""Languages: French first; the English switch shows the pages in English and back."""

from __future__ import annotations

import re

import pytest

from edge import Role
from tests.browser.browser_support import RelaisServer, expect, open_resident, sign_in

pytestmark = pytest.mark.browser


def test_the_english_switch_shows_the_pages_in_english_and_back_in_french(
        relais_server: RelaisServer, page) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, relais_server, Role.INFIRMIER)
    open_resident(page, relais_server.residents["english"])
    assert page.locator("html").get_attribute("lang") == "fr"
    page.get_by_role("button", name="English").click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    nav = page.get_by_role("navigation", name=re.compile(r"main navigation", re.I))
    expect(nav.get_by_role("link", name=re.compile(r"^\s*Residents\b"))).to_be_visible()
    expect(nav.get_by_role("link", name=re.compile(r"^\s*Alerts\b"))).to_be_visible()
    expect(page.get_by_role("button", name=re.compile(r"^\s*(Lock|Sign out)"))).to_have_count(2)
    expect(page.get_by_role("heading", name=re.compile(r"transmissions ciblées|dernière série|"
                                                       r"alertes ouvertes|tendances", re.I))
           ).to_have_count(0)
    expect(page.get_by_role("heading", level=2).first).to_be_visible()

    page.get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("navigation", name=re.compile(r"navigation principale", re.I))
           .get_by_role("link", name=re.compile(r"^\s*Résidents"))).to_be_visible()
