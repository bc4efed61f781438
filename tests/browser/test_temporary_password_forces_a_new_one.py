"""A forgotten password: an administrator sets a temporary one from the Administration page (with a
confirmation); the person signs in with it and their second factor, and must choose their own
password before any other page opens."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from edge import Role
from tests.browser.browser_support import (
    RelaisServer,
    _add_account,
    axe_check,
    expect,
    go_to_nav,
    screenshot,
    sign_in,
)

pytestmark = pytest.mark.browser
TEMPORARY = "provisoire remis en main propre"  # noqa: S105 - a throw-away test record
CHOSEN = "ma propre phrase de passe du matin"  # noqa: S105 - a throw-away test record


def _label(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def test_an_administrator_sets_a_temporary_password_and_the_person_must_choose_a_new_one(
        relais_server: RelaisServer, new_context) -> None:  # type: ignore[no-untyped-def]
    db = relais_server.open_record()
    try:  # an account of its own, so that no other test signs in with a changed password
        forgetful = _add_account(db, Role.AIDE_SOIGNANT, 90, datetime.now(UTC))
    finally:
        db.close()

    admin = new_context().new_page()
    sign_in(admin, relais_server, Role.ADMINISTRATEUR)
    go_to_nav(admin, "Administration")
    row = admin.get_by_role("row").filter(has_text=forgetful.login)
    row.get_by_role("link", name=_label(r"mot de passe provisoire")).click()
    expect(admin.get_by_role("heading", name=_label(r"définir un mot de passe provisoire"))
           ).to_be_visible()
    admin.get_by_label(_label(r"^\s*mot de passe provisoire")).fill(TEMPORARY)
    admin.get_by_label(_label(r"même mot de passe")).fill(TEMPORARY)
    admin.once("dialog", lambda dialog: dialog.accept())
    admin.get_by_role("button", name=_label(r"définir le mot de passe provisoire")).click()
    expect(admin.get_by_text(_label(r"mot de passe provisoire défini"))).to_be_visible()
    expect(admin.get_by_role("row").filter(has_text=forgetful.login)).to_contain_text(
        _label(r"provisoire à changer"))

    page = new_context().new_page()
    page.goto(relais_server.url("/"))
    page.get_by_label(_label(r"identifiant")).fill(forgetful.login)
    page.get_by_label(_label(r"mot de passe")).fill(TEMPORARY)
    page.get_by_role("button", name=_label(r"continuer|se connecter|connexion|suivant")).click()
    page.get_by_label(_label(r"code")).first.fill(forgetful.next_code())
    page.get_by_role("button", name=_label(r"valider|vérifier|se connecter|continuer")).click()
    forced = page.get_by_role("heading", name=_label(r"choisissez un nouveau mot de passe"))
    expect(forced).to_be_visible()
    nav = page.get_by_role("navigation", name=_label(r"navigation principale"))
    expect(nav).to_have_count(0)
    page.goto(relais_server.url("/residents/"))  # nothing else opens before the new password
    expect(forced).to_be_visible()
    axe_check(page, "nouveau mot de passe")

    page.get_by_label(_label(r"^\s*nouveau mot de passe")).fill(CHOSEN)
    page.get_by_label(_label(r"même mot de passe")).fill(CHOSEN + " !")
    page.get_by_role("button", name=_label(r"enregistrer mon mot de passe")).click()
    expect(page.get_by_text(_label(r"ne sont pas identiques"))).to_be_visible()
    expect(page.get_by_label(_label(r"^\s*nouveau mot de passe"))).to_have_value("")
    screenshot(page, "nouveau-mot-de-passe")

    page.get_by_label(_label(r"^\s*nouveau mot de passe")).fill(CHOSEN)
    page.get_by_label(_label(r"même mot de passe")).fill(CHOSEN)
    page.get_by_role("button", name=_label(r"enregistrer mon mot de passe")).click()
    expect(page.get_by_text(_label(r"remplace le mot de passe provisoire"))).to_be_visible()
    expect(nav.get_by_role("link", name=_label(r"résidents"))).to_be_visible()
    page.get_by_role("link", name=_label(r"^\s*mon compte")).click()
    expect(page.get_by_role("heading", name=_label(r"changer mon mot de passe"))).to_be_visible()
    screenshot(page, "mon-compte")
