"""Whole rendered pages kept for the next identical request, keyed by everything they show.

A page is the view's own content plus the frame around it (`base.html`): who is signed in and in
which role, the session's anti-forgery token, the language, the banners, the path. The view names
what its content depends on (data versions, search, cursor); `frame_key()` adds the frame. A page
that shows something only once (a flashed message, a form kept across the lock) is never kept.

Nothing expires by time and nothing is invalidated by hand: a changed record, session, banner or
language makes a different key, and old pages fall out of the bounded map. The view still does its
per-request duties (checking the session, reading the record's version, auditing the read) before
it asks for the page.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import cast

from flask import Blueprint, Response, current_app, request
from flask import session as flash_cookie
from flask.blueprints import BlueprintSetupState

from web.context import current_banners, current_session, current_user
from web.forms import kept_form
from web.gate import current_gate
from web.i18n import select_language
from web.render_cache import RenderCache
from web.security.csrf import csrf_token

PAGES_KEY = "relais.pages"
PAGES_KEPT = 48
"""Whole pages kept (a page per tablet and search, each the size of the list: a few MB in all)."""


def frame_key() -> tuple[Hashable, ...] | None:
    """What the frame of this request's page shows, or ``None`` when the page must not be kept."""
    session = current_session()
    if session is None or kept_form() is not None or "_flashes" in flash_cookie:
        return None
    user = current_user()
    banners = tuple(current_banners())
    return (request.endpoint, request.full_path, request.script_root, select_language(),
            current_gate().value, session.id, csrf_token(), user.id, user.display_name,
            user.role.value, banners)


def kept_page(content_key: Hashable, render: Callable[[], str]) -> Response:
    """The page for ``content_key`` and this request's frame: kept, or rendered now and kept."""
    frame = frame_key()
    if frame is None:
        return Response(render(), mimetype="text/html")
    pages = cast("RenderCache[bytes]", current_app.extensions[PAGES_KEY])
    key = (content_key, frame)
    body = pages.get(key, lambda: render().encode("utf-8"))
    return Response(body, mimetype="text/html")


def install_page_cache(blueprint: Blueprint) -> None:
    """One page map per application (shared by its threads and by the blueprints that keep pages)."""
    def create(state: BlueprintSetupState) -> None:
        state.app.extensions.setdefault(PAGES_KEY, RenderCache[bytes](PAGES_KEPT))

    blueprint.record_once(create)
