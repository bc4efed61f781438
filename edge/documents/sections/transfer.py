"""FLUDT section "Transfert du résident de l'EHPAD vers le service des urgences" (42545-4).

Holds the reason for the transfer (57277-6) and the planned transfer itself (80413-8, in
intent mood: the sheet is written before the resident leaves) with its destination.
"""

from __future__ import annotations

from edge.documents.cda import Element, IdMinter, address, coded, sub, telecom, timestamp
from edge.documents.codes import HOSPITAL_FACILITY, ID_NAT_STRUCT, LOINC, Code
from edge.documents.model import Transfer
from edge.documents.sections.common import entry, french_time, new_section, text_reference
from edge.documents.sections.observations import EVENTS_SPEC, simple_observation

TRANSFER_REASON = Code("57277-6", LOINC, "Motif du transfert vers le service des urgences")
PATIENT_TRANSFER = Code("80413-8", LOINC, "Transfert du patient")


def add_transfer_event(body: Element, transfer: Transfer, ids: IdMinter) -> None:
    """Why, when and where the resident is transferred."""
    section, narrative = new_section(
        body, EVENTS_SPEC, "Transfert du résident de l'EHPAD vers le service des urgences", ids)
    rows = narrative.table(("Transfert", "Précision"))
    reason = narrative.labelled(rows, "Motif", transfer.reason)
    narrative.labelled(rows, "Départ", french_time(transfer.departure))
    destination = narrative.labelled(rows, "Etablissement", transfer.destination.name)
    observation = simple_observation(section, ids, TRANSFER_REASON, reason,
                                     time=transfer.departure)
    value = sub(observation, "value", xsi_type="CD")
    sub(value, "originalText", transfer.reason)

    act = sub(entry(section), "act", classCode="ACT", moodCode="INT")
    sub(act, "templateId", root="1.3.6.1.4.1.19376.1.5.3.1.1.25.1.4.1")
    sub(act, "templateId", root="1.2.250.1.213.1.1.3.28")
    ids.add(act)
    coded(act, "code", PATIENT_TRANSFER)
    text_reference(act, destination)
    sub(act, "statusCode", code="normal")
    sub(sub(act, "effectiveTime"), "low", value=timestamp(transfer.departure))
    facility = transfer.destination
    role = sub(sub(act, "participant", typeCode="DST"), "participantRole", classCode="SDLOC")
    if facility.finess:
        sub(role, "id", root=ID_NAT_STRUCT, extension=f"1{facility.finess}")
    coded(role, "code", facility.facility_type or HOSPITAL_FACILITY)
    address(role, facility.address)
    telecom(role, facility.telephone)
    sub(sub(role, "playingEntity", classCode="ENT"), "name", facility.name)
