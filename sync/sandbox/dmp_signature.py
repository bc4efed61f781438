"""The sandbox DMP's check of a submission's IHE DSG signature (NATIONAL.md §2.10 item 7, and more).

Item 7 asks for a signature ExtrinsicObject and a ``signs`` Association to the SubmissionSet; the
sandbox goes further, as the DMP would: the signature entry carries the DSG type, format and event
codes and the patient of the submission, the SubmissionSet has it as a member, its MTOM part
matches its hash and size; the XML-DSig verifies against the test CA (which issued the home's
certificate) and was made with the same certificate as the VIHF; the verified Manifest names
exactly the documents of the submission, each with the SHA-256 of its bytes.

No DMP error catalogue for signatures is public, so the refusals carry named codes of our own
(`SIGNATURE_MISSING`, `SIGNATURE_INVALID`, `DIGEST_MISMATCH`) besides the XDS ones, in the
RegistryResponse like every other metadata finding.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.x509.verification import ExtensionPolicy
from lxml import etree
from signxml import SignatureConfiguration, SignatureMethod, XMLVerifier
from signxml.exceptions import InvalidInput, InvalidSignature

from edge import AssociationType
from sync.dmp.dsg import (
    SHA256,
    SIGNATURE_CLASS,
    SIGNATURE_FORMAT,
    SIGNATURE_MIME_TYPE,
    SIGNATURE_TYPE,
    SOURCE_PURPOSE,
    XADES,
    document_uri,
    sha256_digest,
)
from sync.dmp.response import RegistryError
from sync.dmp.vihf import DS
from sync.ebrs import DE_CLASS, DE_EVENT, DE_FORMAT, DE_PATIENT_ID, DE_TYPE, DE_UNIQUE_ID, RIM
from sync.sandbox.rim import classes, coding, external, slots
from sync.xml_safety import hardened_parser

SIGNATURE_MISSING = "DSGSignatureMissing"
SIGNATURE_INVALID = "DSGSignatureInvalid"
DIGEST_MISMATCH = "DSGDigestMismatch"
META = "XDSRegistryMetadataError"
REQUIRED_SLOTS = ("creationTime", "languageCode", "sourcePatientId", "hash", "size")
_CODES = (("typeCode", DE_TYPE, SIGNATURE_TYPE.code), ("formatCode", DE_FORMAT,
                                                       SIGNATURE_FORMAT.code),
          ("eventCodeList", DE_EVENT, SOURCE_PURPOSE.code))


@dataclass(frozen=True, slots=True)
class ReceivedSignature:
    """The signature document of a checked request, as the store registers it."""

    entry_uuid: str
    unique_id: str
    hash: str
    size: int
    content: bytes


@dataclass(frozen=True, slots=True)
class VerifiedSignature:
    """What a valid signature vouches for: its signer and the Manifest's digests by URI."""

    signer_subject: str
    digests: dict[str, str]


@dataclass(frozen=True, slots=True)
class Submission:
    """What the signature is checked against: the request's parts and the checked documents."""

    submission_set: str
    patient_id: str
    parts: dict[str, bytes]            # MTOM Content-ID → bytes
    part_of_entry: dict[str, str]      # entryUUID → Content-ID
    documents: dict[str, bytes]        # document uniqueId → bytes
    vihf_signer: str


def is_signature(objects: etree._Element, node: etree._Element) -> bool:
    """Whether an ExtrinsicObject is a DSG signature (by its classCode)."""
    return any(coding(c)[0] == SIGNATURE_CLASS.code
               for c in classes(objects, node.get("id", ""), DE_CLASS))


def verify_dsg(content: bytes, ca_pem: Path) -> VerifiedSignature:
    """Verify a DSG signature document against a CA; read its Manifest from what was verified.

    :raises ValueError: with the reason (signature, certificate, structure, purpose).
    """
    config = SignatureConfiguration(expect_references=2, location="./",
                                    signature_methods=frozenset({SignatureMethod.RSA_SHA256}))
    try:
        results = XMLVerifier().verify(
            content, ca_pem_file=str(ca_pem), id_attribute="Id", expect_config=config,
            parser=hardened_parser(), ee_policy=ExtensionPolicy.permit_all(),
            ca_policy=ExtensionPolicy.webpki_defaults_ca())
    except (InvalidSignature, InvalidInput, etree.XMLSyntaxError) as exc:
        raise ValueError(f"signature invalid: {exc}") from exc
    verified = results if isinstance(results, list) else [results]
    signed = {r.signed_xml.tag: r.signed_xml for r in verified
              if isinstance(r.signed_xml, etree._Element)}
    manifest = signed.get(f"{{{DS}}}Manifest")
    properties = signed.get(f"{{{DS}}}SignatureProperties")
    if manifest is None or properties is None:
        raise ValueError("the signature does not sign a Manifest and its SignatureProperties")
    purpose = properties.findtext(f".//{{{XADES}}}CommitmentTypeId/{{{XADES}}}Identifier")
    if (purpose or "").strip() != f"urn:oid:{SOURCE_PURPOSE.code}":
        raise ValueError("the signature's purpose is not Source (1.2.840.10065.1.12.1.14)")
    if properties.find(f".//{{{XADES}}}SigningTime") is None:
        raise ValueError("the signature does not state its time")
    digests: dict[str, str] = {}
    for reference in manifest.iterfind(f"{{{DS}}}Reference"):
        method = reference.find(f"{{{DS}}}DigestMethod")
        if method is None or method.get("Algorithm") != SHA256:
            raise ValueError("a Manifest reference is not SHA-256")
        digests[reference.get("URI", "")] = (reference.findtext(f"{{{DS}}}DigestValue") or "").strip()
    certificate = verified[0].signature_xml.findtext(f".//{{{DS}}}X509Certificate") or ""
    der = base64.b64decode("".join(certificate.split()))
    return VerifiedSignature(x509.load_der_x509_certificate(der).subject.rfc4514_string(), digests)


