"""The two staff actions that produce documents: a transfer to hospital (DLU + FLUDT) and a PDF
added to a resident's file (N1).

Each one fills the model from the record, builds the CDA, runs the product's checks and queues
the documents for the national services through `queue.queue_document`; the transfer queues
its two documents in one transaction. The printable PDF is always available, even when the
checks refuse to queue (the paper goes with the resident; the reasons say what to complete).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from edge.documents.checks import check_document
from edge.documents.checks_body import DocumentKind
from edge.documents.codes import LOINC, Code
from edge.documents.dlu import build_dlu
from edge.documents.errors import AttachmentRefused, AttachmentTooLarge, DocumentIncomplete
from edge.documents.fludt import build_fludt
from edge.documents.from_record import new_context, read_record, staff_professional
from edge.documents.model import Attachment, CareHome, PatientIdentity, Transfer
from edge.documents.n1 import PDF_MAGIC, build_n1
from edge.documents.queue import VersionChain, queue_document
from edge.documents.xds import Recipient, Visibility
from edge.record import StaffUser
from edge.storage import Database

_LOGGER = logging.getLogger(__name__)
MAX_PDF_BYTES = 10 * 1024 * 1024
# Document types staff may give a PDF they add (value set J07, the ones an EHPAD files).
N1_TYPES: tuple[Code, ...] = (
    Code("11488-4", LOINC, "CR ou fiche de consultation ou de visite"),
    Code("57833-6", LOINC, "Prescription de produits de santé"),
    Code("57832-8", LOINC, "Prescription de soins"),
    Code("11502-2", LOINC, "CR d'examens biologiques"),
    Code("18748-4", LOINC, "CR d'imagerie médicale"),
    Code("34112-3", LOINC, "CR hospitalier (séjour)"),
    Code("11490-0", LOINC, "Lettre de liaison à la sortie d'un établissement de soins"),
    Code("34842-5", LOINC, "Grille d'évaluation médico-social"),
    Code("18776-5", LOINC, "Plan personnalisé de soins"),
    Code("89601-9", LOINC, "Certificat médical"),
    Code("51851-4", LOINC, "Document administratif"),
)
N1_TYPES_BY_CODE = {code.code: code for code in N1_TYPES}


@dataclass(frozen=True, slots=True)
class GeneratedDocument:
    """One generated document: its XML, whether it was queued (and as which row), or why not."""

    kind: DocumentKind
    xml: bytes
    document_id: str | None
    problems: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TransferDocuments:
    """The DLU and the FLUDT of one transfer."""

    dlu: GeneratedDocument
    fludt: GeneratedDocument

    @property
    def queued(self) -> bool:
        return self.dlu.document_id is not None and self.fludt.document_id is not None

    @property
    def problems(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.dlu.problems + self.fludt.problems))


def transfer_to_hospital(db: Database, resident_id: str, user: StaffUser, home: CareHome,
                         transfer: Transfer, now: datetime, tokens: tuple[uuid.UUID, uuid.UUID],
                         *, recipients: Sequence[Recipient] = (),
                         queue: bool = True) -> TransferDocuments:
    """Generate the DLU and FLUDT from the record and queue both (one transaction).

    When the checks refuse either document, nothing is queued and the problems say why; the
    XML is still returned so its PDF can be printed.

    :param tokens: two fresh random UUIDs naming the documents (the caller's randomness).
    """
    _, record = read_record(db, resident_id, user.id, home, now)
    author = staff_professional(user)
    dlu = build_dlu(record, new_context(author, now, tokens[0]))
    fludt = build_fludt(record, transfer, new_context(author, now, tokens[1]))
    problems = {kind: _problems(xml, kind, record.identity)
                for kind, xml in ((DocumentKind.DLU, dlu), (DocumentKind.FLUDT, fludt))}
    if not queue or any(problems.values()):
        return TransferDocuments(GeneratedDocument(DocumentKind.DLU, dlu, None,
                                                   problems[DocumentKind.DLU]),
                                 GeneratedDocument(DocumentKind.FLUDT, fludt, None,
                                                   problems[DocumentKind.FLUDT]))
    with db.write():
        ids = [queue_document(db, xml=xml, kind=kind, identity=record.identity,
                              care_home=home, resident_id=resident_id, author_id=user.id,
                              now=now, recipients=recipients)
               for kind, xml in ((DocumentKind.DLU, dlu), (DocumentKind.FLUDT, fludt))]
    _LOGGER.info("transfer of resident %s: DLU %s and FLUDT %s queued", resident_id, *ids)
    return TransferDocuments(GeneratedDocument(DocumentKind.DLU, dlu, ids[0]),
                             GeneratedDocument(DocumentKind.FLUDT, fludt, ids[1]))


def _problems(xml: bytes, kind: DocumentKind, identity: PatientIdentity) -> tuple[str, ...]:
    try:
        check_document(xml, kind, identity)
    except DocumentIncomplete as refused:
        return refused.problems
    return ()


def check_pdf(data: bytes) -> bytes:
    """The uploaded bytes when they are a PDF the appliance may send.

    :raises AttachmentTooLarge: above `MAX_PDF_BYTES`.
    :raises AttachmentRefused: not a PDF.
    """
    if len(data) > MAX_PDF_BYTES:
        raise AttachmentTooLarge(MAX_PDF_BYTES)
    if not data.startswith(PDF_MAGIC) or b"%%EOF" not in data[-2048:]:
        raise AttachmentRefused
    return data


def add_pdf_to_file(db: Database, resident_id: str, user: StaffUser, home: CareHome, *,
                    pdf: bytes, title: str, type_code: Code, now: datetime, token: uuid.UUID,
                    visibility: Sequence[Visibility] = (),
                    chain: VersionChain | None = None) -> GeneratedDocument:
    """Wrap an uploaded PDF in an N1 document and queue it for the DMP.

    :param chain: the document it corrects (RPLC), from `queue.version_chain`.
    :raises AttachmentRefused, AttachmentTooLarge: the file cannot be sent.
    :raises DocumentIncomplete: the checks refuse the document (reasons listed).
    """
    check_pdf(pdf)
    if not title.strip():
        raise DocumentIncomplete(("le titre du document manque",))
    _, record = read_record(db, resident_id, user.id, home, now)
    author = staff_professional(user)
    attachment = Attachment(title.strip(), type_code, pdf, now)
    xml = build_n1(record.identity, home, attachment,
                   new_context(author, now, token, chain=chain), record.attending_physician)
    document_id = queue_document(db, xml=xml, kind=DocumentKind.N1, identity=record.identity,
                                 care_home=home, resident_id=resident_id, author_id=user.id,
                                 now=now, visibility=visibility, replaces=chain)
    return GeneratedDocument(DocumentKind.N1, xml, document_id)
