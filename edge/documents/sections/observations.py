"""Sections made of simple yes/no observations: the DLU resident state (42545-4), the DLU
multi-resistant bacteria result and the FLUDT consciousness and recent pain (both 30954-2).
"""

from __future__ import annotations

from datetime import datetime

from edge.documents.cda import Element, IdMinter, coded, sub, time_element
from edge.documents.codes import CIM10, LOINC, Code, Consciousness, PatientState
from edge.documents.model import StateObservation
from edge.documents.sections.common import (
    NOT_KNOWN,
    Narrative,
    SectionSpec,
    bool_value,
    entry,
    new_section,
    text_reference,
    yes_no,
)

EVENTS_SPEC = SectionSpec(("1.3.6.1.4.1.19376.1.5.3.1.1.21.2.9",
                           "1.3.6.1.4.1.19376.1.7.3.1.1.13.7", "1.2.250.1.213.1.1.2.163"),
                          Code("42545-4", LOINC, "Evènements observés"), "etat")
RESULTS_SPEC = SectionSpec(("1.3.6.1.4.1.19376.1.5.3.1.3.27", "1.3.6.1.4.1.19376.1.5.3.1.3.28",
                            "1.2.250.1.213.1.1.2.151"),
                           Code("30954-2", LOINC, "Résultats d'examens"), "resultat")
SIMPLE_OBSERVATION = ("1.3.6.1.4.1.19376.1.5.3.1.4.13", "1.2.250.1.213.1.1.3.48")
MULTIRESISTANT_BACTERIA = Code("U83.71", CIM10, "Bactérie multirésistante [BMR]")
PAIN = Code("R52.9", CIM10, "Douleur, sans précision")
_PROCEDURE_TEMPLATES = ("1.3.6.1.4.1.19376.1.5.3.1.4.19", "2.16.840.1.113883.10.20.1.29",
                        "1.2.250.1.213.1.1.3.62")


def simple_observation(section: Element, ids: IdMinter, code: Code, reference: str, *,
                       time: datetime | None = None, extra_template: str | None = None
                       ) -> Element:
    """Append an entry holding a FR-Simple-Observation (see `observation_under`)."""
    return observation_under(entry(section), ids, code, reference, time=time,
                             extra_template=extra_template)


def observation_under(parent: Element, ids: IdMinter, code: Code, reference: str, *,
                      time: datetime | None = None, extra_template: str | None = None
                      ) -> Element:
    """Append a FR-Simple-Observation up to its effective time (unknown when None)."""
    observation = sub(parent, "observation", classCode="OBS", moodCode="EVN")
    for root in SIMPLE_OBSERVATION:
        sub(observation, "templateId", root=root)
    if extra_template:
        sub(observation, "templateId", root=extra_template)
    ids.add(observation)
    coded(observation, "code", code)
    text_reference(observation, reference)
    sub(observation, "statusCode", code="completed")
    time_element(observation, "effectiveTime", time)
    return observation


def add_resident_state(body: Element, state: tuple[StateObservation, ...],
                       ids: IdMinter) -> None:
    """Every DLU state item (psychic state, impairments, moving, risks): yes, no or unknown."""
    section, narrative = new_section(
        body, EVENTS_SPEC, "Etat psychique, handicaps, déplacements et autres risques", ids)
    known = {item.state: item.present for item in state}
    rows = narrative.table(("Observation", "Réponse"))
    for item in PatientState:
        reference = narrative.row(rows, item.value.display, yes_no(known.get(item)))
        bool_value(simple_observation(section, ids, item.value, reference), known.get(item))


def _results_section(body: Element, title: str, first_line: str,
                     ids: IdMinter) -> tuple[Element, Narrative, str]:
    """The results section, its first line and its required FR-Acte entry (act not coded)."""
    section, narrative = new_section(body, RESULTS_SPEC, title, ids)
    reference = narrative.paragraph(first_line)
    procedure = sub(entry(section), "procedure", classCode="PROC", moodCode="EVN")
    for root in _PROCEDURE_TEMPLATES:
        sub(procedure, "templateId", root=root)
    ids.add(procedure)
    sub(procedure, "code", nullFlavor="NA")
    text_reference(procedure, reference)
    sub(procedure, "statusCode", code="completed")
    return section, narrative, reference


def add_multiresistant_bacteria(body: Element, carrier: bool | None, ids: IdMinter) -> None:
    """Whether the resident carries a multi-resistant bacterium (DLU)."""
    section, _, reference = _results_section(
        body, "Bactérie multirésistante (BMR)",
        f"Porteur d'une bactérie multirésistante : {yes_no(carrier)}", ids)
    bool_value(simple_observation(section, ids, MULTIRESISTANT_BACTERIA, reference), carrier)


def add_consciousness_and_pain(body: Element, consciousness: Consciousness | None,
                               pain: bool | None, pain_location: str | None,
                               ids: IdMinter) -> None:
    """State of consciousness and recent pain at transfer (FLUDT)."""
    label = consciousness.value.display if consciousness else NOT_KNOWN
    section, narrative, reference = _results_section(
        body, "Conscience et douleurs récentes", f"Etat de conscience : {label}", ids)
    if consciousness is not None:
        observation = simple_observation(section, ids, consciousness.value, reference)
        sub(observation, "value", xsi_type="BL", value="true")
    where = f" ({pain_location})" if pain and pain_location else ""
    reference = narrative.paragraph(f"Douleurs récentes : {yes_no(pain)}{where}")
    observation = simple_observation(section, ids, PAIN, reference)
    bool_value(observation, pain)
    if pain and pain_location:
        site = sub(observation, "targetSiteCode", nullFlavor="OTH")
        sub(site, "originalText", pain_location)
