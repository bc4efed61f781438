"""Transmissions ciblées (cible, données, actions, résultats): written on the resident's page, shown
on the timeline, then amended with a reason, the amendment shown beside what it replaces."""

from __future__ import annotations

import re

import pytest

from edge import Role
from tests.browser.browser_support import RelaisServer, expect, open_resident, screenshot, sign_in

pytestmark = pytest.mark.browser


def _form_field(page, label: str):  # type: ignore[no-untyped-def]
    return page.get_by_label(re.compile(label, re.I)).first


def _note(page, text: str):  # type: ignore[no-untyped-def]
    timeline = page.get_by_role("region", name=re.compile(r"transmissions", re.I))
    return timeline.get_by_role("listitem").filter(has_text=text)


def test_a_carer_writes_a_transmission_and_amends_it_with_a_reason(
        relais_server: RelaisServer, page) -> None:  # type: ignore[no-untyped-def]
    carer = sign_in(page, relais_server, Role.AIDE_SOIGNANT)
    open_resident(page, relais_server.residents["notes"])
    page.get_by_role("link", name=re.compile(r"nouvelle transmission", re.I)).click()
    _form_field(page, r"^\s*cible").fill("Douleur")
    _form_field(page, r"^\s*données").fill("Se plaint de la hanche gauche, EN 6.")
    _form_field(page, r"^\s*actions").fill("IDE prévenue.")
    _form_field(page, r"^\s*résultats").fill("En attente.")
    page.get_by_role("button", name=re.compile(r"^\s*enregistrer", re.I)).click()
    note = _note(page, "hanche gauche")
    expect(note).to_have_count(1)
    expect(note).to_contain_text("Douleur")
    expect(note).to_contain_text("IDE prévenue.")
    expect(note).to_contain_text(carer.display_name)

    note.get_by_role("link", name=re.compile(r"corriger|modifier", re.I)).click()
    expect(_form_field(page, r"^\s*données")).to_have_value("Se plaint de la hanche gauche, EN 6.")
    _form_field(page, r"^\s*données").fill("Se plaint de la hanche droite, EN 6.")
    _form_field(page, r"raison|motif").fill("Erreur de côté")
    page.get_by_role("button", name=re.compile(r"^\s*enregistrer", re.I)).click()

    amendment = _note(page, "hanche droite")
    expect(amendment).to_have_count(1)
    expect(amendment).to_contain_text(re.compile(r"correction", re.I))
    expect(amendment).to_contain_text("Erreur de côté")
    original = _note(page, "hanche gauche")
    expect(original).to_have_count(1)
    expect(original).to_contain_text(re.compile(r"corrigée", re.I))
    expect(original.get_by_role("link", name=re.compile(r"^\s*corriger", re.I))).to_have_count(0)
    screenshot(page, "resident-transmissions")


XSS_PAYLOADS = ('<script>alert("cible")</script>', '<img src=x onerror=alert("donnees")>',
                '"><svg onload=alert("actions")>', "javascript:alert('resultats')")


def test_markup_typed_in_a_transmission_is_shown_as_text_and_never_runs(
        relais_server: RelaisServer, page) -> None:  # type: ignore[no-untyped-def]
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page, relais_server, Role.INFIRMIER)
    open_resident(page, relais_server.residents["notes"])
    page.get_by_role("link", name=re.compile(r"nouvelle transmission", re.I)).click()
    for label, payload in zip((r"^\s*cible", r"^\s*données", r"^\s*actions", r"^\s*résultats"),
                              XSS_PAYLOADS, strict=True):
        _form_field(page, label).fill(payload)
    page.get_by_role("button", name=re.compile(r"^\s*enregistrer", re.I)).click()

    note = _note(page, XSS_PAYLOADS[1])
    expect(note).to_have_count(1)
    for payload in XSS_PAYLOADS:
        expect(note).to_contain_text(payload)
    assert note.locator("script, img, svg").count() == 0
    page.reload()
    expect(_note(page, XSS_PAYLOADS[0])).to_have_count(1)
    assert dialogs == [], f"a payload ran: {dialogs}"
