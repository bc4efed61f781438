"""Transmissions ciblées (cible + Données / Actions / Résultats): writing one and amending one (the
original stays in the timeline beside its correction)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

import edge
from web.access import Permission, requires
from web.context import current_user, record
from web.residents.bp import blueprint
from web.residents.page_views import RESIDENT_ID, load_resident
from web.residents.shown import audit_shown

FIELDS = ("cible", "donnees", "actions", "resultats")
MAX_CHARS = 4000


def _typed() -> dict[str, str]:
    return {name: request.form.get(name, "")[:MAX_CHARS + 1] for name in (*FIELDS, "reason")}


def _page(resident: edge.Resident, values: dict[str, str], error: str | None,
          original: edge.CareNote | None = None, status: int = 200) -> tuple[str, int]:
    page = render_template("residents/note_form.html", resident=resident, values=values,
                           error=error, original=original)
    audit_shown([resident.id])
    return page, status


@blueprint.get("/<resident_id>/transmissions/nouvelle")
@requires(Permission.NOTES_WRITE)
def note_form(resident_id: str) -> tuple[str, int]:
    return _page(load_resident(resident_id), {}, None)


@blueprint.post("/<resident_id>/transmissions/nouvelle")
@requires(Permission.NOTES_WRITE)
def note_save(resident_id: str) -> Response | tuple[str, int]:
    resident = load_resident(resident_id)
    values = _typed()
    try:
        edge.add_note(record(), resident.id, current_user().id, values["cible"],
                      values["donnees"], values["actions"], values["resultats"])
    except edge.RecordRejected as exc:
        return _page(resident, values, str(exc), status=422)
    flash(_("Transmission enregistrée."), "success")
    return redirect(url_for("residents.show", resident_id=resident.id) + "#transmissions")


def _note(resident: edge.Resident, note_id: str) -> edge.CareNote:
    if not RESIDENT_ID.match(note_id):
        abort(404)
    for note in edge.list_notes(record(), resident.id, current_user().id, limit=1000):
        if note.id == note_id:
            return note
    abort(404)


@blueprint.get("/<resident_id>/transmissions/<note_id>/corriger")
@requires(Permission.NOTES_AMEND)
def note_amend_form(resident_id: str, note_id: str) -> tuple[str, int]:
    resident = load_resident(resident_id)
    note = _note(resident, note_id)
    values = {"cible": note.cible, "donnees": note.donnees, "actions": note.actions,
              "resultats": note.resultats, "reason": ""}
    return _page(resident, values, None, note)


@blueprint.post("/<resident_id>/transmissions/<note_id>/corriger")
@requires(Permission.NOTES_AMEND)
def note_amend(resident_id: str, note_id: str) -> Response | tuple[str, int]:
    resident = load_resident(resident_id)
    note = _note(resident, note_id)
    values = _typed()
    try:
        edge.amend_note(record(), note.id, current_user().id, values["reason"], values["cible"],
                        values["donnees"], values["actions"], values["resultats"])
    except edge.RecordRejected as exc:
        return _page(resident, values, str(exc), note, 422)
    flash(_("Transmission corrigée ; la version précédente reste visible."), "success")
    return redirect(url_for("residents.show", resident_id=resident.id) + "#transmissions")
