"""Correcting a stored value from the Résident page: a pulse typed wrong is corrected with a
reason, the confirmation shows the NEWS2 before and after, and the page then shows the corrected
value, the new score and the alert it opens; the history keeps the original, marked corrected."""

from __future__ import annotations

import re

import pytest

from edge import Role
from tests.browser.browser_support import RelaisServer, expect, open_resident, screenshot, sign_in

pytestmark = pytest.mark.browser


def test_a_nurse_corrects_a_pulse_and_sees_the_new_score(
        relais_server: RelaisServer, page) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, relais_server, Role.INFIRMIER)
    open_resident(page, relais_server.residents["correction"])
    latest = page.get_by_role("region", name=re.compile(r"dernière série", re.I))
    expect(latest).to_contain_text("NEWS2 0")
    latest.get_by_role("link", name=re.compile(r"corriger\s*:\s*pouls", re.I)).click()

    page.get_by_label(re.compile(r"nouvelle valeur", re.I)).fill("135")
    page.get_by_label(re.compile(r"raison de la correction", re.I)).fill("Relu sur le scope")
    page.get_by_role("button", name=re.compile(r"vérifier la correction", re.I)).click()
    confirm = page.get_by_role("region", name=re.compile(r"confirmer la correction", re.I))
    expect(confirm).to_contain_text("72 /min")
    expect(confirm).to_contain_text("135 /min")
    expect(confirm.locator(".news2-total")).to_have_text(["NEWS2 0", "NEWS2 3"])
    page.get_by_role("button", name=re.compile(r"^\s*confirmer la correction", re.I)).click()

    latest = page.get_by_role("region", name=re.compile(r"dernière série", re.I))
    expect(latest).to_contain_text("NEWS2 3")
    expect(latest).to_contain_text("135 /min")
    expect(latest).to_contain_text(re.compile(r"corrigée", re.I))
    alerts = page.get_by_role("region", name=re.compile(r"alertes ouvertes", re.I))
    expect(alerts.get_by_role("listitem").first).to_contain_text("NEWS2 3")
    screenshot(page, "resident-valeur-corrigee")

    latest.get_by_role("link", name=re.compile(r"historique des mesures", re.I)).click()
    corrected = page.locator("tr.corrected")
    expect(corrected).to_have_count(1)
    expect(corrected).to_contain_text("135 /min")
    expect(corrected).to_contain_text(re.compile(r"valeur d'origine 72 /min", re.I))
    expect(corrected).to_contain_text("Relu sur le scope")
