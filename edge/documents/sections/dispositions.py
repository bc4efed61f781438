"""DLU section "Etablissement de santé de préférence" (FR-Dispositions, 11302-7)."""

from __future__ import annotations

from edge.documents.cda import Element, IdMinter, address, coded, sub, telecom
from edge.documents.codes import ID_NAT_STRUCT, LOINC, Code
from edge.documents.model import Facility
from edge.documents.sections.common import SectionSpec, entry, new_section, text_reference

PREFERRED_FACILITY = Code("11302-7", LOINC, "Etablissement de santé de préférence")
SPEC = SectionSpec(("1.3.6.1.4.1.19376.1.5.3.1.1.13.2.10", "1.2.250.1.213.1.1.2.172"),
                   PREFERRED_FACILITY, "preference", with_id=False)


def add_preferred_hospital(body: Element, hospital: Facility | None, ids: IdMinter) -> None:
    """The hospital the resident prefers, or a sentence saying none was chosen."""
    section, narrative = new_section(body, SPEC, "Etablissement de santé de préférence", ids)
    if hospital is None:
        reference = narrative.paragraph("Aucun établissement de santé de préférence indiqué.")
    else:
        lines = [hospital.name]
        if hospital.address is not None:
            lines.append(f"{hospital.address.street}, {hospital.address.postal_code} "
                         f"{hospital.address.city}")
        if hospital.telephone:
            lines.append(f"Tél. {hospital.telephone}")
        reference = narrative.paragraph(" — ".join(lines))
    act = sub(entry(section), "act", classCode="ACT", moodCode="INT")
    sub(act, "templateId", root="1.3.6.1.4.1.19376.1.5.3.1.1.10.4.2")
    sub(act, "templateId", root="1.2.250.1.213.1.1.3.97")
    ids.add(act)
    coded(act, "code", PREFERRED_FACILITY)
    text_reference(act, reference)
    sub(act, "statusCode", code="normal")
    sub(act, "effectiveTime", nullFlavor="NAV")
    if hospital is not None:
        participant = sub(act, "participant", typeCode="DST")
        sub(participant, "time", nullFlavor="NAV")
        role = sub(participant, "participantRole", classCode="ROL")
        if hospital.finess:
            sub(role, "id", root=ID_NAT_STRUCT, extension=f"1{hospital.finess}")
        address(role, hospital.address)
        telecom(role, hospital.telephone)
        sub(sub(role, "playingEntity"), "name", hospital.name)
