"""A set of vital signs scoring NEWS2 7 or more: the emergency band on the resident's page, the alert
with the values that caused it, and its acknowledgement on Alertes (who, when, what was done)."""

from __future__ import annotations

import re

import pytest

from edge import Role
from tests.browser.browser_support import (
    EMERGENCY_SET,
    RelaisServer,
    expect,
    go_to_nav,
    open_resident,
    screenshot,
    sign_in,
    store_set,
)

pytestmark = pytest.mark.browser
HIGH_BAND = re.compile(r"élevé|urgence", re.I)


def _fill_number(page, label: str, value: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_label(re.compile(label, re.I)).first.fill(value)


def _choose(page, field: str, option: str) -> None:  # type: ignore[no-untyped-def]
    """Pick ``option`` in a select labelled ``field``, or the radio button named ``option``."""
    select = page.get_by_role("combobox", name=re.compile(field, re.I))
    if select.count():
        labels = select.first.locator("option").all_inner_texts()
        wanted = next(text for text in labels if re.search(option, text, re.I))
        select.first.select_option(label=wanted)
    else:
        page.get_by_role("radio", name=re.compile(option, re.I)).first.check()


def _alert_card(page, family_name: str):  # type: ignore[no-untyped-def]
    """The open alert of a resident on Alertes (a list item headed by the resident's name)."""
    return page.get_by_role("listitem").filter(
        has=page.get_by_role("heading", name=re.compile(family_name, re.I)))


def test_a_set_scoring_news2_thirteen_shows_the_emergency_band_and_opens_an_alert(
        relais_server: RelaisServer, page) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, relais_server, Role.INFIRMIER)
    resident = relais_server.residents["emergency"]
    open_resident(page, resident)
    page.get_by_role("link", name=re.compile(r"saisir des constantes", re.I)).click()
    _fill_number(page, r"respiratoire", "26")
    _fill_number(page, r"SpO2|saturation", "90")
    _fill_number(page, r"systolique", "88")
    _fill_number(page, r"diastolique", "52")
    _fill_number(page, r"fréquence cardiaque|pouls", "126")
    _fill_number(page, r"température", "39,4")
    _choose(page, r"conscience|ACVPU", r"^\s*A\b")
    _choose(page, r"air ou oxygène", r"air ambiant")
    screenshot(page, "saisie-constantes")
    page.get_by_role("button", name=re.compile(r"^\s*enregistrer", re.I)).click()

    expect(page.get_by_role("heading", level=1)).to_contain_text(re.compile(resident.family_name, re.I))
    latest = page.get_by_role("region", name=re.compile(r"dernière série", re.I))
    expect(latest).to_contain_text(re.compile(r"NEWS2\s*13\b"))
    expect(latest).to_contain_text(HIGH_BAND)
    expect(latest).to_contain_text(re.compile(r"réponse d'urgence", re.I))
    open_alerts = page.get_by_role("region", name=re.compile(r"alertes ouvertes", re.I))
    expect(open_alerts).to_contain_text(re.compile(r"NEWS2\s*13\b"))
    expect(open_alerts).to_contain_text("126")
    screenshot(page, "resident-urgence")

    go_to_nav(page, "Alertes")
    alert = _alert_card(page, resident.family_name)
    expect(alert).to_have_count(1)
    expect(alert).to_contain_text(HIGH_BAND)
    for shown in ("26", "90", "88", "126", "39.4|39,4"):
        expect(alert).to_contain_text(re.compile(rf"\b({shown})\b"))


def test_an_open_alert_is_acknowledged_with_the_action_taken_and_who_took_it(
        relais_server: RelaisServer, page) -> None:  # type: ignore[no-untyped-def]
    resident = relais_server.residents["acknowledge"]
    nurse = sign_in(page, relais_server, Role.INFIRMIER)
    store_set(relais_server, resident.resident_id, EMERGENCY_SET, nurse)
    go_to_nav(page, "Alertes")
    alert = _alert_card(page, resident.family_name)
    expect(alert).to_have_count(1)
    screenshot(page, "alertes")
    _choose(alert, r"action", r"SAMU")
    alert.get_by_label(re.compile(r"note", re.I)).fill("SAMU appelé à 3 h 10, transfert décidé.")
    alert.get_by_role("button", name=re.compile(r"prendre en compte", re.I)).click()

    expect(_alert_card(page, resident.family_name)).to_have_count(0)
    done = page.get_by_role("region", name=re.compile(r"prises en compte", re.I)).get_by_role(
        "listitem").filter(has_text=re.compile(resident.family_name, re.I))
    expect(done).to_have_count(1)
    expect(done).to_contain_text(nurse.display_name)
    expect(done).to_contain_text(re.compile(r"SAMU", re.I))
    expect(done).to_contain_text("transfert décidé")
