"""DLU section "Documents ajoutés" (55107-7): the checklist of annexes, PDFs embedded.

Every checklist item is listed with oui/non; each annexed PDF is an FR-Document-attache
entry whose type comes from JDV_ChecklistDLU and whose content is base64 in observationMedia.
"""

from __future__ import annotations

import base64

from edge.documents.cda import Element, IdMinter, coded, sub
from edge.documents.codes import LOINC, ChecklistItem, Code
from edge.documents.model import Annex
from edge.documents.sections.common import SectionSpec, entry, new_section
from edge.documents.sections.observations import observation_under

SPEC = SectionSpec(("1.2.250.1.213.1.1.2.37",), Code("55107-7", LOINC, "Documents ajoutés"),
                   "annexe")
ATTACHED_DOCUMENT = Code("55107-7", LOINC, "Document attaché")
DOCUMENT_TYPE = Code("69764-9", LOINC, "Type de document")


def add_annexes(body: Element, annexes: tuple[Annex, ...], ids: IdMinter) -> None:
    """The DLU checklist with each annexed PDF embedded."""
    section, narrative = new_section(body, SPEC, "Documents annexés au DLU", ids)
    attached = {annex.item: (index, annex) for index, annex in enumerate(annexes, start=1)}
    rows = narrative.table(("Document", "Annexé au DLU"))
    references: dict[ChecklistItem, str] = {}
    for item in ChecklistItem:
        row = sub(rows, "tr")
        references[item] = narrative.content(sub(row, "td"), item.value.display)
        cell = sub(row, "td", "oui" if item in attached else "non")
        if item in attached:
            sub(cell, "renderMultiMedia", referencedObject=f"annexe-media-{attached[item][0]}")
    for item, (index, annex) in attached.items():
        organizer = sub(entry(section), "organizer", classCode="CLUSTER", moodCode="EVN")
        sub(organizer, "templateId", root="1.2.250.1.213.1.1.3.18")
        ids.add(organizer)
        coded(organizer, "code", ATTACHED_DOCUMENT)
        sub(organizer, "statusCode", code="completed")
        component = sub(organizer, "component")
        kind = observation_under(component, ids, DOCUMENT_TYPE, references[item],
                                 extra_template="1.2.250.1.213.1.1.3.48.18")
        coded(kind, "value", item.value, xsi_type="CD")
        media = sub(sub(organizer, "component"), "observationMedia", classCode="OBS",
                    moodCode="EVN", ID=f"annexe-media-{index}")
        sub(media, "value", base64.b64encode(annex.pdf).decode("ascii"),
            mediaType="application/pdf", representation="B64")
