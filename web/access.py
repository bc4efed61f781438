"""Who may do what: the permissions, the role matrix, and the `requires` decorator every view carries.

The gate runs in this order: no usable session → sign-in page (401 JSON under ``/api/``); second
factor, enrolment or PIN still to give → that step; session locked after inactivity → PIN page, with
a form being posted kept sealed in the session; role without the permission → 403 page (audited).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from enum import StrEnum
from typing import Any, TypeVar, cast

from flask import Response, abort, jsonify, redirect, request, url_for
from werkzeug.wrappers import Response as BaseResponse

import edge
from edge import Role
from web.context import current_user_or_none
from web.gate import Gate, current_gate, keep_posted_form, note_activity

_LOGGER = logging.getLogger(__name__)
PERMISSIONS_ATTR = "relais_permissions"
PUBLIC_ATTR = "relais_public"
KEEPS_AWAKE_ATTR = "relais_keeps_awake"
LIVE_HEADER = "X-Relais-Live"
"""Sent by the live-update script when it fetches a page again: not the person's activity."""
View = TypeVar("View", bound=Callable[..., Any])


class Permission(StrEnum):
    """One thing a view lets a person do. Owners add the members their views need."""

    RESIDENTS_VIEW = "residents.view"
    VITALS_ENTER = "vitals.enter"
    VITALS_AMEND_OWN = "vitals.amend.own"
    VITALS_AMEND = "vitals.amend"
    NOTES_WRITE = "notes.write"
    NOTES_AMEND = "notes.amend"
    ALERTS_VIEW = "alerts.view"
    ALERTS_ACKNOWLEDGE = "alerts.acknowledge"
    IDENTITY_VALIDATE = "identity.validate"
    DOCUMENTS_VIEW = "documents.view"
    TRANSFER_SEND = "transfer.send"
    DOCUMENTS_ADD = "documents.add"
    NEWS2_SCALE2_SET = "news2.scale2.set"
    NEWS2_BASELINE_SET = "news2.baseline.set"
    READINGS_ASSIGN = "readings.assign"
    DEVICES_MANAGE = "devices.manage"
    DELIVERIES_VIEW = "deliveries.view"
    DELIVERIES_MANAGE = "deliveries.manage"
    USERS_MANAGE = "users.manage"
    SETTINGS_VIEW = "settings.view"
    AUDIT_VIEW = "audit.view"


_P = Permission
_CARE = frozenset({_P.RESIDENTS_VIEW, _P.VITALS_ENTER, _P.VITALS_AMEND_OWN, _P.NOTES_WRITE,
                   _P.NOTES_AMEND, _P.ALERTS_VIEW, _P.ALERTS_ACKNOWLEDGE, _P.READINGS_ASSIGN})
_NURSING = _CARE | {_P.VITALS_AMEND, _P.IDENTITY_VALIDATE, _P.DOCUMENTS_VIEW, _P.TRANSFER_SEND,
                    _P.DOCUMENTS_ADD, _P.READINGS_ASSIGN, _P.DELIVERIES_VIEW}
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.AIDE_SOIGNANT: _CARE,
    Role.INFIRMIER: frozenset(_NURSING),
    Role.MEDECIN: frozenset(_NURSING | {_P.NEWS2_SCALE2_SET, _P.NEWS2_BASELINE_SET}),
    # Least privilege: the administrator runs the appliance and sees no clinical data.
    Role.ADMINISTRATEUR: frozenset({_P.USERS_MANAGE, _P.SETTINGS_VIEW, _P.AUDIT_VIEW,
                                    _P.DEVICES_MANAGE, _P.DELIVERIES_VIEW,
                                    _P.DELIVERIES_MANAGE}),
}


PERMISSION_TEXT: dict[Permission, str] = {
    _P.RESIDENTS_VIEW: "See residents, their vital signs, NEWS2 and transmissions",
    _P.VITALS_ENTER: "Enter a set of vital signs (typed or from a device)",
    _P.VITALS_AMEND_OWN: "Correct a vital sign one entered oneself (with a reason)",
    _P.VITALS_AMEND: "Correct any stored vital sign, whoever entered it (with a reason)",
    _P.NOTES_WRITE: "Write a transmission ciblée (D/A/R)",
    _P.NOTES_AMEND: "Amend a transmission (with a reason)",
    _P.ALERTS_VIEW: "See open alerts",
    _P.ALERTS_ACKNOWLEDGE: "Acknowledge an alert with the action taken",
    _P.IDENTITY_VALIDATE: "Validate identity (ID document check, INSi result)",
    _P.DOCUMENTS_VIEW: "Open a resident's documents (DLU, CDA, PDF)",
    _P.TRANSFER_SEND: "Transfer to hospital (queue the DLU for the national services)",
    _P.DOCUMENTS_ADD: "Add a document to a resident's record",
    _P.NEWS2_SCALE2_SET: "Set SpO2 Scale 2 (target 88–92 %)",
    _P.NEWS2_BASELINE_SET: "Set the resident's baseline NEWS2",
    _P.READINGS_ASSIGN: "Assign or reject unassigned device readings",
    _P.DEVICES_MANAGE: "Register, pair and retire devices",
    _P.DELIVERIES_VIEW: "See what is waiting to be sent and why",
    _P.DELIVERIES_MANAGE: "Retry or unblock a delivery",
    _P.USERS_MANAGE: "Create accounts, reset sign-in factors, disable accounts",
    _P.SETTINGS_VIEW: "Read the effective settings",
    _P.AUDIT_VIEW: "Read the audit log and verify its chain",
}


