"""The FLUDT 2022.01 (fiche de liaison d'urgence – transfert de l'EHPAD vers les urgences,
CI-SIS model DLU-EHPAD-FLUDT) as CDA R2 XML."""

from __future__ import annotations

import logging

from edge.documents.cda import IdMinter, serialise, sub
from edge.documents.codes import LOINC, Code
from edge.documents.header import HeaderSpec, build_header
from edge.documents.model import DocumentContext, InstanceId, ResidentRecord, Transfer
from edge.documents.sections.comments import add_comments
from edge.documents.sections.daily_life import add_belongings, add_last_meal
from edge.documents.sections.medication import add_last_intake
from edge.documents.sections.observations import add_consciousness_and_pain
from edge.documents.sections.transfer import add_transfer_event
from edge.documents.sections.vital_signs import add_vital_signs

_LOGGER = logging.getLogger(__name__)
FLUDT_TEMPLATE = InstanceId("1.2.250.1.213.1.1.1.23", "2022.01")
FLUDT_CODE = Code("74207-2", LOINC, "Dossier de liaison d'urgence")
FLUDT_FORMAT = "urn:asip:ci-sis:fludt:2017"
FLUDT_TITLE = "FICHE DE LIAISON D'URGENCE - TRANSFERT DE L'EHPAD VERS LES URGENCES"
TRANSFER_TO_EMERGENCY = Code("28651-8", LOINC, "Transfert du patient au service des urgences")


def build_fludt(record: ResidentRecord, transfer: Transfer, context: DocumentContext) -> bytes:
    """The transfer sheet that goes with the resident to the emergency department.

    Run `checks.check_document` before queueing it: the reason for the transfer and the
    state of consciousness must be known.
    """
    spec = HeaderSpec((FLUDT_TEMPLATE,), FLUDT_CODE, FLUDT_TITLE, TRANSFER_TO_EMERGENCY,
                      transfer.departure)
    root = build_header(spec, record.identity, record.care_home, context,
                        attending_physician=record.attending_physician,
                        trusted_person=record.trusted_person,
                        emergency_contact=record.emergency_contact,
                        encounter_start=record.admission_date)
    body = sub(sub(root, "component"), "structuredBody")
    ids = IdMinter(context.document_id)
    add_transfer_event(body, transfer, ids)
    add_vital_signs(body, record.vital_signs, ids)
    add_consciousness_and_pain(body, transfer.consciousness, transfer.recent_pain,
                               transfer.pain_location, ids)
    add_last_intake(body, transfer.last_treatment_time, ids)
    add_last_meal(body, transfer.last_meal_time, ids)
    add_belongings(body, transfer.belongings, transfer.departure, ids)
    add_comments(body, record.transmissions, ids, transfer.comment)
    xml = serialise(root)
    _LOGGER.debug("built a FLUDT of %s bytes", len(xml))
    return xml
