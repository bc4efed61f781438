"""DLU sections on end-of-life wishes: palliative care (18776-5) and advance directives (42348-3).

The directives section is required: it always states whether written directives exist
(yes, no, or not known), then each directive the record holds.
"""

from __future__ import annotations

from edge.documents.cda import Element, IdMinter, coded, sub
from edge.documents.codes import DIRECTIVES_WRITTEN, LOINC, SNOMED, Code, DirectiveKind
from edge.documents.model import AdvanceDirective
from edge.documents.sections.common import (
    SectionSpec,
    bool_value,
    entry,
    new_section,
    text_reference,
    yes_no,
)

PALLIATIVE_SPEC = SectionSpec(("2.16.840.1.113883.10.20.1.10", "1.3.6.1.4.1.19376.1.5.3.1.3.36",
                               "1.2.250.1.213.1.1.2.158"),
                              Code("18776-5", LOINC, "Plan de soins"), "palliatif",
                              with_id=False)
DIRECTIVES_SPEC = SectionSpec(("2.16.840.1.113883.10.20.1.1", "1.3.6.1.4.1.19376.1.5.3.1.3.34",
                               "1.3.6.1.4.1.19376.1.5.3.1.3.35", "1.2.250.1.213.1.1.2.157"),
                              DIRECTIVES_WRITTEN, "directive")
PALLIATIVE_CARE = Code("103735009", SNOMED, "Soins palliatifs")
_DIRECTIVE_TEMPLATES = ("2.16.840.1.113883.10.20.1.17", "1.3.6.1.4.1.19376.1.5.3.1.4.13",
                        "1.3.6.1.4.1.19376.1.5.3.1.4.13.7", "1.2.250.1.213.1.1.3.54")
_PROCEDURE_TEMPLATES = ("1.3.6.1.4.1.19376.1.5.3.1.4.19", "2.16.840.1.113883.10.20.1.29",
                        "1.2.250.1.213.1.1.3.62")


def add_palliative_care(body: Element, palliative: bool | None, ids: IdMinter) -> None:
    """Whether the resident receives palliative care; left out when nobody has said."""
    if palliative is None:
        return
    section, narrative = new_section(body, PALLIATIVE_SPEC, "Soins palliatifs", ids)
    rows = narrative.table(("Plan de soins", "Réponse"))
    reference = narrative.row(rows, "Soins palliatifs", yes_no(palliative))
    procedure = sub(entry(section), "procedure", classCode="PROC", moodCode="EVN",
                    negationInd="false" if palliative else "true")
    for root in _PROCEDURE_TEMPLATES:
        sub(procedure, "templateId", root=root)
    ids.add(procedure)
    coded(procedure, "code", PALLIATIVE_CARE)
    text_reference(procedure, reference)
    sub(procedure, "statusCode", code="active")
    sub(procedure, "effectiveTime", nullFlavor="UNK")


def add_directives(body: Element, written: bool | None, location: str | None,
                   directives: tuple[AdvanceDirective, ...], ids: IdMinter) -> None:
    """Whether advance directives exist, where they are kept, and each recorded directive."""
    section, narrative = new_section(body, DIRECTIVES_SPEC, "Directives anticipées", ids)
    rows = narrative.table(("Directive", "Choix du résident", "Précision"))
    where = f"Conservées : {location}" if written and location else ""
    reference = narrative.row(rows, "Directives anticipées rédigées", yes_no(written), where)
    _observation(section, ids, DIRECTIVES_WRITTEN, reference, written, with_value=True)
    for directive in directives:
        kind = directive.kind.value
        reference = narrative.row(rows, kind.display, yes_no(directive.accepted),
                                  directive.note or "")
        _observation(section, ids, kind, reference, directive.accepted,
                     with_value=directive.kind is not DirectiveKind.OTHER)


def _observation(section: Element, ids: IdMinter, code: Code, reference: str,
                 value: bool | None, *, with_value: bool) -> None:
    observation = sub(entry(section), "observation", classCode="OBS", moodCode="EVN")
    for root in _DIRECTIVE_TEMPLATES:
        sub(observation, "templateId", root=root)
    ids.add(observation)
    coded(observation, "code", code)
    text_reference(observation, reference)
    sub(observation, "statusCode", code="completed")
    sub(observation, "effectiveTime", nullFlavor="UNK")
    if with_value:
        bool_value(observation, value)
