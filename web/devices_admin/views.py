"""The device registry page (administrators): devices heard and paired, their battery, when they
were last heard, silent ones, refused frames; pairing (a name, personal to one resident or shared)
and unpairing. The inbox views are in `web.devices_admin.inbox`, on the same blueprint."""

from __future__ import annotations

import logging

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

import edge
from web.access import Permission, requires
from web.context import current_user, record
from web.devices_admin import inbox
from web.devices_admin.bp import blueprint
from web.devices_admin.forms import PairingForm, pairing_form
from web.devices_admin.labels import moment, protocol_label, state_label

__all__ = ["blueprint", "inbox"]
_LOGGER = logging.getLogger(__name__)


def _resident_names(actor_id: str) -> dict[str, str]:
    """Present residents' names by id, for the resident choice (audited as one read)."""
    residents = edge.list_residents(record(), actor_id)
    return {resident.id: (f"{resident.display_name} — {resident.room}" if resident.room
                          else resident.display_name) for resident in residents}


def _device(device_id: str) -> edge.Device:
    try:
        return edge.get_device(record(), device_id)
    except edge.NotFound:
        abort(404)


@blueprint.get("/appareils")
@requires(Permission.DEVICES_MANAGE)
def index() -> str:
    user = current_user()
    devices = edge.list_devices(record())
    names = _resident_names(user.id) if any(d.resident_id for d in devices) else {}
    return render_template("devices_admin/index.html", devices=devices, names=names,
                           protocol_label=protocol_label, state_label=state_label, moment=moment,
                           silent=[d for d in devices if d.silent])


def _pair_page(device: edge.Device, form: PairingForm, residents: dict[str, str],
               status: int) -> tuple[str, int]:
    return render_template("devices_admin/pair.html", device=device, form=form,
                           residents=residents, protocol_label=protocol_label), status


@blueprint.route("/appareils/<device_id>/associer", methods=["GET", "POST"])
@requires(Permission.DEVICES_MANAGE)
def pair(device_id: str) -> Response | tuple[str, int]:
    user = current_user()
    device = _device(device_id)
    if device.state is edge.DeviceState.RETIRED:
        flash(_("Cet appareil est retiré du service : il ne peut plus être associé."), "warning")
        return redirect(url_for(".index"))
    residents = _resident_names(user.id)
    if request.method == "GET":
        interval = str(device.expected_interval_s // 3600) if device.expected_interval_s else ""
        form = PairingForm(device.name or "", device.binding.value, device.resident_id or "",
                           interval)
        return _pair_page(device, form, residents, 200)
    form = pairing_form(request.form, residents)
    if not form.valid:
        return _pair_page(device, form, residents, 400)
    try:
        edge.pair_device(record(), device.id, user.id, name=form.name, binding=form.binding_value,
                         resident_id=form.resident_id or None,
                         expected_interval_s=form.expected_interval_s)
    except edge.RecordRejected as error:
        errors = {"form": str(error)}
        return _pair_page(device, PairingForm(form.name, form.binding, form.resident_id,
                                              form.interval_h, errors), residents, 400)
    except edge.NotFound:
        errors = {"resident_id": _("Ce résident n'est pas dans la liste : choisissez-en un autre.")}
        return _pair_page(device, PairingForm(form.name, form.binding, form.resident_id,
                                              form.interval_h, errors), residents, 400)
    _LOGGER.info("device %s paired by user %s (%s)", device.id, user.id, form.binding)
    flash(_("Appareil associé : ses mesures seront enregistrées selon cette règle."), "success")
    return redirect(url_for(".index"))


@blueprint.post("/appareils/<device_id>/dissocier")
@requires(Permission.DEVICES_MANAGE)
def unpair(device_id: str) -> Response:
    user = current_user()
    device = _device(device_id)
    if device.state is not edge.DeviceState.PAIRED:
        flash(_("Cet appareil n'est pas associé."), "warning")
        return redirect(url_for(".index"))
    edge.unpair_device(record(), device.id, user.id)
    _LOGGER.info("device %s unpaired by user %s", device.id, user.id)
    flash(_("Appareil dissocié : ses prochaines mesures iront dans les lectures non attribuées."),
          "success")
    return redirect(url_for(".index"))
