"""Queueing a generated document for the national services, and reading it back for delivery.

`queue_document` runs the product's own checks, builds the XDS envelope, and stores the
document with one outbox row per destination through `edge.outbox.store_document` (one
transaction; rows of a non-qualified identity are written BLOCKED with the reason). A corrected
document replaces the previous version (RPLC) and keeps the chain: same setId, next version.
`load_document` gives a sync adapter the bytes and the envelope of a stored document.
This module does storage I/O; the rest of `edge.documents` is pure.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from edge.documents.cda import HL7
from edge.documents.checks import check_document
from edge.documents.checks_body import DocumentKind
from edge.documents.errors import DocumentIncomplete
from edge.documents.model import CareHome, IdentityStatus, InstanceId, PatientIdentity
from edge.documents.xds import (
    DocumentMetadata,
    Recipient,
    Replacement,
    Visibility,
    may_reach,
    metadata_from_json,
    metadata_to_json,
    mssante_recipients,
)
from edge.documents.xds_build import CDA_MIME_TYPE, build_metadata
from edge.errors import NotFound, RecordRejected
from edge.outbox import store_document
from edge.record import Destination
from edge.storage import Database

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class StoredDocument:
    """A stored document as a sync adapter needs it: its bytes and its XDS envelope."""

    id: str
    unique_id: str
    resident_id: str | None
    kind: DocumentKind
    media_type: str
    content: bytes
    metadata: DocumentMetadata
    version: int
    replaces_id: str | None
    created_at: str


@dataclass(frozen=True, slots=True)
class VersionChain:
    """Where a corrected document takes its place: the chain id, its version, what it replaces."""

    document_id: str
    set_id: InstanceId
    version: int
    replaces: InstanceId


def load_document(db: Database, document_id: str) -> StoredDocument:
    """The document and its metadata, opened from their sealed columns.

    :raises NotFound: no such document.
    :raises MetadataUnreadable: the stored envelope cannot be read by this version.
    """
    rows = db.query("SELECT * FROM documents WHERE id = ?", (document_id,))
    if not rows:
        raise NotFound("no such document")
    row = rows[0]
    keyring = db.keyring
    content = keyring.open(row["content"], "documents", "content", row["id"])
    metadata = metadata_from_json(keyring.open_json(row["metadata"], "documents", "metadata",
                                                    row["id"]))
    return StoredDocument(row["id"], row["unique_id"], row["resident_id"],
                          DocumentKind(row["kind"]), row["media_type"], content, metadata,
                          row["version"], row["replaces_id"], row["created_at"])


def version_chain(db: Database, document_id: str) -> VersionChain:
    """What a corrected version of `document_id` must carry (setId, version + 1, RPLC target).

    :raises NotFound: no such document.
    :raises RecordRejected: it was already replaced (correct the latest version instead).
    """
    if db.query("SELECT 1 FROM documents WHERE replaces_id = ?", (document_id,)):
        raise RecordRejected("Ce document a déjà été remplacé : corrigez sa dernière version.")
    old = load_document(db, document_id)
    root = etree.fromstring(old.content)
    set_id = root.find(f"{{{HL7}}}setId")
    if set_id is None:
        raise RecordRejected("Le document à remplacer n'a pas d'identifiant de version.")
    root_oid, _, extension = old.unique_id.partition("^")
    return VersionChain(old.id, InstanceId(set_id.get("root", ""), set_id.get("extension")),
                        old.version + 1, InstanceId(root_oid, extension or None))


def _replacement(db: Database, chain: VersionChain, xml: bytes) -> Replacement:
    old = load_document(db, chain.document_id)
    root = etree.fromstring(xml)
    parent = root.xpath("h:relatedDocument[@typeCode='RPLC']/h:parentDocument/h:id/@root",
                        namespaces={"h": HL7})
    version = root.find(f"{{{HL7}}}versionNumber")
    if parent != [chain.replaces.root] or version is None or (
            version.get("value") != str(chain.version)):
        raise DocumentIncomplete(("la nouvelle version ne désigne pas le document qu'elle "
                                  "remplace",))
    return Replacement(old.metadata.entry.unique_id, old.metadata.entry.entry_uuid)


def destinations_for(metadata: DocumentMetadata) -> tuple[Destination, ...]:
    """The DMP always (visibility travels as confidentiality codes); MSSanté when a recipient
    remains after the visibility rules."""
    if mssante_recipients(metadata):
        return (Destination.DMP, Destination.MSSANTE)
    return (Destination.DMP,)


def queue_document(db: Database, *, xml: bytes, kind: DocumentKind,
                   identity: PatientIdentity, care_home: CareHome, resident_id: str,
                   author_id: str | None, now: datetime,
                   visibility: Sequence[Visibility] = (),
                   recipients: Sequence[Recipient] = (),
                   replaces: VersionChain | None = None) -> str:
    """Check, envelope, store and queue a document; return the stored document's id.

    :param identity: the resident's identity as the record holds it now (the gate).
    :raises DocumentIncomplete: the product's checks refuse it (reasons in French).
    :raises IdentityNotShareable: it holds the matricule of a non-qualified identity.
    :raises RecordRejected: already stored, or a recipient breaks the visibility rules.
    """
    check_document(xml, kind, identity)
    replacement = _replacement(db, replaces, xml) if replaces is not None else None
    refused = [r for r in recipients if r not in
               mssante_recipients_for(visibility, recipients)]
    if refused:
        raise RecordRejected("La visibilité choisie pour ce document interdit de l'envoyer à : "
                             + ", ".join(r.address for r in refused) + ".")
    metadata = build_metadata(xml, kind, identity, care_home, submission_time=now,
                              visibility=visibility, recipients=recipients,
                              replaces=replacement)
    qualified = identity.status is IdentityStatus.QUAL and metadata.ins_shareable
    document_id = store_document(
        db, resident_id=resident_id, kind=kind.value, unique_id=metadata.entry.unique_id,
        media_type=CDA_MIME_TYPE, content=xml, metadata=metadata_to_json(metadata),
        author_id=author_id, destinations=destinations_for(metadata),
        identity_qualified=qualified,
        replaces_id=replaces.document_id if replaces is not None else None)
    _LOGGER.info("document %s (%s) queued, identity qualified: %s", document_id, kind.value,
                 qualified)
    return document_id


def mssante_recipients_for(visibility: Sequence[Visibility],
                           recipients: Sequence[Recipient]) -> tuple[Recipient, ...]:
    """The recipients a document of this visibility may be mailed to."""
    return tuple(r for r in recipients if may_reach(tuple(visibility), r))
