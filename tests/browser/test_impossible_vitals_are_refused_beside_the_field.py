"""Bad input on the vitals form: impossible values (SpO2 140 %, temperature 60 °C) are refused with the
reason beside the field, in French, and everything typed comes back; nothing is stored."""

from __future__ import annotations

import re

import pytest

from edge import Role
from tests.browser.browser_support import RelaisServer, expect, open_resident, screenshot, sign_in

pytestmark = pytest.mark.browser


def test_impossible_values_are_refused_beside_their_fields_and_the_typed_values_are_kept(
        relais_server: RelaisServer, page) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, relais_server, Role.AIDE_SOIGNANT)
    resident = relais_server.residents["search"]
    open_resident(page, resident)
    page.get_by_role("link", name=re.compile(r"saisir des constantes", re.I)).click()
    spo2 = page.get_by_label(re.compile(r"SpO2|saturation", re.I)).first
    temperature = page.get_by_label(re.compile(r"température", re.I)).first
    pulse = page.get_by_label(re.compile(r"fréquence cardiaque|pouls", re.I)).first
    spo2.fill("140")
    temperature.fill("60")
    pulse.fill("88")
    page.get_by_role("button", name=re.compile(r"^\s*enregistrer", re.I)).click()

    expect(page.get_by_role("alert").first).to_be_visible()
    for field, limit in ((spo2, "100"), (temperature, "45")):
        expect(field).to_have_attribute("aria-invalid", "true")
        described = field.get_attribute("aria-describedby") or ""
        errors = [page.locator(f"[id='{ident}']") for ident in described.split()
                  if ident.endswith("error")]
        assert errors, "the error is not tied to its field (aria-describedby)"
        expect(errors[0]).to_contain_text(re.compile(r"impossible|possibles?|valeur", re.I))
        expect(errors[0]).to_contain_text(limit)  # the reason names the possible range
        expect(errors[0]).not_to_contain_text(re.compile(r"\b(invalid|error|must)\b", re.I))
    expect(spo2).to_have_value("140")
    expect(temperature).to_have_value("60")
    expect(pulse).to_have_value("88")
    screenshot(page, "saisie-constantes-refusee")

    page.get_by_role("link", name=re.compile(resident.family_name, re.I)).first.click()
    latest = page.get_by_role("region", name=re.compile(r"dernière série", re.I))
    expect(latest).not_to_contain_text("88 /min")
    expect(latest).to_contain_text("72")
