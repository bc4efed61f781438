"""Documents for the national services: the DLU and its transfer sheet FLUDT (CI-SIS 2022.01),
the N1 CDA wrapping a PDF, their printable PDF, and the pre-send checks.

Pure code: values in, XML or PDF bytes out. Imports only the standard library, lxml and
reportlab.
"""

from __future__ import annotations

from edge.documents.checks import DocumentKind, check_document
from edge.documents.dlu import DLU_FORMAT, build_dlu
from edge.documents.errors import (
    AttachmentRefused,
    DocumentError,
    DocumentIncomplete,
    IdentityNotShareable,
)
from edge.documents.fludt import FLUDT_FORMAT, build_fludt
from edge.documents.model import (
    Address,
    AdvanceDirective,
    Allergy,
    Annex,
    Attachment,
    Belonging,
    CareHome,
    DocumentContext,
    Facility,
    IdentityStatus,
    Ins,
    InstanceId,
    PatientIdentity,
    Professional,
    RelatedPerson,
    ResidentRecord,
    StateObservation,
    Transfer,
    Transmission,
    Treatment,
    VitalSign,
)
from edge.documents.n1 import N1_FORMAT, build_n1
from edge.documents.pdf import render_pdf

__all__ = [
    "DLU_FORMAT",
    "FLUDT_FORMAT",
    "N1_FORMAT",
    "Address",
    "AdvanceDirective",
    "Allergy",
    "Annex",
    "Attachment",
    "AttachmentRefused",
    "Belonging",
    "CareHome",
    "DocumentContext",
    "DocumentError",
    "DocumentIncomplete",
    "DocumentKind",
    "Facility",
    "IdentityNotShareable",
    "IdentityStatus",
    "Ins",
    "InstanceId",
    "PatientIdentity",
    "Professional",
    "RelatedPerson",
    "ResidentRecord",
    "StateObservation",
    "Transfer",
    "Transmission",
    "Treatment",
    "VitalSign",
    "build_dlu",
    "build_fludt",
    "build_n1",
    "check_document",
    "render_pdf",
]
