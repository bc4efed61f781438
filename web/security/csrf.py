"""Anti-forgery: every unsafe request carries a token (form field ``csrf_token`` or header
``X-CSRF-Token``) that matches the session's; before sign-in, a random token in a pre-session cookie
(double submit). A request announcing a foreign Origin is refused outright."""

from __future__ import annotations

import hmac
import logging
import secrets
from urllib.parse import urlsplit

from flask import Flask, abort, g, request
from markupsafe import Markup, escape
from werkzeug.wrappers import Response

from web.context import current_session
from web.security.cookies import presession_cookie_name, set_presession_cookie

_LOGGER = logging.getLogger(__name__)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FIELD = "csrf_token"
HEADER = "X-CSRF-Token"


def csrf_token() -> str:
    """The token forms and fetch calls must send back."""
    session = current_session()
    if session is not None:
        kept: str | None = g.get("relais_csrf_token")
        if kept is None:  # an HMAC: once per request, not once per form of the page
            kept = g.relais_csrf_token = session.csrf_token()
        return kept
    token = request.cookies.get(presession_cookie_name(), "")
    if len(token) < 32:
        token = g.get("relais_new_presession") or secrets.token_urlsafe(32)
        g.relais_new_presession = token
    return token


def csrf_field() -> Markup:
    """The hidden input every POST form includes."""
    return Markup('<input type="hidden" name="%s" value="%s">') % (FIELD, escape(csrf_token()))


def _origin_is_foreign() -> bool:
    origin = request.headers.get("Origin")
    if not origin or origin == "null":
        return origin == "null"
    return urlsplit(origin).netloc != request.host


def _check() -> None:
    if request.method in SAFE_METHODS or request.endpoint == "static":
        return
    sent = request.headers.get(HEADER) or request.form.get(FIELD, "")
    session = current_session()
    if _origin_is_foreign():
        ok = False
    elif session is not None:
        ok = bool(sent) and session.csrf_matches(sent)
    else:
        cookie = request.cookies.get(presession_cookie_name(), "")
        ok = len(cookie) >= 32 and hmac.compare_digest(cookie, sent)
    if not ok:
        _LOGGER.info("refused %s %s: anti-forgery token missing or wrong", request.method,
                     request.endpoint)
        abort(400, description="csrf")


def _give_presession_cookie(response: Response) -> Response:
    token = g.get("relais_new_presession")
    if token and current_session() is None:
        set_presession_cookie(response, token)
    return response


def install_csrf(app: Flask) -> None:
    """Register the check (after the session is loaded) and the Jinja globals."""
    app.before_request(_check)
    app.after_request(_give_presession_cookie)
    app.jinja_env.globals.update(csrf_field=csrf_field, csrf_token=csrf_token)
