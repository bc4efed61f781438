"""Sign-in by password, sign-out, language, lock and PIN unlock (the second-factor steps are in
`web.auth.factor_views`, registered on the same blueprint)."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

import edge
from web.access import public, requires
from web.auth import factor_views, password_views
from web.auth.bp import blueprint
from web.auth.steps import after_sign_in, go, lock_for, safe_next, step
from web.context import clock, current_session, record, settings
from web.gate import Gate, current_gate, keep_posted_form
from web.i18n import LANGUAGE_COOKIE, LANGUAGES
from web.security import clear_session_cookie, read_session_token, set_session_cookie

__all__ = ["blueprint", "factor_views", "password_views"]
_LOGGER = logging.getLogger(__name__)


def throttled_message(decision: edge.ThrottleDecision) -> str:
    if decision.verdict is edge.Verdict.LOCKED:
        return _("Trop d'essais manqués : la connexion est bloquée pour cet identifiant pendant "
                 "%(minutes)d minutes, ou jusqu'à ce qu'un administrateur la débloque.",
                 minutes=max(1, decision.wait_seconds // 60))
    return _("Trop d'essais manqués : attendez %(seconds)d secondes avant de réessayer.",
             seconds=decision.wait_seconds)


def _step_session() -> edge.WebSession:
    """The session a sign-in step serves; its gate guarantees one, so a request without it is
    refused as malformed (400) rather than served."""
    session = current_session()
    if session is None:
        abort(400)
    return session


def _login_page(login: str, error: str | None, status: int) -> tuple[str, int]:
    return render_template("auth/login.html", login=login, error=error,
                           next=safe_next()), status


@blueprint.route("/connexion", methods=["GET", "POST"])
@public
def login() -> Response | tuple[str, int]:
    if current_gate() is Gate.OPEN:
        return go(safe_next() or url_for("home.index"))
    if request.method != "POST":
        return _login_page("", None, 200)
    db, now = record(), clock()
    login_text = request.form.get("login", "")[:128]
    password = request.form.get("password", "")[:1024]
    subject = edge.login_subject(db, login_text)
    decision = edge.check_throttle(db, subject, now, lock_for())
    if decision.verdict is not edge.Verdict.ALLOWED:
        edge.append_audit(db, None, edge.AuditAction.LOGIN, "login", None,
                          outcome=edge.AuditOutcome.DENIED, details={"reason": "throttled"})
        return _login_page(login_text, throttled_message(decision), 429)
    user = edge.verify_password(db, login_text, password) if password else None
    if user is None:
        edge.record_failure(db, subject, now, lock_for())
        edge.append_audit(db, None, edge.AuditAction.LOGIN, "login", None,
                          outcome=edge.AuditOutcome.DENIED, details={"reason": "password"})
        return _login_page(login_text, _("Identifiant ou mot de passe incorrect."), 401)
    previous = current_session()
    if previous is not None:
        edge.end_session(db, previous, now, edge.EndReason.ROTATED)
    token = edge.open_session(db, user.id, now)
    response = go(url_for("auth.second_factor", next=safe_next() or None))
    set_session_cookie(response, token)
    return response


@blueprint.post("/deconnexion")
@public
def logout() -> Response:
    session = current_session()
    if session is not None:
        edge.end_session(record(), session, clock(), edge.EndReason.SIGNED_OUT)
    response = go(url_for("auth.login"))
    clear_session_cookie(response)
    return response


@blueprint.post("/langue")
@public
def language() -> Response:
    chosen = request.form.get("language", "")
    response = go(safe_next() or url_for("home.index"))
    if chosen in LANGUAGES:
        response.set_cookie(LANGUAGE_COOKIE, chosen, max_age=365 * 86400, path="/",
                            secure=bool(settings().web_secure_cookies), httponly=True,
                            samesite="Strict")
    return response


@blueprint.post("/verrou")
@requires(keeps_awake=False)
def lock() -> Response:
    """Lock now (button, or the page's inactivity timer posting the form being typed)."""
    if request.form.get("_kept_page") and len(request.form) > 2:
        keep_posted_form()
    else:
        session = current_session()
        if session is not None:
            edge.lock_session(record(), session, clock())
    return go(url_for("auth.unlock", next=request.form.get("_kept_page") or None))


@blueprint.route("/deverrouiller", methods=["GET", "POST"])
@step(Gate.LOCKED)
def unlock() -> Response | tuple[str, int]:
    session = _step_session()
    if request.method != "POST":
        return render_template("auth/unlock.html", error=None, next=safe_next()), 200
    db, now = record(), clock()
    subject = edge.pin_subject(session.id)
    if edge.verify_pin(db, session.user_id, request.form.get("pin", "")[:16]):
        edge.clear_failures(db, subject)
        token = edge.unlock_session(db, session, now)
        response = go(after_sign_in(token))
        set_session_cookie(response, token)
        return response
    failures = edge.record_failure(db, subject, now, timedelta(hours=24))
    if failures >= edge.PIN_MAX_FAILURES:
        edge.end_session(db, session, now, edge.EndReason.PIN_FAILURES)
        edge.clear_failures(db, subject)
        flash(_("Code PIN faux trois fois : reconnectez-vous avec votre mot de passe et votre "
                "second facteur. Votre saisie en cours est conservée."), "warning")
        response = go(url_for("auth.login"))
        clear_session_cookie(response)
        return response
    left = edge.PIN_MAX_FAILURES - failures
    return render_template("auth/unlock.html", next=safe_next(),
                           error=_("Code PIN incorrect. Essais restants : %(left)d.",
                                   left=left)), 401


@blueprint.route("/code-pin", methods=["GET", "POST"])
@step(Gate.SET_PIN)
def set_pin() -> Response | tuple[str, int]:
    session = _step_session()
    if request.method != "POST":
        return render_template("auth/set_pin.html", error=None, next=safe_next()), 200
    pin = request.form.get("pin", "")[:16]
    if pin != request.form.get("pin_again", "")[:16]:
        return render_template("auth/set_pin.html", next=safe_next(),
                               error=_("Les deux codes ne sont pas identiques.")), 400
    try:
        edge.set_pin(record(), session.user_id, pin)
    except edge.RecordRejected as exc:
        return render_template("auth/set_pin.html", next=safe_next(), error=_(str(exc))), 400
    return go(after_sign_in(read_session_token()))

