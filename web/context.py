"""What a view needs to know about the request it serves: the record, the settings, the clock, the
signed-in user and session, and the banner type other blueprints contribute."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from flask import current_app, g

import edge
from web.errors import SignInRequired

_LOGGER = logging.getLogger(__name__)
DB_KEY = "relais.db"
SETTINGS_KEY = "relais.settings"
BANNERS_KEY = "relais.banners"
AUDIT_KEY = "relais.audit"


@dataclass(frozen=True, slots=True)
class Banner:
    """A message shown at the top of every page (level: "info", "warning" or "danger")."""

    level: str
    text: str
    link: str | None = None


def current_banners() -> list[Banner]:
    """The banners of this request from every source the blueprints installed (a failing source
    is logged and skipped: a banner never takes a page down). Worked out once per request."""
    kept: list[Banner] | None = g.get("relais_banners")
    if kept is not None:
        return kept
    shown: list[Banner] = []
    for source in current_app.extensions[BANNERS_KEY]:
        try:
            shown.extend(source())
        except edge.EdgeError:
            _LOGGER.warning("a banner source failed", exc_info=True)
    g.relais_banners = shown
    return shown


def record() -> edge.Database:
    """The record this application serves."""
    return cast(edge.Database, current_app.extensions[DB_KEY])


def audit_writer() -> edge.AuditGroupWriter:
    """The record's audit group-commit writer (entries of concurrent requests share an fsync)."""
    return cast(edge.AuditGroupWriter, current_app.extensions[AUDIT_KEY])


def settings() -> edge.Settings:
    return cast(edge.Settings, current_app.extensions[SETTINGS_KEY])


def clock() -> datetime:
    """Now, from the record's clock (tests give the record a fixed clock)."""
    return record().clock()


def current_session() -> edge.WebSession | None:
    """The session of this request (any state), or ``None``."""
    return cast("edge.WebSession | None", g.get("relais_session"))


def current_user_or_none() -> edge.StaffUser | None:
    return cast("edge.StaffUser | None", g.get("relais_user"))


def current_user() -> edge.StaffUser:
    """The signed-in user; raises `SignInRequired` when there is none."""
    user = current_user_or_none()
    if user is None:
        raise SignInRequired("no signed-in user for this request")
    return user
