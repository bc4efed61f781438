"""Inside a shift: the page locks after inactivity (or on the Verrouiller button), the PIN unlocks
it, and a form being typed when the lock came comes back filled in."""

from __future__ import annotations

import re

import pytest

from edge import Role
from tests.browser.browser_support import PIN, RelaisServer, expect, open_resident, screenshot, sign_in

pytestmark = pytest.mark.browser


def _unlock(page, pin: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_label(re.compile(r"code PIN|PIN", re.I)).first.fill(pin)
    page.get_by_role("button", name=re.compile(r"déverrouiller|valider", re.I)).click()


def test_inactivity_locks_the_page_and_the_pin_brings_back_the_half_typed_form(
        relais_server: RelaisServer, page) -> None:  # type: ignore[no-untyped-def]
    page.clock.install()  # the page's inactivity timer runs on a clock the test moves forward
    sign_in(page, relais_server, Role.INFIRMIER)
    resident = relais_server.residents["lock"]
    open_resident(page, resident)
    page.get_by_role("link", name=re.compile(r"nouvelle transmission", re.I)).click()
    lock_seconds = int(page.locator("body").get_attribute("data-lock-seconds") or "0")
    assert lock_seconds > 0, "the page has no inactivity lock"
    half_typed = "Refuse le plateau du soir, à revoir"
    page.get_by_label(re.compile(r"^\s*données", re.I)).first.fill(half_typed)
    page.get_by_label(re.compile(r"^\s*cible", re.I)).first.fill("Alimentation")

    page.clock.run_for((lock_seconds + 5) * 1000)
    expect(page.get_by_label(re.compile(r"code PIN|PIN", re.I)).first).to_be_visible()
    expect(page.get_by_text(re.compile(half_typed))).to_have_count(0)
    screenshot(page, "deverrouillage")

    _unlock(page, "0000")
    expect(page.get_by_text(re.compile(r"PIN incorrect", re.I)).first).to_be_visible()
    _unlock(page, PIN)
    expect(page.get_by_role("link", name=re.compile(resident.family_name, re.I)).first).to_be_visible()
    expect(page.get_by_text(re.compile(r"saisie a été conservée", re.I))).to_be_visible()
    expect(page.get_by_label(re.compile(r"^\s*données", re.I)).first).to_have_value(half_typed)
    expect(page.get_by_label(re.compile(r"^\s*cible", re.I)).first).to_have_value("Alimentation")


def test_the_lock_button_locks_at_once_and_a_wrong_pin_does_not_unlock(
        relais_server: RelaisServer, page) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, relais_server, Role.AIDE_SOIGNANT)
    page.get_by_role("button", name=re.compile(r"^\s*verrouiller", re.I)).click()
    expect(page.get_by_label(re.compile(r"code PIN|PIN", re.I)).first).to_be_visible()
    page.goto(relais_server.url("/"))
    expect(page.get_by_label(re.compile(r"code PIN|PIN", re.I)).first).to_be_visible()
    _unlock(page, "9137")
    expect(page.get_by_text(re.compile(r"PIN incorrect", re.I)).first).to_be_visible()
    _unlock(page, PIN)
    expect(page.get_by_role("navigation", name=re.compile(r"navigation principale", re.I))
           ).to_be_visible()
