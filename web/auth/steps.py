"""Helpers shared by the sign-in views: which step a view serves, safe return addresses, and the
final hop once a session is fully open."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import redirect, request, url_for
from werkzeug.wrappers import Response

import edge
from web.access import PUBLIC_ATTR
from web.context import record, settings
from web.gate import Gate, current_gate

View = TypeVar("View", bound=Callable[..., Any])


def step(*gates: Gate) -> Callable[[View], View]:
    """A sign-in step view: open without a full session, but only at one of ``gates``;
    anyone elsewhere is sent to where they stand."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            gate = current_gate()
            if gate not in gates:
                return redirect(url_for(gate.endpoint, next=safe_next()))
            return view(*args, **kwargs)

        setattr(guarded, PUBLIC_ATTR, True)
        return cast(View, guarded)

    return decorate


def lock_for() -> timedelta:
    """How long a login stays locked after the 10th failure."""
    return timedelta(minutes=settings().web_login_lock_minutes)


def is_local_path(target: str) -> bool:
    """Whether ``target`` is a path on this appliance: it starts with one ``/``, names no scheme or
    host, and holds no backslash or control character (browsers read ``/\\host`` as ``//host``)."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(default: str = "") -> str:
    """The ``next`` address if it is a path on this appliance (never another site)."""
    target = request.values.get("next", "") or default
    return target if is_local_path(target) else ""


def after_sign_in(session_token: str) -> str:
    """Where to go once a session is open: back to a kept form's page, else ``next``, else home."""
    session = edge.find_session(record(), session_token)
    if session is not None and session.has_pending_form:
        kept = edge.peek_pending_form(record(), session)
        page = str(kept.get("page", "")) if kept else ""
        if is_local_path(page):
            return page
    return safe_next() or url_for("home.index")


def go(target: str) -> Response:
    return redirect(target)
