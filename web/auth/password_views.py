"""The forced sign-in step after a temporary password: the person chooses their own password before
any other page opens (registered on the `auth` blueprint; the gate sends them here)."""

from __future__ import annotations

import logging

from flask import abort, flash, render_template, request
from flask_babel import gettext as _
from werkzeug.wrappers import Response

import edge
from web.auth.bp import blueprint
from web.auth.steps import after_sign_in, go, safe_next, step
from web.context import current_session, record
from web.gate import Gate
from web.security import read_session_token

_LOGGER = logging.getLogger(__name__)
MAX_PASSWORD_CHARS = 1024


def new_password_errors(new: str, again: str) -> dict[str, str]:
    """The rules a new password must meet, each error keyed by the field it concerns."""
    errors: dict[str, str] = {}
    if len(new) < edge.MIN_PASSWORD_CHARS:
        errors["new_password"] = _("Le mot de passe doit compter au moins %(n)d caractères (une "
                                   "phrase de plusieurs mots convient).",
                                   n=edge.MIN_PASSWORD_CHARS)
    elif new != again:
        errors["new_password_again"] = _("Les deux mots de passe ne sont pas identiques.")
    return errors


def _page(errors: dict[str, str], status: int) -> tuple[str, int]:
    return render_template("auth/new_password.html", errors=errors, next=safe_next()), status


@blueprint.route("/connexion/nouveau-mot-de-passe", methods=["GET", "POST"])
@step(Gate.CHANGE_PASSWORD)
def new_password() -> Response | tuple[str, int]:
    session = current_session()
    if session is None:  # pragma: no cover - the step decorator guarantees it
        abort(400)
    if request.method != "POST":
        return _page({}, 200)
    new = request.form.get("new_password", "")[:MAX_PASSWORD_CHARS]
    again = request.form.get("new_password_again", "")[:MAX_PASSWORD_CHARS]
    errors = new_password_errors(new, again)
    if not errors:
        try:
            edge.choose_new_password(record(), session.user_id, new, keep_session_id=session.id)
        except edge.NoTemporaryPassword:  # already chosen (another tab): nothing to do here
            return go(after_sign_in(read_session_token()))
        except edge.RecordRejected:  # long enough: only "same as the temporary one" is left
            errors["new_password"] = _("Choisissez un mot de passe différent du mot de passe "
                                       "provisoire.")
    if errors:
        return _page(errors, 400)
    flash(_("Votre mot de passe est enregistré. Il remplace le mot de passe provisoire."),
          "success")
    return go(after_sign_in(read_session_token()))
