"""Correcting one stored vital sign (a typing slip, a reading that landed wrong): the form (the new
value under the entry form's limits, a mandatory reason), a confirmation showing the NEWS2 of the
latest set before and after, then the amendment — the original stays in the history, marked
corrected, and alerts follow the corrected set."""

from __future__ import annotations

from typing import NoReturn

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

import edge
from web.access import Permission, requires, user_may
from web.context import current_user, record
from web.residents.bp import blueprint
from web.residents.corrections import (
    device_names,
    may_correct,
    method_label,
    parameter_label,
    source_label,
    value_text,
)
from web.residents.page_views import RESIDENT_ID, load_resident
from web.residents.shown import audit_shown, user_names
from web.residents.vitals_form import ACVPU_CODE, parse_value

BACK_TO_HISTORY = "historique"


def _versions(resident: edge.Resident, observation_id: str) -> edge.ObservationVersions:
    if not RESIDENT_ID.match(observation_id):
        abort(404)
    try:
        versions = edge.observation_versions(record(), observation_id, current_user().id)
    except edge.NotFound:
        abort(404)
    if versions.current.resident_id != resident.id:
        abort(404)
    return versions


def _refuse_others_entry() -> NoReturn:
    """403 (audited like every refusal) when the user may correct only what they entered."""
    user = current_user()
    edge.append_audit(record(), user.id, edge.AuditAction.AMEND, "observation",
                      request.view_args.get("observation_id") if request.view_args else None,
                      outcome=edge.AuditOutcome.DENIED, details={"reason": "not_own_entry"})
    abort(403)


def _back() -> str:
    return BACK_TO_HISTORY if request.values.get("retour") == BACK_TO_HISTORY else ""


def _page(resident: edge.Resident, versions: edge.ObservationVersions, values: dict[str, str],
          errors: dict[str, str], *, preview: tuple[edge.ScoredSet | None,
                                                    edge.ScoredSet | None] | None = None,
          new_text: str = "", status: int = 200) -> tuple[str, int]:
    current = versions.current
    page = render_template(
        "residents/correction.html", resident=resident, versions=versions, values=values,
        errors=errors, preview=preview, new_text=new_text, back=_back(),
        label=parameter_label(current.code), sign=edge.VITAL_SIGNS[current.code],
        is_acvpu=current.code == ACVPU_CODE,
        acvpu_options=[(level.value, f"{level.value} — {_(level.label)}")
                       for level in edge.ACVPU_RANKS],
        value_text=value_text, method_label=method_label, source_label=source_label,
        names=user_names(), devices=device_names())
    audit_shown([resident.id])
    return page, status


@blueprint.get("/<resident_id>/mesures/<observation_id>/corriger")
@requires(Permission.VITALS_AMEND_OWN)
def correction_form(resident_id: str, observation_id: str) -> Response | tuple[str, int]:
    resident = load_resident(resident_id)
    versions = _versions(resident, observation_id)
    if versions.current.id != observation_id:
        return redirect(url_for("residents.correction_form", resident_id=resident.id,
                                observation_id=versions.current.id, retour=_back() or None))
    if not may_correct(versions.current.author_id):
        _refuse_others_entry()
    return _page(resident, versions, {"value": "", "reason": ""}, {})


def _check(code: str, values: dict[str, str]) -> tuple[float | None, dict[str, str]]:
    errors: dict[str, str] = {}
    value = None
    try:
        value = parse_value(code, values["value"])
    except ValueError as exc:
        errors["value"] = str(exc)
    reason = values["reason"].strip()
    if not reason:
        errors["reason"] = _("Indiquez la raison de la correction.")
    elif len(reason) > edge.MAX_REASON_CHARS:
        errors["reason"] = _("La raison est limitée à %(count)d caractères.",
                             count=edge.MAX_REASON_CHARS)
    return value, errors


@blueprint.post("/<resident_id>/mesures/<observation_id>/corriger")
@requires(Permission.VITALS_AMEND_OWN)
def correction_save(resident_id: str, observation_id: str) -> Response | tuple[str, int]:
    resident = load_resident(resident_id)
    versions = _versions(resident, observation_id)
    current = versions.current
    if not may_correct(current.author_id):
        _refuse_others_entry()
    values = {"value": request.form.get("value", "")[:50],
              "reason": request.form.get("reason", "")[:edge.MAX_REASON_CHARS + 1]}
    if current.id != observation_id:
        return _page(resident, versions, values, {"form": _(
            "Cette mesure vient d'être corrigée par quelqu'un d'autre : vérifiez la dernière "
            "version avant de la corriger.")}, status=409)
    value, errors = _check(current.code, values)
    if errors or value is None:
        return _page(resident, versions, values, errors, status=422)
    db = record()
    if request.form.get("confirm") == "edit":
        return _page(resident, versions, values, {})
    if request.form.get("confirm") != "1":
        return _page(resident, versions, values, {},
                     preview=edge.preview_correction(db, resident.id, current.id, value),
                     new_text=value_text(current.code, value))
    user_id = current_user().id
    before_alerts = {alert.id for alert in edge.list_alerts(db, user_id,
                                                            resident_id=resident.id)}
    before = edge.latest_set(db, resident.id)
    try:
        edge.amend_observation(db, current.id, user_id, value, values["reason"],
                               own_only=not user_may(Permission.VITALS_AMEND))
    except edge.NotOwnEntry:
        _refuse_others_entry()
    except edge.RecordRejected as exc:
        return _page(resident, versions, values, {"form": str(exc)}, status=422)
    _announce(db, resident.id, before, before_alerts)
    if _back() == BACK_TO_HISTORY:
        return redirect(url_for("residents.history", resident_id=resident.id))
    return redirect(url_for("residents.show", resident_id=resident.id) + "#h-latest")


def _announce(db: edge.Database, resident_id: str, before: edge.ScoredSet | None,
              before_alerts: set[str]) -> None:
    """Say what the correction changed: the score, a new alert, or an alert left to acknowledge."""
    flash(_("Valeur corrigée ; la valeur d'origine reste visible dans l'historique."), "success")
    after = edge.latest_set(db, resident_id)
    if before is None or after is None or before.score.total == after.score.total:
        return
    flash(_("NEWS2 de la dernière série : %(before)d avant la correction, %(after)d maintenant.",
            before=before.score.total, after=after.score.total), "info")
    alerts = edge.list_alerts(db, current_user().id, resident_id=resident_id)
    opened = [alert for alert in alerts if alert.id not in before_alerts]
    if opened:
        flash(_("NEWS2 %(total)d : risque %(band)s. %(action)s", total=after.score.total,
                band=_(after.score.band_at_least.label),
                action=_(after.score.response.action)), "danger")
    elif alerts and after.score.total < before.score.total:
        flash(_("L'alerte ouverte reste affichée avec les valeurs qui l'ont déclenchée : elle "
                "doit être prise en compte (par exemple « Erreur de saisie, valeur corrigée »)."),
              "warning")
