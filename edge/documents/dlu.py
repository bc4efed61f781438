"""The DLU 2022.01 (Dossier de Liaison d'Urgence, CI-SIS model DLU-EHPAD-DLU) as CDA R2 XML."""

from __future__ import annotations

import logging

from edge.documents.cda import IdMinter, serialise, sub
from edge.documents.codes import LOINC, Code
from edge.documents.header import HeaderSpec, build_header
from edge.documents.model import DocumentContext, InstanceId, ResidentRecord
from edge.documents.sections.allergies import add_allergies
from edge.documents.sections.annexes import add_annexes
from edge.documents.sections.comments import add_comments
from edge.documents.sections.directives import add_directives, add_palliative_care
from edge.documents.sections.dispositions import add_preferred_hospital
from edge.documents.sections.medication import add_treatments
from edge.documents.sections.observations import (
    add_multiresistant_bacteria,
    add_resident_state,
)

_LOGGER = logging.getLogger(__name__)
DLU_TEMPLATE = InstanceId("1.2.250.1.213.1.1.1.22", "2022.01")
DLU_CODE = Code("74207-2", LOINC, "Dossier de liaison d'urgence")
DLU_FORMAT = "urn:asip:ci-sis:dlu:2015"
DLU_TITLE = "DOCUMENT DE LIAISON D'URGENCE"
HISTORY_AND_PHYSICAL = Code("34117-2", LOINC, "Historique et clinique")


def build_dlu(record: ResidentRecord, context: DocumentContext) -> bytes:
    """The resident's DLU: header, then every section of the model, each saying when the
    record holds nothing for it. Run `checks.check_document` before queueing it."""
    spec = HeaderSpec((DLU_TEMPLATE,), DLU_CODE, DLU_TITLE, HISTORY_AND_PHYSICAL,
                      context.effective_time)
    root = build_header(spec, record.identity, record.care_home, context,
                        attending_physician=record.attending_physician,
                        physician_required=True, trusted_person=record.trusted_person,
                        emergency_contact=record.emergency_contact,
                        encounter_start=record.admission_date)
    body = sub(sub(root, "component"), "structuredBody")
    ids = IdMinter(context.document_id)
    add_preferred_hospital(body, record.preferred_hospital, ids)
    add_allergies(body, record.allergies, record.no_known_allergies, ids)
    add_treatments(body, record.treatments, record.no_current_treatment, ids)
    add_palliative_care(body, record.palliative_care, ids)
    add_directives(body, record.directives_written, record.directives_location,
                   record.directives, ids)
    add_resident_state(body, record.state, ids)
    add_multiresistant_bacteria(body, record.multiresistant_bacteria, ids)
    add_comments(body, record.transmissions, ids)
    add_annexes(body, record.annexes, ids)
    xml = serialise(root)
    _LOGGER.debug("built a DLU of %s bytes", len(xml))
    return xml