def permission_matrix_markdown() -> str:
    """The README table of `ROLE_PERMISSIONS` (a test checks the README carries it verbatim)."""
    roles = list(Role)
    lines = ["| Permission | " + " | ".join(role.label_fr for role in roles) + " |",
             "|---|" + "---|" * len(roles)]
    for permission in Permission:
        marks = " | ".join("✓" if permission in ROLE_PERMISSIONS[role] else "—"
                           for role in roles)
        text = PERMISSION_TEXT.get(permission, permission.value)
        lines.append(f"| {text} (`{permission.value}`) | {marks} |")
    return "\n".join(lines)


def may(role: Role, *permissions: Permission) -> bool:
    """True when ``role`` holds every one of ``permissions``."""
    return set(permissions) <= ROLE_PERMISSIONS[role]


def user_may(*permissions: Permission) -> bool:
    """For templates: the signed-in user holds every one of ``permissions``."""
    user = current_user_or_none()
    return user is not None and may(user.role, *permissions)


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _refuse(gate: Gate) -> BaseResponse:
    if _wants_json():
        return cast(Response, (jsonify(error=gate.value), 401))
    target = request.full_path.rstrip("?") if request.method == "GET" else request.path
    if gate is Gate.SIGN_IN:
        return redirect(url_for("auth.login", next=target))
    if gate is Gate.LOCKED:
        if request.method not in ("GET", "HEAD"):
            keep_posted_form()
            target = request.path
        return redirect(url_for("auth.unlock", next=target))
    return redirect(url_for(gate.endpoint))


def check_access(permissions: frozenset[Permission], keeps_awake: bool) -> BaseResponse | None:
    """``None`` when the request may go on; otherwise the response that stops it."""
    gate = current_gate()
    if gate is not Gate.OPEN:
        return _refuse(gate)
    user = current_user_or_none()
    if user is None:  # pragma: no cover - OPEN implies a user
        return _refuse(Gate.SIGN_IN)
    if not may(user.role, *permissions):
        from web.context import record  # noqa: PLC0415 - avoid a cycle at import
        edge.append_audit(record(), user.id, edge.AuditAction.READ, "route",
                          request.endpoint, outcome=edge.AuditOutcome.DENIED,
                          details={"method": request.method})
        _LOGGER.info("user %s refused %s (role %s)", user.id, request.endpoint, user.role.value)
        if _wants_json():
            return cast(Response, (jsonify(error="forbidden"), 403))
        abort(403)
    if keeps_awake and request.headers.get(LIVE_HEADER) != "1":
        note_activity()
    return None


def requires(*permissions: Permission, keeps_awake: bool = True) -> Callable[[View], View]:
    """Guard a view: a signed-in, unlocked session whose role holds every permission.

    ``requires()`` with no permission admits any signed-in user. ``keeps_awake=False`` is for
    background polling (live updates) so that it does not hold off the inactivity lock; nor does
    a page fetched again by the live-update script (header ``X-Relais-Live: 1``).
    """
    wanted = frozenset(permissions)

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            stop = check_access(wanted, keeps_awake)
            return stop if stop is not None else view(*args, **kwargs)

        setattr(guarded, PERMISSIONS_ATTR, wanted)
        setattr(guarded, KEEPS_AWAKE_ATTR, keeps_awake)
        return cast(View, guarded)

    return decorate


def public(view: View) -> View:
    """Mark a view open without a session (sign-in steps, health); the route test knows them."""
    setattr(view, PUBLIC_ATTR, True)
    return view


def view_permissions(view: Callable[..., Any]) -> frozenset[Permission] | None:
    """The permissions a view requires, ``None`` if it carries no `requires` (or is public)."""
    return cast("frozenset[Permission] | None", getattr(view, PERMISSIONS_ATTR, None))
