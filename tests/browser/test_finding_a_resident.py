"""Finding a resident on the Résidents list: by name and by room, then opening their page."""

from __future__ import annotations

import re

import pytest

from edge import Role
from tests.browser.browser_support import RelaisServer, expect, go_to_nav, sign_in

pytestmark = pytest.mark.browser


def _search(page, text: str) -> None:  # type: ignore[no-untyped-def]
    box = page.get_by_role("searchbox").or_(page.get_by_label(re.compile("recherch", re.I))).first
    box.fill(text)
    box.press("Enter")


def test_a_carer_finds_a_resident_by_name_and_by_room_and_opens_their_page(
        relais_server: RelaisServer, page) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, relais_server, Role.AIDE_SOIGNANT)
    go_to_nav(page, "Résidents")
    wanted = relais_server.residents["search"]
    other = relais_server.residents["notes"]
    expect(page.get_by_role("link", name=re.compile(other.family_name, re.I)).first).to_be_visible()

    _search(page, wanted.family_name[:5].lower())
    expect(page.get_by_role("link", name=re.compile(wanted.family_name, re.I)).first).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(other.family_name, re.I))).to_have_count(0)

    _search(page, wanted.room)
    expect(page.get_by_role("link", name=re.compile(wanted.family_name, re.I)).first).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(other.family_name, re.I))).to_have_count(0)

    page.get_by_role("link", name=re.compile(wanted.family_name, re.I)).first.click()
    expect(page.get_by_role("heading", name=re.compile(wanted.family_name, re.I)).first).to_be_visible()
    expect(page.get_by_text(wanted.room).first).to_be_visible()
