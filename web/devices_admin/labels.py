"""How devices and readings are named on the devices pages: protocol names, states, values."""

from __future__ import annotations

from datetime import datetime

from flask_babel import format_datetime, format_decimal, lazy_gettext
from flask_babel import gettext as _

import edge

_PROTOCOLS = {
    "ble-blood-pressure": lazy_gettext("Tensiomètre (Bluetooth)"),
    "ble-thermometer": lazy_gettext("Thermomètre (Bluetooth)"),
    "ble-pulse-oximeter": lazy_gettext("Oxymètre de pouls (Bluetooth)"),
    "ble-weight-scale": lazy_gettext("Balance (Bluetooth)"),
    "ble-body-composition": lazy_gettext("Balance impédancemètre (Bluetooth)"),
    "ble-glucose": lazy_gettext("Lecteur de glycémie (Bluetooth)"),
    "ble-heart-rate": lazy_gettext("Cardiofréquencemètre (Bluetooth)"),
    "nonin2": lazy_gettext("Oxymètre Nonin (série)"),
    "nonin7": lazy_gettext("Oxymètre Nonin (série)"),
    "nonin8": lazy_gettext("Oxymètre Nonin (série)"),
    "nonin13": lazy_gettext("Oxymètre Nonin (série)"),
    "and-st-gs": lazy_gettext("Balance A&D (série)"),
    "seca": lazy_gettext("Balance seca (série)"),
    "tanita": lazy_gettext("Balance Tanita (série)"),
    "hl7": lazy_gettext("Moniteur HL7"),
}
_STATES = {
    edge.DeviceState.DISCOVERED: lazy_gettext("Détecté, non associé"),
    edge.DeviceState.PAIRED: lazy_gettext("Associé"),
    edge.DeviceState.RETIRED: lazy_gettext("Retiré du service"),
}
_VITAL_LABELS = {
    "9279-1": lazy_gettext("Fréquence respiratoire"),
    "2708-6": lazy_gettext("Saturation en oxygène (SpO2)"),
    "8480-6": lazy_gettext("Pression artérielle systolique"),
    "8462-4": lazy_gettext("Pression artérielle diastolique"),
    "8867-4": lazy_gettext("Fréquence cardiaque"),
    "8310-5": lazy_gettext("Température corporelle"),
    "29463-7": lazy_gettext("Poids"),
    "8302-2": lazy_gettext("Taille"),
    "2339-0": lazy_gettext("Glycémie capillaire"),
}


def protocol_label(protocol: str) -> str:
    """The kind of device, in the person's language; the raw name when unknown."""
    label = _PROTOCOLS.get(protocol) or (_PROTOCOLS["hl7"] if protocol.startswith("hl7") else None)
    return str(label) if label is not None else protocol


def state_label(state: edge.DeviceState) -> str:
    return str(_STATES[state])


def moment(text: str | None) -> str:
    """A stored UTC time stamp in the home's local time; "—" when absent."""
    if not text:
        return "—"
    try:
        return str(format_datetime(datetime.fromisoformat(text), "short"))
    except ValueError:
        return text


def device_moment(text: str | None) -> str:
    """A device's own wall-clock time (no zone), shown as the device gave it."""
    if not text:
        return "—"
    try:
        return datetime.fromisoformat(text).strftime("%d/%m/%Y %H:%M")
    except ValueError:
        return text


def value_text(value: edge.DeviceValue) -> str:
    """'Poids : 72,4 kg' — the label, the value with the sign's decimals, the unit."""
    sign = edge.VITAL_SIGNS.get(value.code)
    if sign is None:
        return f"{value.code} : {value.value} {value.unit}"
    pattern = "0." + "0" * sign.decimals if sign.decimals else "0"
    number = format_decimal(value.value, format=pattern)
    label = _VITAL_LABELS.get(value.code, sign.label_fr)
    return _("%(label)s : %(value)s %(unit)s", label=label, value=number,
             unit=sign.unit_label).rstrip()
