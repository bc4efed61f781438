"""FLUDT section "Signes vitaux" (8716-3): the last value of each vital sign in the record.

The five signs the FLUDT asks for (pulse, temperature, weight, blood pressure) are always
listed; one never measured is written with `nullFlavor="NAV"` and shown as "non mesuré".
"""

from __future__ import annotations

from decimal import Decimal

from edge.documents.cda import Element, IdMinter, coded, sub, time_element
from edge.documents.codes import FLUDT_VITAL_SIGNS, LOINC, VITAL_SIGNS, Code
from edge.documents.model import VitalSign
from edge.documents.sections.common import SectionSpec, entry, new_section, text_reference

SPEC = SectionSpec(("2.16.840.1.113883.10.20.1.16", "1.3.6.1.4.1.19376.1.5.3.1.3.25",
                    "1.3.6.1.4.1.19376.1.5.3.1.1.5.3.2", "1.2.250.1.213.1.1.2.75"),
                   Code("8716-3", LOINC, "Signes vitaux"), "signe", with_id=False)
VITAL_SIGNS_PANEL = Code("85353-1", LOINC, "Signes vitaux")
_ORGANIZER_TEMPLATES = ("2.16.840.1.113883.10.20.1.32", "2.16.840.1.113883.10.20.1.35",
                        "1.3.6.1.4.1.19376.1.5.3.1.4.13.1", "1.2.250.1.213.1.1.3.49")
_OBSERVATION_TEMPLATES = ("2.16.840.1.113883.10.20.1.31", "1.3.6.1.4.1.19376.1.5.3.1.4.13",
                          "1.3.6.1.4.1.19376.1.5.3.1.4.13.2", "1.2.250.1.213.1.1.3.50")
_UNIT_LABELS = {"Cel": "°C", "[degF]": "°F", "mm[Hg]": "mmHg", "/min": "/min",
                "kg/m2": "kg/m²", "[lb_av]": "lb", "[oz_av]": "oz"}


def latest(signs: tuple[VitalSign, ...]) -> dict[str, VitalSign]:
    """The most recent measurement of each vital sign, by LOINC code."""
    last: dict[str, VitalSign] = {}
    for sign in signs:
        if sign.loinc not in last or sign.time > last[sign.loinc].time:
            last[sign.loinc] = sign
    return last


def french_value(value: Decimal, unit: str) -> str:
    """A measurement as staff read it: decimal comma and a readable unit."""
    number = format(value.normalize(), "f").replace(".", ",")
    return f"{number} {_UNIT_LABELS.get(unit, unit)}"


def add_vital_signs(body: Element, signs: tuple[VitalSign, ...], ids: IdMinter) -> None:
    """The last value of each vital sign, the five FLUDT ones always present."""
    section, narrative = new_section(body, SPEC, "Derniers signes vitaux", ids)
    last = latest(signs)
    codes = list(FLUDT_VITAL_SIGNS) + sorted(set(last) - set(FLUDT_VITAL_SIGNS))
    rows = narrative.table(("Signe vital", "Valeur", "Mesuré le"))
    organizer = sub(entry(section), "organizer", classCode="CLUSTER", moodCode="EVN")
    for root in _ORGANIZER_TEMPLATES:
        sub(organizer, "templateId", root=root)
    ids.add(organizer)
    coded(organizer, "code", VITAL_SIGNS_PANEL)
    sub(organizer, "statusCode", code="completed")
    newest = max((sign.time for sign in last.values()), default=None)
    time_element(organizer, "effectiveTime", newest)
    for loinc in codes:
        known = VITAL_SIGNS.get(loinc)
        code = known.code if known else Code(loinc, LOINC, loinc)
        sign = last.get(loinc)
        if sign is None:
            reference = narrative.row(rows, code.display, "non mesuré", "")
        else:
            reference = narrative.row(rows, code.display, french_value(sign.value, sign.unit),
                                      sign.time.strftime("%d/%m/%Y à %Hh%M"))
        observation = sub(sub(organizer, "component", typeCode="COMP"), "observation",
                          classCode="OBS", moodCode="EVN")
        for root in _OBSERVATION_TEMPLATES:
            sub(observation, "templateId", root=root)
        ids.add(observation)
        coded(observation, "code", code)
        text_reference(observation, reference)
        sub(observation, "statusCode", code="completed")
        time_element(observation, "effectiveTime", sign.time if sign else None)
        if sign is None:
            sub(observation, "value", xsi_type="PQ", nullFlavor="NAV")
        else:
            sub(observation, "value", xsi_type="PQ", value=format(sign.value, "f"),
                unit=sign.unit)
