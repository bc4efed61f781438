"""The IHE DSG signature of an ITI-41 submission: the signature document and its XDS entry.

The DMP expects each submission to carry a signature document (NATIONAL.md §2.2): an enveloping
XML-DSig whose ``ds:Manifest`` holds one ``ds:Reference`` per document of the submission (URI = the
document's uniqueId, SHA-256 of its bytes) and whose ``ds:SignatureProperties`` state the purpose
(``1.2.840.10065.1.12.1.14``, Source, as a XAdES CommitmentTypeIndication) and the time of the
signature (XAdES SigningTime); ``ds:SignedInfo`` signs the
Manifest and the properties (exclusive c14n, RSA-SHA256) with the home's certificate and key — the
same certificat de cachet that signs the VIHF (`sync.dmp.vihf`). The signature travels as its own
DocumentEntry (class, type, format and event codes of IHE DSG), MTOM part, a HasMember from the
SubmissionSet and a ``signs`` Association to the SubmissionSet.

Why here and not in `edge`: the signature needs the home's private key and its entry's hash and
size exist only once the bytes are signed, so it is made at sending time by the DMP adapter; edge
keeps the document's metadata (held once, no keys) and only names the ``signs`` association type.
The MSSanté `METADATA.XML` carries no signature.

Idempotent: the signing time is the SubmissionSet's submissionTime (when the document was handed
to the outbox) and the ids derive from the document's uniqueId and the signing certificate, and
RSA PKCS#1 v1.5 is deterministic — so re-sending after a crash sends byte-identical signatures
under the same uniqueId, and the DMP's "already there" still applies. A renewed certificate gives
a new signature document (new uniqueId), never a clash of contents under one id. This is plain
XML-DSig in the DSG layout, not XAdES-BES: signxml's XAdES signer draws random Ids and reads the
clock, which would break that property.
"""

from __future__ import annotations

import base64
import hashlib
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

from cryptography.hazmat.primitives import hashes
from lxml import etree
from signxml import (
    CanonicalizationMethod,
    DigestAlgorithm,
    SignatureConstructionMethod,
    SignatureMethod,
    SignatureReference,
    XMLSigner,
)
from signxml.util import SigningSettings

from edge import Association, AssociationType, Author, CodedValue, DocumentEntry, DocumentMetadata
from sync.dmp.vihf import DS, SigningIdentity

SIGNATURE_CLASS = CodedValue("urn:oid:1.3.6.1.4.1.19376.1.2.1.1.1", "URN", "Digital Signature")
SIGNATURE_TYPE = CodedValue("E1762", "ASTM", "Full Document")
SIGNATURE_FORMAT = CodedValue("http://www.w3.org/2000/09/xmldsig#", "URN",
                              "Default Signature Style")
SOURCE_PURPOSE = CodedValue("1.2.840.10065.1.12.1.14", "1.2.840.10065.1.12", "Source")
SIGNATURE_MIME_TYPE = "text/xml"
SIGNATURE_TITLE = "Signature du lot de soumission"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
# The purpose and time are written with the XAdES vocabulary (as IHE DSG states them).
XADES = "http://uri.etsi.org/01903/v1.3.2#"
MANIFEST_TYPE = "http://www.w3.org/2000/09/xmldsig#Manifest"
PROPERTIES_TYPE = "http://www.w3.org/2000/09/xmldsig#SignatureProperties"
MANIFEST_ID = "dsg-manifest"
PROPERTIES_ID = "dsg-properties"
PURPOSE_ID = "purposeOfSignature"
TIME_ID = "signatureTimestamp"
_OID = re.compile(r"[0-2](\.(0|[1-9][0-9]*))+")
_DSG_NAMESPACE = uuid.UUID("6f1d8a3e-2c47-4b9a-8e15-d0b3c7a94f62")


@dataclass(frozen=True, slots=True)
class SignedSubmission:
    """The signature document of a submission: its entry, its associations and its bytes."""

    entry: DocumentEntry
    associations: tuple[Association, ...]
    content: bytes


def document_uri(unique_id: str) -> str:
    """The Manifest Reference URI of a document: ``urn:oid:<uniqueId>`` (escaped if not an OID)."""
    if _OID.fullmatch(unique_id):
        return f"urn:oid:{unique_id}"
    return "urn:oid:" + quote(unique_id, safe=".")


def sha256_digest(data: bytes) -> str:
    """A Manifest DigestValue: base64 of the SHA-256 of the bytes."""
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def _ds(parent: etree._Element, tag: str, **attrs: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{DS}}}{tag}", attrs)


