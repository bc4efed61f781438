"""Form helpers for templates: the form kept across a PIN unlock, shown again where it was typed.

When a session locks while a form is being posted (or the lock comes while typing), the fields are
sealed in the session; after the PIN the person is sent back to the page of that form, and
`kept_value(name, default)` gives each field its typed value (the `field` macro uses it).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g, request

import edge
from web.context import current_session, record
from web.gate import Gate, current_gate


def _pick_up_kept_form() -> None:
    g.relais_kept_form = None
    session = current_session()
    if (session is None or not session.has_pending_form or current_gate() is not Gate.OPEN
            or request.method != "GET" or request.endpoint == "static"):
        return
    db = record()
    kept = edge.peek_pending_form(db, session)
    if kept is None:
        return
    page = str(kept.get("page", ""))
    here = request.full_path.rstrip("?")
    if page.split("?", maxsplit=1)[0] == request.path or page == here:
        g.relais_kept_form = edge.take_pending_form(db, session)


def kept_form() -> dict[str, Any] | None:
    return g.get("relais_kept_form")


def kept_value(name: str, default: Any = "") -> Any:
    """The value typed in field ``name`` before the lock, else ``default``."""
    kept = kept_form()
    if kept is None:
        return default
    values = kept.get("fields", {}).get(name)
    return values[0] if values else default


def kept_values(name: str) -> list[str]:
    kept = kept_form()
    return list(kept.get("fields", {}).get(name, [])) if kept is not None else []


def install_forms(app: Flask) -> None:
    app.before_request(_pick_up_kept_form)
    app.jinja_env.globals.update(kept_form=kept_form, kept_value=kept_value,
                                 kept_values=kept_values)
