"""The Mon compte blueprint: change my password (current one required; my other sessions end), change
my PIN (current PIN or password required), and see my sign-in factors (read only).

Wrong current secrets count like sign-in failures: the password ones under the login (the 10th
locks sign-in and ends this session), the PIN ones under the session (the 3rd ends it), so an
unlocked tablet left alone cannot be used to guess them.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from werkzeug.wrappers import Response

import edge
from web.access import requires
from web.auth.password_views import MAX_PASSWORD_CHARS, new_password_errors
from web.auth.steps import lock_for
from web.auth.views import throttled_message
from web.context import clock, current_session, current_user, record
from web.security import clear_session_cookie

_LOGGER = logging.getLogger(__name__)
blueprint = Blueprint("account", __name__, template_folder="templates", url_prefix="/mon-compte")
MAX_PIN_PROOF_CHARS = 1024


def _shown(moment: str | None) -> str:
    if not moment:
        return "—"
    return str(format_datetime(datetime.fromisoformat(moment), "short"))


def _page(errors: dict[str, str], status: int) -> tuple[str, int]:
    user = current_user()
    db = record()
    return render_template(
        "account/index.html", me=user, errors=errors,
        factors=edge.factor_status(db, user.id), keys=edge.list_security_keys(db, user.id),
        shown=_shown), status


@blueprint.get("/")
@requires()
def index() -> tuple[str, int]:
    return _page({}, 200)


def _signed_out(message: str, reason: edge.EndReason) -> Response:
    """End this session (too many wrong secrets) and go back to the sign-in page."""
    session = current_session()
    if session is not None:
        edge.end_session(record(), session, clock(), reason)
    flash(message, "warning")
    response = redirect(url_for("auth.login"))
    clear_session_cookie(response)
    return response


@blueprint.post("/mot-de-passe")
@requires()
def change_password() -> Response | tuple[str, int]:
    db, now, user = record(), clock(), current_user()
    current = request.form.get("current_password", "")[:MAX_PASSWORD_CHARS]
    new = request.form.get("new_password", "")[:MAX_PASSWORD_CHARS]
    again = request.form.get("new_password_again", "")[:MAX_PASSWORD_CHARS]
    errors = new_password_errors(new, again)
    if not current:
        errors["current_password"] = _("Saisissez votre mot de passe actuel.")
    if errors:
        return _page(errors, 400)
    subject = edge.login_subject(db, user.login)
    decision = edge.check_throttle(db, subject, now, lock_for())
    if decision.verdict is edge.Verdict.LOCKED:
        return _signed_out(throttled_message(decision), edge.EndReason.ROTATED)
    if decision.verdict is edge.Verdict.WAIT:
        return _page({"current_password": throttled_message(decision)}, 429)
    session = current_session()
    try:
        edge.change_password(db, user.id, current, new,
                             keep_session_id=session.id if session is not None else None)
    except edge.CurrentSecretRejected:
        edge.record_failure(db, subject, now, lock_for())
        after = edge.check_throttle(db, subject, now, lock_for())
        if after.verdict is edge.Verdict.LOCKED:
            return _signed_out(throttled_message(after), edge.EndReason.ROTATED)
        return _page({"current_password": _("Le mot de passe actuel est incorrect.")}, 400)
    except edge.RecordRejected:  # long enough and confirmed: only "same as now" is left
        return _page({"new_password": _("Le nouveau mot de passe doit être différent de "
                                        "l'actuel.")}, 400)
    edge.clear_failures(db, subject)
    flash(_("Mot de passe changé. Vos autres sessions ouvertes sont fermées."), "success")
    return redirect(url_for("account.index"))


def _pin_errors(proof: str, new: str, again: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not proof:
        errors["proof"] = _("Saisissez votre code PIN actuel ou votre mot de passe.")
    try:
        edge.check_pin_rules(new)
    except edge.RecordRejected as exc:
        errors["new_pin"] = _(str(exc))
    if "new_pin" not in errors and new != again:
        errors["new_pin_again"] = _("Les deux codes ne sont pas identiques.")
    return errors


@blueprint.post("/code-pin")
@requires()
def change_pin() -> Response | tuple[str, int]:
    db, now, user = record(), clock(), current_user()
    proof = request.form.get("proof", "")[:MAX_PIN_PROOF_CHARS]
    new = request.form.get("new_pin", "")[:16]
    errors = _pin_errors(proof, new, request.form.get("new_pin_again", "")[:16])
    if errors:
        return _page(errors, 400)
    session = current_session()
    subject = edge.pin_subject(session.id if session is not None else user.id)
    try:
        edge.change_pin(db, user.id, proof, new)
    except edge.CurrentSecretRejected:
        failures = edge.record_failure(db, subject, now, timedelta(hours=24))
        if failures >= edge.PIN_MAX_FAILURES:
            edge.clear_failures(db, subject)
            return _signed_out(_("Trois essais manqués : reconnectez-vous avec votre mot de "
                                 "passe et votre second facteur."), edge.EndReason.PIN_FAILURES)
        return _page({"proof": _("Code PIN actuel ou mot de passe incorrect. Essais restants : "
                                 "%(left)d.", left=edge.PIN_MAX_FAILURES - failures)}, 400)
    edge.clear_failures(db, subject)
    flash(_("Code PIN changé."), "success")
    return redirect(url_for("account.index"))
