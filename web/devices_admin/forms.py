"""The devices pages' forms: what a person typed, checked, with French messages beside the fields.

Parsing is pure: it takes the posted fields and the choices offered, and returns either the values
to act on or the errors to show, the typed values being kept for the page shown again.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from flask_babel import gettext as _

import edge

NAME_MAX = 60
INTERVAL_MAX_H = 24 * 30
REASON_MAX = 300


@dataclass(frozen=True, slots=True)
class PairingForm:
    """A pairing as typed; `errors` maps a field name to its message."""

    name: str = ""
    binding: str = ""
    resident_id: str = ""
    interval_h: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def binding_value(self) -> edge.DeviceBinding:
        return edge.DeviceBinding(self.binding)

    @property
    def expected_interval_s(self) -> int | None:
        return int(self.interval_h) * 3600 if self.interval_h else None


def pairing_form(fields: Mapping[str, str], residents: Collection[str]) -> PairingForm:
    """Check a posted pairing form against the residents that may be chosen."""
    name = fields.get("name", "").strip()[:200]
    binding = fields.get("binding", "")
    resident_id = fields.get("resident_id", "")
    interval = fields.get("interval_h", "").strip()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = _("Donnez un nom à l'appareil (par exemple « Tensiomètre salle de soins »).")
    elif len(name) > NAME_MAX:
        errors["name"] = _("Le nom ne doit pas dépasser %(count)d caractères.", count=NAME_MAX)
    if binding not in {item.value for item in edge.DeviceBinding}:
        errors["binding"] = _("Choisissez un appareil personnel ou partagé.")
    elif binding == edge.DeviceBinding.PERSONAL.value:
        if not resident_id:
            errors["resident_id"] = _("Choisissez le résident à qui cet appareil personnel est attribué.")
        elif resident_id not in residents:
            errors["resident_id"] = _("Ce résident n'est pas dans la liste : choisissez-en un autre.")
    else:
        resident_id = ""
    if interval and (not interval.isdigit() or not 1 <= int(interval) <= INTERVAL_MAX_H):
        errors["interval_h"] = _("Indiquez un nombre entier d'heures entre 1 et %(max)d, ou laissez vide.",
                                 max=INTERVAL_MAX_H)
    return PairingForm(name, binding, resident_id, interval, errors)


def assignment_error(resident_id: str, residents: Collection[str]) -> str | None:
    """The message for a bad resident choice in the inbox, or None."""
    if not resident_id:
        return _("Choisissez le résident à qui appartient cette mesure.")
    if resident_id not in residents:
        return _("Ce résident n'est pas dans la liste : choisissez-en un autre.")
    return None


def rejection_error(reason: str) -> str | None:
    """The message for a missing or too long reason to set a reading aside, or None."""
    if not reason.strip():
        return _("Indiquez pourquoi cette mesure est écartée (par exemple « essai de l'appareil »).")
    if len(reason) > REASON_MAX:
        return _("La raison ne doit pas dépasser %(count)d caractères.", count=REASON_MAX)
    return None
