"""Auditing what a page or API response showed, and the display helpers (local times, names) the
clinical pages share. Every response that shows resident data writes an audit entry: who, which
page, which residents."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, request

import edge
from web.context import audit_writer, current_user, record

LOCAL_ZONE = ZoneInfo("Europe/Paris")


def submit_shown(resident_ids: Iterable[str], what: str | None = None) -> edge.PendingAudit:
    """Queue the one READ entry of this response (the endpoint and the residents it shows).

    The caller must `wait()` on the result before answering: only then is the entry on disk.
    Submitting before rendering lets the commit overlap the rendering.
    """
    ids = sorted(set(resident_ids))
    return audit_writer().submit(edge.AuditRequest(
        current_user().id, edge.AuditAction.READ, what or f"page:{request.endpoint}", None,
        resident_id=ids[0] if len(ids) == 1 else None,
        details={"residents": ids, "count": len(ids)}))


def audit_shown(resident_ids: Iterable[str], what: str | None = None) -> None:
    """Write the one READ entry of this response (durable when this returns)."""
    submit_shown(resident_ids, what).wait()


def local(moment: str | datetime | None) -> datetime | None:
    """A stored UTC timestamp in the home's time zone."""
    if moment is None or moment == "":
        return None
    parsed = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(LOCAL_ZONE)


def local_time(moment: str | datetime | None, pattern: str = "%d/%m %H:%M") -> str:
    shown = local(moment)
    return shown.strftime(pattern) if shown is not None else "—"


def user_names() -> dict[str, str]:
    """Staff display names by id, for authors and acknowledgements."""
    return {user.id: user.display_name for user in edge.list_users(record())}


def live_endpoints() -> frozenset[str]:
    """The endpoints installed, so templates link only to pages that exist."""
    return frozenset(current_app.view_functions)


def install_filters(blueprint: Blueprint) -> None:
    blueprint.add_app_template_filter(local_time, "local_time")
    blueprint.add_app_template_filter(local, "local")
    blueprint.add_app_template_global(live_endpoints, "live_endpoints")