def _iso(xds_time: str) -> str:
    return datetime.strptime(xds_time, "%Y%m%d%H%M%S").replace(tzinfo=UTC).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def _objects(documents: Sequence[tuple[str, bytes]], signature_id: str,
             signing_time: str) -> etree._Element:
    """The two ds:Object of the signature (SignatureProperties, Manifest) in a holder element."""
    holder = etree.Element(f"{{{DS}}}Signature", nsmap={"ds": DS})
    properties = _ds(_ds(holder, "Object"), "SignatureProperties", Id=PROPERTIES_ID)
    purpose = _ds(properties, "SignatureProperty", Id=PURPOSE_ID, Target=f"#{signature_id}")
    indication = etree.SubElement(purpose, f"{{{XADES}}}CommitmentTypeIndication",
                                  nsmap={"xades": XADES})
    commitment = etree.SubElement(indication, f"{{{XADES}}}CommitmentTypeId")
    etree.SubElement(commitment, f"{{{XADES}}}Identifier").text = \
        f"urn:oid:{SOURCE_PURPOSE.code}"
    etree.SubElement(commitment, f"{{{XADES}}}Description").text = SOURCE_PURPOSE.display
    etree.SubElement(indication, f"{{{XADES}}}AllSignedDataObjects")
    moment = _ds(properties, "SignatureProperty", Id=TIME_ID, Target=f"#{signature_id}")
    etree.SubElement(moment, f"{{{XADES}}}SigningTime", nsmap={"xades": XADES}).text = signing_time
    manifest = _ds(_ds(holder, "Object"), "Manifest", Id=MANIFEST_ID)
    for unique_id, data in documents:
        reference = _ds(manifest, "Reference", URI=document_uri(unique_id))
        _ds(reference, "DigestMethod", Algorithm=SHA256)
        _ds(reference, "DigestValue").text = sha256_digest(data)
    return holder


def sign_documents(documents: Sequence[tuple[str, bytes]], identity: SigningIdentity, *,
                   signature_id: str, signing_time: str) -> bytes:
    """The DSG signature document over ``(uniqueId, bytes)`` pairs, as UTF-8 XML bytes.

    :param signing_time: an ``xs:dateTime`` in UTC (the signature's stated time).
    """
    holder = _objects(documents, signature_id, signing_time)
    types = {f"#{MANIFEST_ID}": MANIFEST_TYPE, f"#{PROPERTIES_ID}": PROPERTIES_TYPE}

    def enclose(sig_root: etree._Element, signing_settings: SigningSettings) -> None:
        # Runs after KeyInfo is added and before SignedInfo is signed: the Reference Types are
        # signed, the Objects (digested from the holder, exclusive c14n) move into the Signature.
        sig_root.set("Id", signature_id)
        for reference in sig_root.iterfind(f"{{{DS}}}SignedInfo/{{{DS}}}Reference"):
            reference.set("Type", types[reference.get("URI", "")])
        for ds_object in list(holder):
            sig_root.append(ds_object)

    signer = XMLSigner(method=SignatureConstructionMethod.detached,
                       signature_algorithm=SignatureMethod.RSA_SHA256,
                       digest_algorithm=DigestAlgorithm.SHA256,
                       c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0)
    signer.signature_annotators.append(enclose)
    signature: etree._Element = signer.sign(
        holder, key=identity.key, cert=identity.cert_pem.decode(), id_attribute="Id",
        reference_uri=[SignatureReference(URI=f"#{MANIFEST_ID}"),
                       SignatureReference(URI=f"#{PROPERTIES_ID}")])
    return etree.tostring(signature, xml_declaration=True, encoding="UTF-8")


def _stable(*parts: str) -> uuid.UUID:
    return uuid.uuid5(_DSG_NAMESPACE, "|".join(parts))


def sign_submission(metadata: DocumentMetadata, content: bytes,
                    identity: SigningIdentity) -> SignedSubmission:
    """The signature of a one-document submission, with its DocumentEntry and associations.

    Everything derives from the metadata, the document's bytes and the certificate: the same
    inputs give the same signature, byte for byte.
    """
    entry = metadata.entry
    submission = metadata.submission_set
    fingerprint = identity.certificate.fingerprint(hashes.SHA256()).hex()
    seed = (entry.unique_id, "dsg", fingerprint)
    signature_id = f"dsg-{_stable(*seed, 'signature').hex}"
    data = sign_documents([(entry.unique_id, content)], identity, signature_id=signature_id,
                          signing_time=_iso(submission.submission_time))
    entry_uuid = f"urn:uuid:{_stable(*seed, 'entry')}"
    signature_entry = DocumentEntry(
        entry_uuid=entry_uuid, unique_id=f"2.25.{_stable(*seed, 'unique-id').int}",
        title=SIGNATURE_TITLE, class_code=SIGNATURE_CLASS, type_code=SIGNATURE_TYPE,
        format_code=SIGNATURE_FORMAT, confidentiality_codes=entry.confidentiality_codes,
        healthcare_facility_type_code=entry.healthcare_facility_type_code,
        practice_setting_code=entry.practice_setting_code, language_code=entry.language_code,
        creation_time=submission.submission_time, service_start_time=entry.service_start_time,
        service_stop_time=entry.service_stop_time, patient_id=entry.patient_id,
        source_patient_id=entry.source_patient_id, source_patient_info=entry.source_patient_info,
        authors=(Author(institution=submission.author.institution),), legal_authenticator=None,
        mime_type=SIGNATURE_MIME_TYPE, hash=hashlib.sha1(data, usedforsecurity=False).hexdigest(),
        size=len(data), event_codes=(SOURCE_PURPOSE,))
    associations = (
        Association(f"urn:uuid:{_stable(*seed, 'has-member')}", AssociationType.HAS_MEMBER,
                    submission.entry_uuid, entry_uuid, "Original"),
        Association(f"urn:uuid:{_stable(*seed, 'signs')}", AssociationType.SIGNS, entry_uuid,
                    submission.entry_uuid))
    return SignedSubmission(signature_entry, associations, data)

