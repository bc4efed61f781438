"""The navigation bar: the main pages, each shown only when its blueprint is installed and the
person's role opens it (read from the view's `requires`, so the bar never offers a 403)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext

from edge import Role
from web.access import ROLE_PERMISSIONS, view_permissions
from web.context import current_user_or_none
from web.i18n import select_language


@dataclass(frozen=True, slots=True)
class NavItem:
    """One link of the bar: the view it opens and its label in the person's language."""

    endpoint: str
    label: str


def _candidates() -> tuple[tuple[str, object], ...]:
    return (
        ("residents.index", lazy_gettext("Résidents")),
        ("alerts.index", lazy_gettext("Alertes")),
        ("devices_admin.index", lazy_gettext("Appareils")),
        ("deliveries.index", lazy_gettext("Envois")),
        ("admin.users", lazy_gettext("Administration")),
    )


def nav_items() -> list[NavItem]:
    """The pages the signed-in person may open, in the bar's order.

    Kept per role and language once worked out: the installed views and their permissions do not
    change while the application runs.
    """
    user = current_user_or_none()
    if user is None:
        return []
    kept: dict[tuple[str, str], list[NavItem]] = current_app.extensions.setdefault(
        "relais.nav.kept", {})
    key = (user.role.value, select_language())
    items = kept.get(key)
    if items is None:
        items = kept[key] = _items_for(user.role)
    return items


def _items_for(role: Role) -> list[NavItem]:
    extra = current_app.extensions.get("relais.nav", [])
    items: list[NavItem] = []
    for endpoint, label in (*_candidates(), *extra):
        view = current_app.view_functions.get(endpoint)
        wanted = view_permissions(view) if view is not None else None
        if wanted is not None and wanted <= ROLE_PERMISSIONS[role]:
            items.append(NavItem(endpoint, str(label)))
    return items
