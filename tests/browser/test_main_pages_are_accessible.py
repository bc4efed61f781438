"""Accessibility and evidence: axe-core finds no serious or critical violation on the main pages, and
each is saved as a 1280×800 screenshot (test-artifacts/screenshots/<page>.png)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest

from edge import Role
from tests.browser.browser_support import (
    PASSWORD,
    PIN,
    VIEWPORT,
    Page,
    RelaisServer,
    axe_check,
    expect,
    go_to_nav,
    open_resident,
    screenshot,
    sign_in,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def pages(relais_server: RelaisServer, browser) -> Iterator[dict[Role | None, Page]]:  # type: ignore[no-untyped-def]
    """One signed-in page per role the main pages need, plus a signed-out one, for the module."""
    contexts = [browser.new_context(viewport=VIEWPORT, locale="fr-FR") for _ in range(3)]
    opened: dict[Role | None, Page] = {}
    try:
        for context, role in zip(contexts, (None, Role.INFIRMIER, Role.ADMINISTRATEUR), strict=True):
            context.set_default_timeout(10_000)
            page = context.new_page()
            if role is not None:
                sign_in(page, relais_server, role)
            opened[role] = page
        yield opened
    finally:
        for context in contexts:
            context.close()


def _nav_offered(page: Page, name: str) -> None:
    """Open a page the role's bar must offer: a missing link fails the test."""
    nav = page.get_by_role("navigation", name=re.compile(r"navigation principale", re.I))
    link = nav.get_by_role("link", name=re.compile(rf"^\s*{name}\b", re.I))
    expect(link, f"the navigation bar offers no {name} link to this role").to_have_count(1)
    go_to_nav(page, name)


def _login(server: RelaisServer, pages: dict[Role | None, Page]) -> Page:
    page = pages[None]
    page.goto(server.url("/connexion"))
    return page


def _second_factor(server: RelaisServer, pages: dict[Role | None, Page]) -> Page:
    page = pages[None]
    staff = server.account(Role.MEDECIN)
    page.goto(server.url("/connexion"))
    page.get_by_label(re.compile("identifiant", re.I)).fill(staff.login)
    page.get_by_label(re.compile("mot de passe", re.I)).fill(PASSWORD)
    page.get_by_role("button", name=re.compile("continuer|se connecter|connexion|suivant", re.I)).click()
    expect(page.get_by_label(re.compile("code", re.I)).first).to_be_visible()
    return page


def _residents(server: RelaisServer, pages: dict[Role | None, Page]) -> Page:
    page = pages[Role.INFIRMIER]
    go_to_nav(page, "Résidents")
    return page


def _resident(server: RelaisServer, pages: dict[Role | None, Page]) -> Page:
    page = pages[Role.INFIRMIER]
    open_resident(page, server.residents["pages"])
    return page


def _alerts(server: RelaisServer, pages: dict[Role | None, Page]) -> Page:
    page = pages[Role.INFIRMIER]
    go_to_nav(page, "Alertes")
    return page


def _deliveries(server: RelaisServer, pages: dict[Role | None, Page]) -> Page:
    page = pages[Role.INFIRMIER]
    _nav_offered(page, "Envois")
    return page


def _administration(server: RelaisServer, pages: dict[Role | None, Page]) -> Page:
    page = pages[Role.ADMINISTRATEUR]
    go_to_nav(page, "Administration")
    return page


def _devices(server: RelaisServer, pages: dict[Role | None, Page]) -> Page:
    page = pages[Role.ADMINISTRATEUR]
    _nav_offered(page, "Appareils")
    return page


def _vitals_form(server: RelaisServer, pages: dict[Role | None, Page]) -> Page:
    page = pages[Role.INFIRMIER]
    open_resident(page, server.residents["pages"])
    page.get_by_role("link", name=re.compile(r"saisir des constantes", re.I)).click()
    return page


def _note_form(server: RelaisServer, pages: dict[Role | None, Page]) -> Page:
    page = pages[Role.INFIRMIER]
    open_resident(page, server.residents["pages"])
    page.get_by_role("link", name=re.compile(r"nouvelle transmission", re.I)).click()
    return page


def _admin_tab(name: str) -> Callable[[RelaisServer, dict[Role | None, Page]], Page]:
    def open_tab(server: RelaisServer, pages: dict[Role | None, Page]) -> Page:
        page = pages[Role.ADMINISTRATEUR]
        go_to_nav(page, "Administration")
        page.get_by_role("navigation", name="Administration").get_by_role(
            "link", name=re.compile(name, re.I)).click()
        return page

    return open_tab


def _forbidden(server: RelaisServer, pages: dict[Role | None, Page]) -> Page:
    page = pages[Role.ADMINISTRATEUR]
    go_to_nav(page, "Administration")
    page.goto(server.url("/residents/"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(re.compile(r"accès refusé", re.I))
    return page


def _unlock(server: RelaisServer, pages: dict[Role | None, Page]) -> Page:
    page = pages[Role.ADMINISTRATEUR]
    page.get_by_role("button", name=re.compile(r"^\s*verrouiller", re.I)).click()
    expect(page.get_by_label(re.compile(r"code PIN", re.I))).to_be_visible()
    return page


def _not_found(server: RelaisServer, pages: dict[Role | None, Page]) -> Page:
    page = pages[Role.INFIRMIER]
    response = page.goto(server.url("/cette-page-n-existe-pas"))
    assert response is not None and response.status == 404
    return page


MAIN_PAGES: dict[str, Callable[[RelaisServer, dict[Role | None, Page]], Page]] = {
    "connexion": _login,
    "second-facteur": _second_factor,
    "residents": _residents,
    "resident": _resident,
    "alertes": _alerts,
    "envois": _deliveries,
    "administration": _administration,
    "appareils": _devices,
    "saisie-constantes": _vitals_form,
    "nouvelle-transmission": _note_form,
    "administration-reglages": _admin_tab(r"réglages"),
    "administration-journal": _admin_tab(r"journal"),
    "acces-refuse": _forbidden,
    "page-introuvable": _not_found,
    "deverrouillage": _unlock,
}


@pytest.mark.parametrize("name", list(MAIN_PAGES))
def test_the_page_has_no_serious_or_critical_accessibility_violation(
        name: str, relais_server: RelaisServer, pages: dict[Role | None, Page]) -> None:
    page = MAIN_PAGES[name](relais_server, pages)
    page.wait_for_load_state("load")
    try:
        screenshot(page, name)
        axe_check(page, name)
    finally:
        if name == "deverrouillage":  # leave the shared page usable for any test after this one
            page.get_by_label(re.compile(r"code PIN", re.I)).fill(PIN)
            page.get_by_role("button", name=re.compile(r"déverrouiller", re.I)).click()
