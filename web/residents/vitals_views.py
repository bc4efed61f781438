"""Entering a set of vital signs for a resident: the form (units, limits, ACVPU, oxygen), refused
values shown beside their field with everything typed kept, and the NEWS2 result after saving."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

import edge
from web.access import Permission, requires
from web.context import clock, current_user, record
from web.residents.bp import blueprint
from web.residents.page_views import load_resident
from web.residents.shown import audit_shown
from web.residents.vitals_form import NUMERIC_FIELDS, parse_vitals


def _form_page(resident: edge.Resident, values: dict[str, str], errors: dict[str, str],
               status: int = 200) -> tuple[str, int]:
    page = render_template("residents/vitals.html", resident=resident, values=values,
                           errors=errors, fields=NUMERIC_FIELDS,
                           acvpu_options=[(level.value, f"{level.value} — {_(level.label)}")
                                          for level in edge.ACVPU_RANKS])
    audit_shown([resident.id])
    return page, status


@blueprint.get("/<resident_id>/constantes")
@requires(Permission.VITALS_ENTER)
def vitals_form(resident_id: str) -> tuple[str, int]:
    return _form_page(load_resident(resident_id), {}, {})


@blueprint.post("/<resident_id>/constantes")
@requires(Permission.VITALS_ENTER)
def vitals_save(resident_id: str) -> Response | tuple[str, int]:
    resident = load_resident(resident_id)
    user = current_user()
    values = {key: value[:50] for key, value in request.form.items() if key != "csrf_token"}
    entry = parse_vitals(values, resident_id=resident.id, author_id=user.id, now=clock())
    if not entry.ok:
        return _form_page(resident, values, entry.errors, 422)
    db = record()
    try:
        edge.store_observations(db, list(entry.observations))
    except edge.RecordRejected as exc:
        return _form_page(resident, values, {"form": str(exc)}, 422)
    scored = edge.latest_set(db, resident.id)
    flash(_("Constantes enregistrées."), "success")
    if scored is not None:
        band = scored.score.band_at_least
        if band is not edge.RiskBand.LOW:
            flash(_("NEWS2 %(total)d : risque %(band)s. %(action)s",
                    total=scored.score.total, band=_(band.label),
                    action=_(scored.score.response.action)), "danger")
    return redirect(url_for("residents.show", resident_id=resident.id))
