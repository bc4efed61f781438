"""The "Lectures non attribuées" inbox (carers): readings no visible rule could attach to a
resident, each assigned to a resident or set aside with a reason. Nothing is ever guessed."""

from __future__ import annotations

import logging

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

import edge
from web.access import Permission, requires
from web.context import current_user, record
from web.devices_admin.bp import blueprint
from web.devices_admin.forms import REASON_MAX, assignment_error, rejection_error
from web.devices_admin.labels import device_moment, moment, protocol_label, value_text

_LOGGER = logging.getLogger(__name__)


def _page(status: int = 200, *, errors: dict[str, dict[str, str]] | None = None,
          typed: dict[str, dict[str, str]] | None = None) -> tuple[str, int]:
    user = current_user()
    db = record()
    readings = edge.list_unassigned(db, user.id)
    devices = {device.id: device for device in edge.list_devices(db, include_retired=True)}
    residents = edge.list_residents(db, user.id) if readings else []
    choices = [(r.id, f"{r.display_name} — {r.room}" if r.room else r.display_name)
               for r in residents]
    return render_template("devices_admin/inbox.html", readings=readings, devices=devices,
                           residents=choices, errors=errors or {}, typed=typed or {},
                           moment=moment, device_moment=device_moment, value_text=value_text,
                           protocol_label=protocol_label, reason_max=REASON_MAX), status


@blueprint.get("/lectures-non-attribuees")
@requires(Permission.READINGS_ASSIGN)
def inbox() -> tuple[str, int]:
    return _page()


def _present_residents(actor_id: str) -> set[str]:
    return {resident.id for resident in edge.list_residents(record(), actor_id)}


@blueprint.post("/lectures-non-attribuees/<reading_id>/attribuer")
@requires(Permission.READINGS_ASSIGN)
def assign(reading_id: str) -> Response | tuple[str, int]:
    user = current_user()
    resident_id = request.form.get("resident_id", "")
    error = assignment_error(resident_id, _present_residents(user.id))
    if error is not None:
        return _page(400, errors={reading_id: {"resident_id": error}},
                     typed={reading_id: {"resident_id": resident_id}})
    try:
        edge.assign_unassigned(record(), reading_id, resident_id, user.id)
    except edge.NotFound:
        flash(_("Cette mesure n'existe plus."), "warning")
        return redirect(url_for(".inbox"))
    except edge.RecordRejected as rejected:
        flash(str(rejected), "warning")
        return redirect(url_for(".inbox"))
    _LOGGER.info("unassigned reading %s assigned by user %s", reading_id, user.id)
    flash(_("Mesure enregistrée dans le dossier du résident."), "success")
    return redirect(url_for(".inbox"))


@blueprint.post("/lectures-non-attribuees/<reading_id>/ecarter")
@requires(Permission.READINGS_ASSIGN)
def reject(reading_id: str) -> Response | tuple[str, int]:
    user = current_user()
    reason = request.form.get("reason", "")
    error = rejection_error(reason)
    if error is not None:
        return _page(400, errors={reading_id: {"reason": error}},
                     typed={reading_id: {"reason": reason[:REASON_MAX * 2]}})
    try:
        edge.reject_unassigned(record(), reading_id, user.id, reason)
    except edge.NotFound:
        flash(_("Cette mesure n'existe plus."), "warning")
        return redirect(url_for(".inbox"))
    except edge.RecordRejected as rejected:
        flash(str(rejected), "warning")
        return redirect(url_for(".inbox"))
    _LOGGER.info("unassigned reading %s set aside by user %s", reading_id, user.id)
    flash(_("Mesure écartée ; la raison est conservée."), "success")
    return redirect(url_for(".inbox"))
