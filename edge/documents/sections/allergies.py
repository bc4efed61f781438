"""DLU section "Allergies et hypersensibilités" (48765-2).

With no recorded allergy the section still holds one allergy entry whose value says either
"no known allergy" (a person checked) or "no information" (value set JDV_AbsentOrUnknownAllergy).
"""

from __future__ import annotations

from datetime import date

from edge.documents.cda import Element, IdMinter, coded, day, sub
from edge.documents.codes import ABSENT_OR_UNKNOWN, LOINC, AllergyKind, Code
from edge.documents.model import Allergy
from edge.documents.sections.common import (
    SectionSpec,
    entry,
    french_day,
    new_section,
    text_reference,
)

SPEC = SectionSpec(("2.16.840.1.113883.10.20.1.2", "1.3.6.1.4.1.19376.1.5.3.1.3.13",
                    "1.2.250.1.213.1.1.2.137"),
                   Code("48765-2", LOINC, "Allergies et hypersensibilités"), "allergie")
NO_KNOWN_ALLERGY = Code("no-known-allergies", ABSENT_OR_UNKNOWN,
                        "Pas d'allergie/hypersensibilité connue")
NO_ALLERGY_INFO = Code("no-allergy-info", ABSENT_OR_UNKNOWN,
                       "Pas d'information sur les allergies/hypersensibilités")
_CONCERN_TEMPLATES = ("2.16.840.1.113883.10.20.1.27", "1.3.6.1.4.1.19376.1.5.3.1.4.5.1",
                      "1.3.6.1.4.1.19376.1.5.3.1.4.5.3", "1.2.250.1.213.1.1.3.40")
_ALLERGY_TEMPLATES = ("2.16.840.1.113883.10.20.1.18", "2.16.840.1.113883.10.20.1.28",
                      "1.3.6.1.4.1.19376.1.5.3.1.4.5", "1.3.6.1.4.1.19376.1.5.3.1.4.6",
                      "1.2.250.1.213.1.1.3.41")


def add_allergies(body: Element, allergies: tuple[Allergy, ...], none_known: bool,
                  ids: IdMinter) -> None:
    """The resident's allergies, or an entry saying there is none known / no information."""
    section, narrative = new_section(body, SPEC, "Allergies et hypersensibilités", ids)
    concern = sub(entry(section), "act", classCode="ACT", moodCode="EVN")
    for root in _CONCERN_TEMPLATES:
        sub(concern, "templateId", root=root)
    ids.add(concern)
    sub(concern, "code", nullFlavor="NA")
    sub(concern, "statusCode", code="active")
    sub(sub(concern, "effectiveTime"), "low", nullFlavor="UNK")
    if not allergies:
        absent = NO_KNOWN_ALLERGY if none_known else NO_ALLERGY_INFO
        reference = narrative.paragraph(absent.display + ".")
        _allergy(concern, ids, AllergyKind.OTHER.value, reference, since=None, absent=absent)
        return
    rows = narrative.table(("Agent", "Type", "Réaction", "Depuis"))
    for allergy in allergies:
        reference = narrative.row(rows, allergy.agent, allergy.kind.value.display,
                                  allergy.reaction or "", french_day(allergy.since))
        _allergy(concern, ids, allergy.kind.value, reference, since=allergy.since,
                 absent=None)


def _allergy(concern: Element, ids: IdMinter, kind: Code, reference: str, *,
             since: date | None, absent: Code | None) -> None:
    relationship = sub(concern, "entryRelationship", typeCode="SUBJ", inversionInd="false")
    observation = sub(relationship, "observation", classCode="OBS", moodCode="EVN")
    for root in _ALLERGY_TEMPLATES:
        sub(observation, "templateId", root=root)
    ids.add(observation)
    coded(observation, "code", kind)
    text_reference(observation, reference)
    sub(observation, "statusCode", code="completed")
    period = sub(observation, "effectiveTime")
    if since is None:
        sub(period, "low", nullFlavor="UNK")
    else:
        sub(period, "low", value=day(since))
    value = (sub(observation, "value", xsi_type="CD") if absent is None
             else coded(observation, "value", absent, xsi_type="CD"))
    sub(sub(value, "originalText"), "reference", value=reference)
    if absent is None:
        role = sub(sub(observation, "participant", typeCode="CSM"), "participantRole",
                   classCode="MANU")
        material = sub(role, "playingEntity", classCode="MMAT")
        agent = sub(material, "code", nullFlavor="OTH")
        sub(sub(agent, "originalText"), "reference", value=reference)