def _entry_problems(objects: etree._Element, node: etree._Element) -> list[str]:
    uid = node.get("id", "")
    problems = [] if node.get("mimeType") == SIGNATURE_MIME_TYPE else ["mimeType"]
    for name, scheme, expected in _CODES:
        if [coding(c)[0] for c in classes(objects, uid, scheme)] != [expected]:
            problems.append(name)
    meta = slots(node)
    problems += [name for name in REQUIRED_SLOTS if len(meta.get(name, [])) != 1]
    if len(external(objects, uid, DE_UNIQUE_ID)) != 1:
        problems.append("uniqueId")
    return problems


def _check_associations(objects: etree._Element, uid: str, submission_set: str,
                        errors: list[RegistryError]) -> None:
    found = {(a.get("associationType"), a.get("sourceObject"), a.get("targetObject"))
             for a in objects.iterfind(f"{{{RIM}}}Association")}
    if (AssociationType.SIGNS.value, uid, submission_set) not in found:
        errors.append(RegistryError(SIGNATURE_MISSING, "no signs Association from the signature "
                                    "to the SubmissionSet", "Error", uid))
    if (AssociationType.HAS_MEMBER.value, submission_set, uid) not in found:
        errors.append(RegistryError(META, "the SubmissionSet has no HasMember to the signature",
                                    "Error", uid))


def _check_manifest(verified: VerifiedSignature, submission: Submission, uid: str,
                    errors: list[RegistryError]) -> None:
    if verified.signer_subject != submission.vihf_signer:
        errors.append(RegistryError(SIGNATURE_INVALID, "signed with another certificate than "
                                    "the VIHF", "Error", uid))
    expected = {document_uri(unique_id): data for unique_id, data in submission.documents.items()}
    if set(verified.digests) != set(expected):
        errors.append(RegistryError(DIGEST_MISMATCH, "the Manifest does not name exactly the "
                                    "documents of the submission", "Error", uid))
    for uri, data in expected.items():
        if uri in verified.digests and verified.digests[uri] != sha256_digest(data):
            errors.append(RegistryError(DIGEST_MISMATCH, f"{uri}: the signed digest differs from "
                                        "the document's bytes", "Error", uid))


def check_signature(objects: etree._Element, submission: Submission, ca_pem: Path,
                    errors: list[RegistryError]) -> ReceivedSignature | None:
    """Append the signature's findings to ``errors``; the signature to register when it is read."""
    nodes = [n for n in objects.iterfind(f"{{{RIM}}}ExtrinsicObject") if is_signature(objects, n)]
    if len(nodes) != 1:
        errors.append(RegistryError(SIGNATURE_MISSING if not nodes else META,
                                    "the submission must carry one IHE DSG signature document",
                                    "Error", submission.submission_set))
        return None
    node = nodes[0]
    uid = node.get("id", "")
    problems = _entry_problems(objects, node)
    if problems:
        errors.append(RegistryError(META, f"signature entry: {', '.join(problems)} missing or "
                                    "outside IHE DSG", "Error", uid))
        return None
    if external(objects, uid, DE_PATIENT_ID) != [submission.patient_id]:
        errors.append(RegistryError("XDSPatientIdDoesNotMatch",
                                    "the signature entry names another patient", "Error", uid))
    _check_associations(objects, uid, submission.submission_set, errors)
    content = submission.parts.get(submission.part_of_entry.get(uid, ""))
    if content is None:
        errors.append(RegistryError("XDSMissingDocument", "no MTOM part for the signature",
                                    "Error", uid))
        return None
    meta = slots(node)
    if meta["hash"][0].lower() != hashlib.sha1(content, usedforsecurity=False).hexdigest():
        errors.append(RegistryError("XDSRepositoryMetadataError", "signature hash differs",
                                    "Error", uid))
    if meta["size"][0] != str(len(content)):
        errors.append(RegistryError("XDSNonIdenticalSize", "signature size differs", "Error", uid))
    try:
        verified = verify_dsg(content, ca_pem)
    except ValueError as exc:
        errors.append(RegistryError(SIGNATURE_INVALID, str(exc), "Error", uid))
        return None
    _check_manifest(verified, submission, uid, errors)
    return ReceivedSignature(uid, external(objects, uid, DE_UNIQUE_ID)[0], meta["hash"][0].lower(),
                             len(content), content)
