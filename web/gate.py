"""The session of each request: read from the cookie, checked against the record, and turned into the
one step the person must take next (sign in, second factor, enrol, replace a temporary password,
set a PIN, unlock, or go on)."""

from __future__ import annotations

import logging
from datetime import timedelta
from enum import StrEnum
from urllib.parse import urlsplit

from flask import Flask, g, request

import edge
from web.context import current_session, current_user_or_none, record, settings
from web.security.cookies import read_session_token

_LOGGER = logging.getLogger(__name__)
_NOT_KEPT = frozenset({"csrf_token"})
SECRET_FIELDS = frozenset({"password", "current_password", "new_password", "new_password_again",
                           "pin", "pin_again", "current_pin", "new_pin", "new_pin_again", "proof"})
"""Fields never kept across a lock (nor shown again): passwords and PINs are typed anew."""


class Gate(StrEnum):
    """The next step for this request's session."""

    SIGN_IN = "sign_in"
    SECOND_FACTOR = "second_factor"
    ENROL = "enrol"
    CHANGE_PASSWORD = "change_password"  # noqa: S105 - a step, not a password
    SET_PIN = "set_pin"
    LOCKED = "locked"
    OPEN = "open"

    @property
    def endpoint(self) -> str:
        return _ENDPOINTS[self]


_ENDPOINTS = {
    Gate.SIGN_IN: "auth.login", Gate.SECOND_FACTOR: "auth.second_factor",
    Gate.ENROL: "auth.enrol", Gate.CHANGE_PASSWORD: "auth.new_password",
    Gate.SET_PIN: "auth.set_pin", Gate.LOCKED: "auth.unlock",
    Gate.OPEN: "home.index",
}


def lock_after() -> timedelta:
    return timedelta(minutes=settings().web_lock_minutes)


def shift_length() -> timedelta:
    return timedelta(hours=settings().web_shift_hours)


def _load() -> None:
    g.relais_session = None
    g.relais_user = None
    g.relais_gate = Gate.SIGN_IN
    if request.endpoint == "static":
        return
    db = record()
    session = edge.find_session(db, read_session_token())
    if session is None:
        return
    now = db.clock()
    state = session.state(now, lock_after())
    if state is edge.SessionState.ENDED:
        return
    user = edge.get_user(db, session.user_id)
    if not user.active:
        edge.end_user_sessions(db, user.id, now, edge.EndReason.USER_DISABLED)
        return
    g.relais_session = session
    g.relais_user = user
    if state is edge.SessionState.NEEDS_SECOND_FACTOR:
        factors = edge.factor_status(db, user.id)
        g.relais_gate = Gate.SECOND_FACTOR if factors.has_second_factor else Gate.ENROL
    elif state is edge.SessionState.LOCKED:
        if session.locked_at is None:
            edge.lock_session(db, session, now)
        g.relais_gate = Gate.LOCKED
    elif edge.password_change_required(db, user.id):
        g.relais_gate = Gate.CHANGE_PASSWORD
    elif not edge.factor_status(db, user.id).pin:
        g.relais_gate = Gate.SET_PIN
    else:
        g.relais_gate = Gate.OPEN


def current_gate() -> Gate:
    return Gate(g.get("relais_gate", Gate.SIGN_IN))


def note_activity() -> None:
    """The person did something: push back the inactivity lock."""
    session = current_session()
    if session is not None:
        edge.touch_session(record(), session, record().clock())


def _same_site_path(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    if parts.netloc and parts.netloc != request.host:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def keep_posted_form() -> None:
    """Seal the form being posted into the locked session, to be shown again after the PIN."""
    session = current_session()
    if session is None:
        return
    fields = {name: request.form.getlist(name) for name in request.form
              if name not in _NOT_KEPT and name not in SECRET_FIELDS}
    page = request.form.get("_kept_page") or _same_site_path(request.referrer) or request.path
    kept = {"action": request.path, "page": page, "fields": fields}
    edge.lock_session(record(), session, record().clock(), kept)
    _LOGGER.info("session %s locked with a form kept (%d fields)", session.id[:8], len(fields))


def install_gate(app: Flask) -> None:
    app.before_request(_load)
    app.jinja_env.globals.update(current_user=current_user_or_none, gate=current_gate,
                                 lock_seconds=lambda: int(lock_after().total_seconds()))
