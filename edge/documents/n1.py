"""CDA R2 level 1 ("N1") document wrapping a PDF a member of staff adds to a resident's file.

The body is a `nonXMLBody` holding the PDF in base64 (IHE XDS-SD); the header is the common
one, with the three templates the CI-SIS allows for such a document.
"""

from __future__ import annotations

import base64
import logging

from edge.documents.cda import serialise, sub
from edge.documents.errors import AttachmentRefused
from edge.documents.header import HeaderSpec, build_header
from edge.documents.model import (
    Attachment,
    CareHome,
    DocumentContext,
    InstanceId,
    PatientIdentity,
    Professional,
)

_LOGGER = logging.getLogger(__name__)
SCANNED_DOCUMENT_TEMPLATE = InstanceId("1.3.6.1.4.1.19376.1.2.20")
N1_FORMAT = "urn:ihe:iti:xds-sd:pdf:2008"
PDF_MAGIC = b"%PDF-"


def build_n1(identity: PatientIdentity, care_home: CareHome, attachment: Attachment,
             context: DocumentContext, attending_physician: Professional | None = None
             ) -> bytes:
    """The N1 CDA document carrying `attachment.pdf`.

    :raises AttachmentRefused: if the file is not a PDF.
    """
    if not attachment.pdf.startswith(PDF_MAGIC):
        raise AttachmentRefused
    spec = HeaderSpec((SCANNED_DOCUMENT_TEMPLATE,), attachment.type_code, attachment.title,
                      None, attachment.service_time)
    root = build_header(spec, identity, care_home, context,
                        attending_physician=attending_physician)
    body = sub(sub(root, "component"), "nonXMLBody")
    sub(body, "text", base64.b64encode(attachment.pdf).decode("ascii"),
        mediaType="application/pdf", representation="B64")
    xml = serialise(root)
    _LOGGER.debug("built a N1 of %s bytes", len(xml))
    return xml
