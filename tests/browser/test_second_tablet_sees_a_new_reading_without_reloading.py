"""Live updates: a reading stored by another process appears on an open page within 2 seconds,
without reloading it; so does the alert it opens."""

from __future__ import annotations

import re
import time

import pytest

from edge import Role
from tests.browser.browser_support import (
    EMERGENCY_SET,
    RelaisServer,
    expect,
    go_to_nav,
    open_resident,
    sign_in,
    store_set,
)

pytestmark = pytest.mark.browser
LIVE_LIMIT_MS = 2000


def test_a_reading_stored_by_another_process_appears_on_the_open_resident_page_within_two_seconds(
        relais_server: RelaisServer, new_context) -> None:  # type: ignore[no-untyped-def]
    first, second = new_context().new_page(), new_context().new_page()
    sign_in(first, relais_server, Role.INFIRMIER)
    carer = sign_in(second, relais_server, Role.AIDE_SOIGNANT)
    resident = relais_server.residents["live"]
    open_resident(first, resident)
    open_resident(second, resident)
    go_to_nav(first, "Alertes")
    for page in (first, second):
        page.evaluate("() => { window.__notReloaded = true; }")
    pulse = str(int(EMERGENCY_SET["8867-4"][1]))
    expect(second.get_by_text(re.compile(rf"\b{pulse}\b"))).to_have_count(0)
    expect(first.get_by_text(re.compile(resident.family_name, re.I))).to_have_count(0)

    store_set(relais_server, resident.resident_id, EMERGENCY_SET, carer)
    stored_at = time.monotonic()
    expect(second.get_by_text(re.compile(rf"\b{pulse}\b")).first).to_be_visible(
        timeout=LIVE_LIMIT_MS)
    shown_after = time.monotonic() - stored_at
    expect(first.get_by_text(re.compile(resident.family_name, re.I)).first).to_be_visible(
        timeout=LIVE_LIMIT_MS)
    assert shown_after <= LIVE_LIMIT_MS / 1000
    for page in (first, second):
        assert page.evaluate("() => window.__notReloaded === true"), "the page was reloaded"
