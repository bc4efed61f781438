"""Administration: create accounts with a role, reset their sign-in factors, give a temporary
password to a person who forgot theirs, disable accounts; read the effective settings (no secrets);
browse the audit log with filters and see whether its chain holds."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

import edge
from web.access import Permission, requires
from web.admin.labels import action_label, outcome_label
from web.auth.password_views import MAX_PASSWORD_CHARS, new_password_errors
from web.context import clock, current_user, record, settings
from web.i18n import role_label

_LOGGER = logging.getLogger(__name__)
blueprint = Blueprint("admin", __name__, url_prefix="/administration")
AUDIT_PAGE = 100
SECRET_SETTINGS = frozenset({"key_file"})


def _users_page(form: dict[str, str], errors: dict[str, str], status: int) -> tuple[str, int]:
    users = edge.list_users(record())
    factors = {user.id: edge.factor_status(record(), user.id) for user in users}
    temporary = {user.id for user in users if edge.password_change_required(record(), user.id)}
    return render_template("admin/users.html", users=users, factors=factors, form=form,
                           errors=errors, temporary=temporary,
                           role_options=[(r.value, role_label(r)) for r in edge.Role]), status


@blueprint.get("/")
@requires(Permission.USERS_MANAGE)
def users() -> tuple[str, int]:
    return _users_page({}, {}, 200)


def _field_errors(form: dict[str, str], password: str) -> dict[str, str]:
    """Each field checked on its own, so every error is shown beside the field it concerns."""
    errors: dict[str, str] = {}
    if not form["display_name"].strip():
        errors["display_name"] = _("Le nom affiché est obligatoire.")
    try:
        edge.normalise_login(form["login"])
    except edge.RecordRejected as exc:
        errors["login"] = _(str(exc))
    if form["role"] not in {r.value for r in edge.Role}:
        errors["role"] = _("Choisissez un rôle.")
    if len(password) < edge.MIN_PASSWORD_CHARS:
        errors["password"] = _("Le mot de passe doit compter au moins %(n)d caractères (une phrase "
                               "de plusieurs mots convient).", n=edge.MIN_PASSWORD_CHARS)
    return errors


@blueprint.post("/comptes")
@requires(Permission.USERS_MANAGE)
def create_user() -> Response | tuple[str, int]:
    form = {key: request.form.get(key, "")[:200] for key in ("login", "display_name", "role")}
    password = request.form.get("password", "")[:1024]
    errors = _field_errors(form, password)
    if not errors:
        try:
            edge.add_user(record(), current_user().id, form["login"], form["display_name"],
                          edge.Role(form["role"]), password)
        except edge.RecordRejected:  # every field is well formed: only the login can be taken
            errors["login"] = _("Cet identifiant est déjà utilisé.")
    if errors:
        return _users_page(form, errors, 400)
    flash(_("Compte créé. À la première connexion, la personne choisit son second facteur et "
            "son code PIN."), "success")
    return redirect(url_for("admin.users"))


def _target(user_id: str) -> edge.StaffUser:
    try:
        return edge.get_user(record(), user_id)
    except edge.NotFound as exc:
        raise NotFound() from exc


@blueprint.post("/comptes/<user_id>/reinitialiser")
@requires(Permission.USERS_MANAGE)
def reset_user(user_id: str) -> Response:
    user = _target(user_id)
    edge.reset_factors(record(), current_user().id, user.id, clock())
    edge.clear_failures(record(), edge.login_subject(record(), user.login))
    flash(_("Facteurs de connexion réinitialisés et connexion débloquée : la personne "
            "enregistrera un nouveau second facteur et un nouveau code PIN."), "success")
    return redirect(url_for("admin.users"))


def _temporary_page(user: edge.StaffUser, errors: dict[str, str], status: int) -> tuple[str, int]:
    return render_template("admin/temporary_password.html", target=user, errors=errors), status


@blueprint.route("/comptes/<user_id>/mot-de-passe-provisoire", methods=["GET", "POST"])
@requires(Permission.USERS_MANAGE)
def temporary_password(user_id: str) -> Response | tuple[str, int]:
    """A temporary password for a person who forgot theirs: handed over in person, it ends their
    sessions, lifts a sign-in lock, and must be replaced at their next sign-in."""
    user = _target(user_id)
    if user.id == current_user().id:
        flash(_("Pour votre propre compte, changez votre mot de passe depuis « Mon compte »."),
              "info")
        return redirect(url_for("account.index"))
    if not user.active:
        flash(_("Ce compte est désactivé."), "danger")
        return redirect(url_for("admin.users"))
    if request.method != "POST":
        return _temporary_page(user, {}, 200)
    new = request.form.get("new_password", "")[:MAX_PASSWORD_CHARS]
    again = request.form.get("new_password_again", "")[:MAX_PASSWORD_CHARS]
    errors = new_password_errors(new, again)
    if errors:
        return _temporary_page(user, errors, 400)
    edge.set_temporary_password(record(), current_user().id, user.id, new)
    flash(_("Mot de passe provisoire défini pour %(name)s : ses sessions sont fermées. Remettez-le "
            "en main propre ; à sa prochaine connexion, la personne choisira son propre mot de "
            "passe.", name=user.display_name), "success")
    return redirect(url_for("admin.users"))


@blueprint.post("/comptes/<user_id>/desactiver")
@requires(Permission.USERS_MANAGE)
def disable_user(user_id: str) -> Response:
    user = _target(user_id)
    if user.id == current_user().id:
        flash(_("Vous ne pouvez pas désactiver votre propre compte."), "danger")
        return redirect(url_for("admin.users"))
    edge.disable_user(record(), current_user().id, user.login)
    flash(_("Compte désactivé ; ses sessions sont fermées."), "success")
    return redirect(url_for("admin.users"))


def _shown_value(name: str, value: object) -> str:
    if name in SECRET_SETTINGS and value is not None:
        return _("(défini)")
    if value is None:
        return "—"
    return str(value) if not isinstance(value, Path) else value.as_posix()


@blueprint.get("/reglages")
@requires(Permission.SETTINGS_VIEW)
def settings_view() -> tuple[str, int]:
    current = settings()
    rows = []
    for declared in edge.SETTINGS:
        value = getattr(current, declared.name, None)
        rows.append({"name": declared.name, "value": _shown_value(declared.name, value),
                     "default": value == declared.default, "help": declared.help,
                     "env": declared.env_var})
    return render_template("admin/settings.html", rows=rows,
                           insecure_key=current.key_file_is_insecure), 200


@blueprint.get("/journal")
@requires(Permission.AUDIT_VIEW)
def audit() -> tuple[str, int]:
    db = record()
    resident = request.args.get("resident", "").strip()[:64] or None
    actor = request.args.get("actor", "").strip()[:64]
    action = request.args.get("action", "").strip()[:32]
    outcome = request.args.get("outcome", "").strip()[:16]
    before = request.args.get("before", type=int)
    entries = edge.list_audit(db, resident_id=resident, limit=AUDIT_PAGE, before_seq=before,
                              actor_id=actor or None, action=action or None,
                              outcome=outcome or None)
    names = {user.id: user.display_name for user in edge.list_users(db)}
    verification = edge.verify_audit(db) if request.args.get("verify") else None
    edge.append_audit(db, current_user().id, edge.AuditAction.READ, "audit", None,
                      resident_id=resident)
    return render_template(
        "admin/audit.html", entries=entries, names=names, verification=verification,
        filters={"resident": resident or "", "actor": actor, "action": action,
                 "outcome": outcome},
        action_options=[(a.value, action_label(a.value)) for a in edge.AuditAction],
        outcome_options=[(o.value, outcome_label(o.value)) for o in edge.AuditOutcome],
        action_label=action_label, outcome_label=outcome_label,
        actor_options=[(u.id, u.display_name) for u in edge.list_users(db)],
        next_before=entries[-1].seq if len(entries) == AUDIT_PAGE else None), 200
