"""The vital signs Relais records: LOINC code, stored UCUM unit and the physiologically possible range.

A value outside the possible range (SpO2 140 %, temperature 60 °C) is refused with the reason; a
value inside it, however alarming, is accepted (the NEWS2 score and alerts deal with it). Codes and
units follow the CI-SIS vital-signs value set and the ANS "Mesures de santé" profiles.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from edge.errors import RecordRejected


@dataclass(frozen=True, slots=True)
class VitalSign:
    code: str
    label_fr: str
    unit: str
    unit_label: str
    minimum: float
    maximum: float
    decimals: int


VITAL_SIGNS: dict[str, VitalSign] = {
    sign.code: sign
    for sign in (
        VitalSign("9279-1", "Fréquence respiratoire", "/min", "/min", 1, 80, 0),
        VitalSign("2708-6", "Saturation en oxygène (SpO2)", "%", "%", 40, 100, 0),
        VitalSign("8480-6", "Pression artérielle systolique", "mm[Hg]", "mmHg", 40, 300, 0),
        VitalSign("8462-4", "Pression artérielle diastolique", "mm[Hg]", "mmHg", 15, 200, 0),
        VitalSign("8867-4", "Fréquence cardiaque", "/min", "/min", 15, 300, 0),
        VitalSign("8310-5", "Température corporelle", "Cel", "°C", 25, 45, 1),
        VitalSign("29463-7", "Poids", "kg", "kg", 15, 350, 1),
        VitalSign("8302-2", "Taille", "cm", "cm", 80, 230, 0),
        VitalSign("2339-0", "Glycémie capillaire", "mg/dL", "mg/dL", 10, 1500, 0),
        VitalSign("72514-3", "Douleur (EVA/EN)", "{score}", "/10", 0, 10, 0),
        # NEWS2 inputs that are not measurements: the ACVPU level as its rank (A=0, C=1, V=2,
        # P=3, U=4) and the supplemental oxygen flow (0 = air).
        VitalSign("80288-4", "Conscience (ACVPU)", "{ACVPU}", "", 0, 4, 0),
        VitalSign("3151-8", "Oxygène (débit)", "L/min", "L/min", 0, 15, 1),
    )
}
SYSTOLIC = "8480-6"
DIASTOLIC = "8462-4"
CONSCIOUSNESS = "80288-4"
OXYGEN_FLOW = "3151-8"


def vital_sign(code: str) -> VitalSign:
    try:
        return VITAL_SIGNS[code]
    except KeyError as exc:
        raise RecordRejected(f"Le code de mesure « {code} » n'est pas connu de Relais.") from exc


def check_value(code: str, unit: str, value: float) -> float:
    """Return ``value`` when it is possible for ``code`` in ``unit``; otherwise say why not."""
    sign = vital_sign(code)
    if unit != sign.unit:
        raise RecordRejected(
            f"{sign.label_fr} : l'unité « {unit} » n'est pas celle attendue ({sign.unit_label}).")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise RecordRejected(f"{sign.label_fr} : la valeur n'est pas un nombre.")
    if not sign.minimum <= value <= sign.maximum:
        raise RecordRejected(
            f"{sign.label_fr} : {value:g} {sign.unit_label} est impossible "
            f"(valeurs possibles de {sign.minimum:g} à {sign.maximum:g} {sign.unit_label}).")
    return float(value)
