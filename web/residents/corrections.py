"""Correcting stored vital signs, the shared part: who may correct a value (the person who entered
it, or an infirmier(e) / médecin any value), how a stored value is shown (value and unit, how it was
captured, by whom or which device), and which open alerts rest on values corrected since."""

from __future__ import annotations

from collections.abc import Iterable

from flask import url_for
from flask_babel import gettext as _

import edge
from web.access import Permission, user_may
from web.context import current_user, record
from web.residents.vitals_form import ACVPU_CODE, OXYGEN_CODE

CODE_ORDER = ("9279-1", "2708-6", "3151-8", "8480-6", "8462-4", "8867-4", "80288-4", "8310-5",
              "29463-7", "8302-2", "2339-0", "72514-3")
"""The order values of a set are listed in (the NEWS2 chart's, then the other measurements)."""


def may_correct(author_id: str | None) -> bool:
    """The signed-in user may correct a value whose current version ``author_id`` entered."""
    if user_may(Permission.VITALS_AMEND):
        return True
    return user_may(Permission.VITALS_AMEND_OWN) and author_id == current_user().id


def value_text(code: str, value: float) -> str:
    """A stored value as staff read it, with its unit (ACVPU letter, air or the oxygen flow)."""
    if code == ACVPU_CODE:
        return edge.ACVPU_RANKS[int(round(value))].value
    if code == OXYGEN_CODE:
        return _("air ambiant") if value == 0 else f"O2 {value:g} L/min"
    unit = edge.VITAL_SIGNS[code].unit_label
    return f"{value:g} {unit}".strip()


def parameter_label(code: str) -> str:
    sign = edge.VITAL_SIGNS.get(code)
    return _(sign.label_fr) if sign is not None else code


def method_label(observation: edge.Observation) -> str:
    if observation.method is edge.CaptureMethod.DEVICE:
        return _("Appareil")
    return _("Correction") if observation.amends_id else _("Saisie")


def device_names() -> dict[str, str]:
    """Devices by id, named as the registry names them (name, else model, else address)."""
    return {device.id: device.name or device.model or device.address
            for device in edge.list_devices(record(), include_retired=True)}


def source_label(observation: edge.Observation, names: dict[str, str],
                 devices: dict[str, str]) -> str:
    """Who entered the value, and with which device."""
    person = names.get(observation.author_id or "", "")
    if observation.device_id is None:
        return person or _("auteur inconnu")
    device = devices.get(observation.device_id, _("appareil inconnu"))
    return f"{device} · {person}" if person else device


def order_key(code: str) -> int:
    return CODE_ORDER.index(code) if code in CODE_ORDER else len(CODE_ORDER)


def latest_set_corrections(scored: edge.ScoredSet | None
                           ) -> tuple[dict[str, str], frozenset[str]]:
    """For the latest set, by parameter: the correction form of each value the user may correct,
    and the values that are corrections themselves."""
    if scored is None:
        return {}, frozenset()
    origins = edge.observation_origins(record(), [item.observation_id for item in scored.values])
    urls = {item.parameter.value: url_for("residents.correction_form",
                                          resident_id=scored.resident_id,
                                          observation_id=item.observation_id)
            for item in scored.values
            if item.observation_id in origins
            and may_correct(origins[item.observation_id].author_id)}
    corrected = frozenset(item.parameter.value for item in scored.values
                          if item.observation_id in origins
                          and origins[item.observation_id].corrects is not None)
    return urls, corrected


def alerts_with_corrected_values(alerts: Iterable[edge.Alert]) -> frozenset[str]:
    """The alerts one of whose values was corrected after the alert opened."""
    alerts = list(alerts)
    ids = [value.observation_id for alert in alerts for value in alert.values
           if value.observation_id]
    corrected = edge.amended_among(record(), ids) if ids else frozenset()
    return frozenset(alert.id for alert in alerts
                     if any(value.observation_id in corrected for value in alert.values))
