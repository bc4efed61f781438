"""Roles: an aide-soignant(e) is not offered the administration and is refused it with a French 403
page when they type its address."""

from __future__ import annotations

import re

import pytest

from edge import Role
from tests.browser.browser_support import RelaisServer, expect, screenshot, sign_in

pytestmark = pytest.mark.browser


def _administration_address(relais_server: RelaisServer, new_context) -> str:  # type: ignore[no-untyped-def]
    admin_page = new_context().new_page()
    sign_in(admin_page, relais_server, Role.ADMINISTRATEUR)
    link = admin_page.get_by_role("navigation", name=re.compile(r"navigation principale", re.I)
                                  ).get_by_role("link", name=re.compile(r"administration", re.I))
    expect(link).to_be_visible()
    href = link.get_attribute("href")
    assert href
    return href


def test_an_aide_soignant_typing_the_administration_address_gets_a_french_403_page(
        relais_server: RelaisServer, new_context) -> None:  # type: ignore[no-untyped-def]
    address = _administration_address(relais_server, new_context)
    page = new_context().new_page()
    sign_in(page, relais_server, Role.AIDE_SOIGNANT)
    nav = page.get_by_role("navigation", name=re.compile(r"navigation principale", re.I))
    expect(nav.get_by_role("link", name=re.compile(r"administration", re.I))).to_have_count(0)

    response = page.goto(relais_server.url(address))
    assert response is not None and response.status == 403
    assert page.locator("html").get_attribute("lang") == "fr"
    expect(page.get_by_role("heading").first).to_contain_text(
        re.compile(r"accès|autoris|interdit|refus|droit", re.I))
    body = page.locator("body").inner_text()
    assert "Traceback" not in body and "Forbidden" not in body
    screenshot(page, "refus-403")
