"""Identity actions on a resident (ID document check, INSi result, doubt), the clinician's NEWS2
settings (Scale 2 target, usual score) and opening a device measurement session."""

from __future__ import annotations

from datetime import timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

import edge
from web.access import Permission, requires
from web.context import current_user, record, settings
from web.residents.bp import blueprint
from web.residents.identity_actions import next_identity_actions
from web.residents.page_views import load_resident
from web.residents.shown import audit_shown, user_names

DEFAULT_MEASUREMENT_WINDOW_S = 300


def _identity_page(resident: edge.Resident, errors: dict[str, str], status: int = 200
                   ) -> tuple[str, int]:
    db = record()
    page = render_template(
        "residents/identity.html", resident=resident, errors=errors,
        actions=next_identity_actions(resident), names=user_names(),
        history=edge.identity_history(db, resident.id, current_user().id),
        documents=[(item.value, _(item.label)) for item in edge.IdDocumentType],
        withheld=edge.matricule_withheld_reason(resident.status))
    audit_shown([resident.id])
    return page, status


@blueprint.get("/<resident_id>/identite")
@requires(Permission.RESIDENTS_VIEW)
def identity(resident_id: str) -> tuple[str, int]:
    return _identity_page(load_resident(resident_id), {})


def _apply(resident: edge.Resident, event: edge.InsiResult | edge.IdDocumentCheck |
           edge.DoubtRaised, field: str) -> Response | tuple[str, int]:
    try:
        after = edge.record_identity_event(record(), resident.id, current_user().id, event)
    except edge.RecordRejected as exc:  # TransitionRefused and a bad matricule
        return _identity_page(resident, {field: str(exc)}, 422)
    flash(_("Statut de l'identité : %(status)s.", status=_(after.label)), "success")
    return redirect(url_for("residents.identity", resident_id=resident.id))


@blueprint.post("/<resident_id>/identite/piece")
@requires(Permission.IDENTITY_VALIDATE)
def identity_document(resident_id: str) -> Response | tuple[str, int]:
    resident = load_resident(resident_id)
    try:
        document = edge.IdDocumentType(request.form.get("document", ""))
    except ValueError:
        return _identity_page(resident, {"document": _("Choisissez la pièce vérifiée.")}, 422)
    check = edge.IdDocumentCheck(document, request.form.get("direct_ehpad_admission") == "1")
    return _apply(resident, check, "document")


@blueprint.post("/<resident_id>/identite/insi")
@requires(Permission.IDENTITY_VALIDATE)
def identity_insi(resident_id: str) -> Response | tuple[str, int]:
    resident = load_resident(resident_id)
    try:
        code = edge.InsiReturnCode(request.form.get("code", ""))
    except ValueError:
        return _identity_page(resident, {"code": _("Choisissez la réponse d'INSi.")}, 422)
    matricule = request.form.get("matricule", "").replace(" ", "").strip() or None
    oid = request.form.get("oid", "").strip() or None
    result = edge.InsiResult(code, matricule, oid, request.form.get("traits_match") == "1")
    return _apply(resident, result, "insi")


@blueprint.post("/<resident_id>/identite/doute")
@requires(Permission.IDENTITY_VALIDATE)
def identity_doubt(resident_id: str) -> Response | tuple[str, int]:
    resident = load_resident(resident_id)
    reason = request.form.get("reason", "").strip()
    if not reason:
        return _identity_page(resident, {"reason": _("Indiquez la raison du doute.")}, 422)
    return _apply(resident, edge.DoubtRaised(reason[:500]), "reason")


@blueprint.post("/<resident_id>/news2/echelle")
@requires(Permission.NEWS2_SCALE2_SET)
def news2_scale(resident_id: str) -> Response:
    resident = load_resident(resident_id)
    enabled = request.form.get("scale2") == "1"
    edge.set_scale2_target(record(), resident.id, current_user().id, enabled)
    flash(_("Échelle 2 de SpO2 appliquée (cible 88–92 %).") if enabled
          else _("Échelle 1 de SpO2 appliquée."), "success")
    return redirect(url_for("residents.show", resident_id=resident.id))


@blueprint.post("/<resident_id>/news2/habituel")
@requires(Permission.NEWS2_BASELINE_SET)
def news2_baseline(resident_id: str) -> Response:
    resident = load_resident(resident_id)
    text = request.form.get("baseline", "").strip()
    try:
        total = int(text) if text else None
        edge.set_news2_baseline(record(), resident.id, current_user().id, total,
                                request.form.get("note", ""))
    except ValueError:
        flash(_("Le NEWS2 habituel est un nombre entier de 0 à 20."), "danger")
    except edge.RecordRejected as exc:
        flash(str(exc), "danger")
    else:
        flash(_("NEWS2 habituel enregistré."), "success")
    return redirect(url_for("residents.show", resident_id=resident.id))


@blueprint.post("/<resident_id>/mesure")
@requires(Permission.VITALS_ENTER)
def measure(resident_id: str) -> Response:
    """Open the resident for measurement: shared devices' readings go to them for a few minutes."""
    resident = load_resident(resident_id)
    seconds = getattr(settings(), "devices_measurement_window_s", DEFAULT_MEASUREMENT_WINDOW_S)
    session = edge.open_measurement_session(record(), resident.id, current_user().id, None,
                                            timedelta(seconds=seconds))
    flash(_("Mesure avec un appareil : les mesures des %(minutes)d prochaines minutes iront "
            "à ce résident.", minutes=max(1, seconds // 60)), "info")
    del session
    return redirect(url_for("residents.show", resident_id=resident.id))
