"""Medication sections: the DLU's current treatments and the FLUDT's last usual intake (10160-0).

With no recorded treatment the DLU section still holds one entry whose code says either
"no current treatment" (a person checked) or "no information" (JDV_AbsentOrUnknownMedication).
"""

from __future__ import annotations

from datetime import datetime

from edge.documents.cda import Element, IdMinter, coded, day, sub, timestamp
from edge.documents.codes import ABSENT_OR_UNKNOWN, CIS, LOINC, Code
from edge.documents.model import Treatment
from edge.documents.sections.common import (
    SectionSpec,
    entry,
    french_day,
    french_time,
    new_section,
    text_reference,
)

SPEC = SectionSpec(("2.16.840.1.113883.10.20.1.8", "1.3.6.1.4.1.19376.1.5.3.1.3.19",
                    "1.2.250.1.213.1.1.2.143"),
                   Code("10160-0", LOINC, "Historique de la prise médicamenteuse"), "traitement")
NO_KNOWN_MEDICATION = Code("no-known-medications", ABSENT_OR_UNKNOWN,
                           "Pas de traitement médicamenteux connu")
NO_MEDICATION_INFO = Code("no-medication-info", ABSENT_OR_UNKNOWN,
                          "Pas d'information sur les traitements médicamenteux")
_ENTRY_TEMPLATES = ("2.16.840.1.113883.10.20.1.24", "1.3.6.1.4.1.19376.1.5.3.1.4.7",
                    "1.2.250.1.213.1.1.3.42", "1.3.6.1.4.1.19376.1.5.3.1.4.7.1")
_PRODUCT_TEMPLATES = ("2.16.840.1.113883.10.20.1.53", "1.3.6.1.4.1.19376.1.5.3.1.4.7.2",
                      "1.2.250.1.213.1.1.3.43")


def add_treatments(body: Element, treatments: tuple[Treatment, ...], none_current: bool,
                   ids: IdMinter) -> None:
    """The resident's current treatments (DLU), or one entry saying there is none / unknown."""
    section, narrative = new_section(body, SPEC, "Traitements en cours", ids)
    if not treatments:
        absent = NO_KNOWN_MEDICATION if none_current else NO_MEDICATION_INFO
        reference = narrative.paragraph(absent.display + ".")
        administration = _administration(section, ids, "INT", reference, absent)
        _product(administration, None, None)
        return
    rows = narrative.table(("Médicament", "Posologie", "Début", "Fin"))
    for treatment in treatments:
        reference = narrative.row(rows, treatment.label, treatment.dosage,
                                  french_day(treatment.start), french_day(treatment.end))
        administration = _administration(section, ids, "INT", reference, None)
        if treatment.start is not None or treatment.end is not None:
            period = sub(administration, "effectiveTime", xsi_type="IVL_TS")
            for bound, value in (("low", treatment.start), ("high", treatment.end)):
                if value is None:
                    sub(period, bound, nullFlavor="UNK")
                else:
                    sub(period, bound, value=day(value))
        _product(administration, treatment, reference)


def add_last_intake(body: Element, last_intake: datetime | None, ids: IdMinter) -> None:
    """When the resident last took the usual treatment (FLUDT)."""
    section, narrative = new_section(
        body, SPEC, "Date et heure de la dernière prise du traitement habituel", ids)
    reference = narrative.paragraph(
        f"Dernière prise du traitement habituel : {french_time(last_intake)}.")
    administration = _administration(section, ids, "EVN", reference, None)
    if last_intake is not None:
        period = sub(administration, "effectiveTime", xsi_type="IVL_TS")
        sub(period, "low", value=timestamp(last_intake))
        sub(period, "high", value=timestamp(last_intake))
    _product(administration, None, None)


def _administration(section: Element, ids: IdMinter, mood: str, reference: str,
                    absent: Code | None) -> Element:
    administration = sub(entry(section), "substanceAdministration", classCode="SBADM",
                         moodCode=mood)
    for root in _ENTRY_TEMPLATES:
        sub(administration, "templateId", root=root)
    ids.add(administration)
    if absent is not None:
        coded(administration, "code", absent)
    text_reference(administration, reference)
    sub(administration, "statusCode", code="completed")
    return administration


def _product(administration: Element, treatment: Treatment | None,
             reference: str | None) -> None:
    product = sub(sub(administration, "consumable"), "manufacturedProduct")
    for root in _PRODUCT_TEMPLATES:
        sub(product, "templateId", root=root)
    material = sub(product, "manufacturedMaterial")
    if treatment is None:
        sub(material, "code", nullFlavor="NA")
        sub(material, "name", nullFlavor="NA")
        return
    if treatment.cis_code:
        code = sub(material, "code", code=treatment.cis_code, codeSystem=CIS,
                   displayName=treatment.label)
    else:
        code = sub(material, "code", nullFlavor="OTH")
    sub(sub(code, "originalText"), "reference", value=reference)
    sub(material, "name", treatment.label)
