"""The sandbox DMP's checks of an ITI-41 request (NATIONAL.md §2.10), bytes in, findings out.

In order: the MTOM packaging and the SOAP 1.2 envelope with its WS-Addressing Action; the VIHF
(signature against the test CA, mandatory attributes); optionally the body against the XDS.b
schema (when the caller passes a compiled schema); then the metadata: every required slot,
classification and identifier once (confidentiality 1..4), codes in the DMP value sets, class
consistent with type and format with the CDA model; the INS (OID, mod-97 key) identical in the
VIHF, the SubmissionSet and each DocumentEntry; the hash, size, uniqueId, creationTime,
serviceStartTime and title matching the document's bytes, and each CDA against the CDA schema
when the sandbox has one (`sync.sandbox.cda_checks`); the submission's IHE DSG signature
(`sync.sandbox.dmp_signature`). Registry-level rules (duplicates, replacement targets) are the
store's (`sync.sandbox.dmp_store`).
"""

from __future__ import annotations

import base64
from copy import deepcopy as copy_element
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from lxml import etree

from edge import EdgeError, validate_matricule
from sync.dmp.mtom import parse
from sync.dmp.response import RegistryError
from sync.dmp.soap import ITI41_ACTION, WSA, WSSE, XDSB, XOP, body_child, header_text
from sync.dmp.vihf import ATTR_RESOURCE_ID, SAML, VerifiedVihf, verify_vihf
from sync.ebrs import (
    DE_AUTHOR,
    DE_CLASS,
    DE_CONFIDENTIALITY,
    DE_FACILITY,
    DE_FORMAT,
    DE_PATIENT_ID,
    DE_PRACTICE,
    DE_TYPE,
    DE_UNIQUE_ID,
    LCM,
    RIM,
    SS_AUTHOR,
    SS_CONTENT_TYPE,
    SS_PATIENT_ID,
    SS_SOURCE_ID,
    SS_UNIQUE_ID,
    SUBMISSION_SET_NODE,
)
from sync.sandbox.cda_checks import FORMAT_BY_TEMPLATE, META, PDF_FORMAT, check_content
from sync.sandbox.dmp_signature import ReceivedSignature, Submission, check_signature, is_signature
from sync.sandbox.rim import classes, coding, external, slots
from sync.xml_safety import parse_untrusted

RPLC = "urn:ihe:iti:2007:AssociationType:RPLC"
INS_OIDS = frozenset({"1.2.250.1.213.1.4.8", "1.2.250.1.213.1.4.9", "1.2.250.1.213.1.4.10",
                      "1.2.250.1.213.1.4.11"})
CLASS_CODES = frozenset({"10", "11", "31", "42", "43", "44", "45", "52", "60", "90", "95"})
CONFIDENTIALITY = {"2.16.840.1.113883.5.25": {"N", "R", "V"},
                   "1.2.250.1.213.1.1.4.13": {"MASQUE_PS", "INVISIBLE_PATIENT",
                                              "INVISIBLE_REPRESENTANTS_LEGAUX"}}
FORMAT_CODES = frozenset({*FORMAT_BY_TEMPLATE.values(), PDF_FORMAT, "urn:ihe:iti:xds-sd:text:2008",
                          "urn:asip:ci-sis:vsm:2012", "urn:ihe:pcc:ips:2020",
                          "urn:asip:ci-sis:dlu:2024"})
FACILITY_SYSTEM = "1.2.250.1.71.4.2.4"
PRACTICE_SYSTEM = "1.2.250.1.213.1.1.4.9"
TYPE_SYSTEMS = frozenset({"2.16.840.1.113883.6.1", "1.2.250.1.213.1.1.4.12"})
CONTENT_TYPE_SYSTEM = "1.2.250.1.213.2.2"
CLASS_BY_TYPE = {"74207-2": "11"}
REQUIRED_SLOTS = ("creationTime", "languageCode", "serviceStartTime", "sourcePatientId", "hash",
                  "size")
ONCE = {"classCode": DE_CLASS, "formatCode": DE_FORMAT, "healthcareFacilityTypeCode": DE_FACILITY,
        "practiceSettingCode": DE_PRACTICE, "typeCode": DE_TYPE}


class RequestRefused(Exception):
    """The request cannot be read or its VIHF is refused: the DMP answers with a SOAP fault."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ReceivedEntry:
    entry_uuid: str
    unique_id: str
    patient_id: str
    hash: str
    size: int
    content: bytes


@dataclass(frozen=True, slots=True)
class CheckedRequest:
    """What the request carries once read, and every metadata finding (empty when all is right)."""

    vihf: VerifiedVihf
    submission_unique_id: str
    patient_id: str
    entries: tuple[ReceivedEntry, ...]
    replacements: tuple[tuple[str, str], ...]   # (new entryUUID, replaced entryUUID)
    errors: tuple[RegistryError, ...]
    signature: ReceivedSignature | None = None


def _check_ins(cx: str, errors: list[RegistryError], where: str) -> None:
    matricule, _, rest = cx.partition("^^^&")
    oid, _, kind = rest.partition("&ISO^")
    if kind != "NH" or oid not in INS_OIDS:
        errors.append(RegistryError("XDSUnknownPatientId", f"{where}: not an INS", "Error"))
        return
    try:
        validate_matricule(matricule)
    except EdgeError:
        errors.append(RegistryError("XDSUnknownPatientId", f"{where}: INS key invalid", "Error"))


def _check_entry(objects: etree._Element, entry: etree._Element, parts: dict[str, bytes],
                 documents: dict[str, str], errors: list[RegistryError],
                 cda_schema: etree.XMLSchema | None) -> ReceivedEntry | None:
    uid = entry.get("id", "")
    meta = slots(entry)
    for name in REQUIRED_SLOTS:
        if len(meta.get(name, [])) != 1:
            errors.append(RegistryError(META, f"slot {name} must occur once", "Error", uid))
    codes: dict[str, tuple[str, str]] = {}
    for name, scheme in ONCE.items():
        found = classes(objects, uid, scheme)
        if len(found) != 1:
            errors.append(RegistryError(META, f"{name} must occur once", "Error", uid))
        else:
            codes[name] = coding(found[0])
    confidentiality = [coding(c) for c in classes(objects, uid, DE_CONFIDENTIALITY)]
    if (not 1 <= len(confidentiality) <= 4
            or any(code not in CONFIDENTIALITY.get(system, set()) for code, system in confidentiality)
            or sum(system == "2.16.840.1.113883.5.25" for _, system in confidentiality) != 1):
        errors.append(RegistryError(META, "confidentialityCode outside J58 or not 1..4", "Error"))
    if not classes(objects, uid, DE_AUTHOR):
        errors.append(RegistryError(META, "author missing", "Error", uid))
    value_sets = (("classCode", lambda c, s: c in CLASS_CODES and s == "1.2.250.1.213.1.1.4.1"),
                  ("formatCode", lambda c, s: c in FORMAT_CODES),
                  ("healthcareFacilityTypeCode", lambda c, s: c.startswith("SA")
                   and s == FACILITY_SYSTEM),
                  ("practiceSettingCode", lambda c, s: bool(c) and s == PRACTICE_SYSTEM),
                  ("typeCode", lambda c, s: bool(c) and s in TYPE_SYSTEMS))
    for name, allowed in value_sets:
        if name in codes and not allowed(*codes[name]):
            errors.append(RegistryError(META, f"{name} outside the DMP value set", "Error", uid))
    type_code = codes.get("typeCode", ("", ""))[0]
    if CLASS_BY_TYPE.get(type_code, codes.get("classCode", ("",))[0]) != codes.get(
            "classCode", ("", ""))[0]:
        errors.append(RegistryError(META, "classCode inconsistent with typeCode", "Error", uid))
    unique = external(objects, uid, DE_UNIQUE_ID)
    patient = external(objects, uid, DE_PATIENT_ID)
    localized = entry.find(f"{{{RIM}}}Name/{{{RIM}}}LocalizedString")
    title = localized.get("value", "") if localized is not None else ""
    content = parts.get(documents.get(uid, ""))
    if len(unique) != 1 or len(patient) != 1 or not title:
        errors.append(RegistryError("XDSMissingDocumentMetadata",
                                    "uniqueId, patientId and title must occur once", "Error", uid))
        return None
    if content is None:
        errors.append(RegistryError("XDSMissingDocument", "no MTOM part for the entry", "Error",
                                    uid))
        return None
    if any(e.location == uid and e.code == META for e in errors) or len(meta.get("hash", [])) != 1:
        return None
    check_content(meta, title, unique[0], codes.get("formatCode", ("", ""))[0], type_code,
                  content, errors, cda_schema)
    _check_ins(patient[0], errors, "DocumentEntry.patientId")
    return ReceivedEntry(uid, unique[0], patient[0], meta["hash"][0].lower(), len(content), content)


def _envelope(content_type: str, body: bytes) -> tuple[etree._Element, dict[str, bytes]]:
    try:
        message = parse(content_type, body)
        envelope = parse_untrusted(message.envelope)
        request = body_child(envelope)
    except (ValueError, etree.XMLSyntaxError) as exc:
        raise RequestRefused("soap:Sender", f"unreadable request: {exc}") from exc
    if header_text(envelope, f"{{{WSA}}}Action") != ITI41_ACTION:
        raise RequestRefused("wsa:ActionNotSupported", "WS-Addressing Action is not ITI-41")
    if request.tag != f"{{{XDSB}}}ProvideAndRegisterDocumentSetRequest":
        raise RequestRefused("soap:Sender", "the body is not a ProvideAndRegisterDocumentSetRequest")
    return envelope, {cid: part.data for cid, part in message.attachments.items()}


def _infoset(request: etree._Element, documents: dict[str, str],
             parts: dict[str, bytes]) -> etree._Element:
    """The request with each xop:Include replaced by the base64 of its part (the XOP infoset)."""
    copy = copy_element(request)
    for node in copy.iterfind(f"{{{XDSB}}}Document"):
        for child in list(node):
            node.remove(child)
        node.text = base64.b64encode(parts.get(documents.get(node.get("id", ""), ""), b"")).decode()
    return copy


def check_request(content_type: str, body: bytes, *, ca_pem: Path, now: datetime,
                  schema: etree.XMLSchema | None = None,
                  cda_schema: etree.XMLSchema | None = None) -> CheckedRequest:
    """Read and check one ITI-41 request.

    :raises RequestRefused: unreadable packaging or envelope, or a VIHF the DMP refuses.
    """
    envelope, parts = _envelope(content_type, body)
    request = body_child(envelope)
    assertion = envelope.find(f".//{{{WSSE}}}Security/{{{SAML}}}Assertion")
    if assertion is None:
        raise RequestRefused("wsse:InvalidSecurity", "no VIHF assertion in WS-Security")
    try:
        vihf = verify_vihf(assertion, ca_pem, now)
    except ValueError as exc:
        raise RequestRefused("wsse:InvalidSecurity", str(exc)) from exc
    errors: list[RegistryError] = []
    documents = {}
    for node in request.iterfind(f"{{{XDSB}}}Document"):
        include = node.find(f"{{{XOP}}}Include")
        href = include.get("href", "") if include is not None else ""
        documents[node.get("id", "")] = href.removeprefix("cid:")
    if schema is not None and not schema.validate(_infoset(request, documents, parts)):
        errors.append(RegistryError(META, f"schema: {schema.error_log.last_error}", "Error"))
    objects = request.find(f"{{{LCM}}}SubmitObjectsRequest/{{{RIM}}}RegistryObjectList")
    if objects is None:
        raise RequestRefused("soap:Sender", "no RegistryObjectList")
    packages = [c.get("classifiedObject", "") for c in objects.iter(f"{{{RIM}}}Classification")
                if c.get("classificationNode") == SUBMISSION_SET_NODE]
    if len(packages) != 1:
        raise RequestRefused("soap:Sender", "exactly one SubmissionSet is expected")
    ss = packages[0]
    ss_patient = external(objects, ss, SS_PATIENT_ID)
    ss_unique = external(objects, ss, SS_UNIQUE_ID)
    package = next((p for p in objects.iterfind(f"{{{RIM}}}RegistryPackage") if p.get("id") == ss),
                   None)
    if (len(ss_patient) != 1 or len(ss_unique) != 1 or len(external(objects, ss, SS_SOURCE_ID)) != 1
            or package is None or len(slots(package).get("submissionTime", [])) != 1
            or not classes(objects, ss, SS_AUTHOR)):
        errors.append(RegistryError(META, "SubmissionSet metadata incomplete", "Error", ss))
    content_types = [coding(c) for c in classes(objects, ss, SS_CONTENT_TYPE)]
    if len(content_types) != 1 or content_types[0][1] != CONTENT_TYPE_SYSTEM:
        errors.append(RegistryError(META, "contentTypeCode outside J59", "Error", ss))
    patient_id = ss_patient[0] if ss_patient else ""
    _check_ins(patient_id, errors, "SubmissionSet.patientId")
    entries = [e for node in objects.iterfind(f"{{{RIM}}}ExtrinsicObject")
               if not is_signature(objects, node)
               and (e := _check_entry(objects, node, parts, documents, errors, cda_schema))]
    signature = check_signature(objects, Submission(
        ss, patient_id, parts, documents, {e.unique_id: e.content for e in entries},
        vihf.signer_subject), ca_pem, errors)
    if vihf.attributes.get(ATTR_RESOURCE_ID) != patient_id or any(
            entry.patient_id != patient_id for entry in entries):
        errors.append(RegistryError("XDSPatientIdDoesNotMatch",
                                    "VIHF resource-id, SubmissionSet and entries differ", "Error"))
    replacements = tuple((a.get("sourceObject", ""), a.get("targetObject", ""))
                         for a in objects.iterfind(f"{{{RIM}}}Association")
                         if a.get("associationType") == RPLC)
    return CheckedRequest(vihf, ss_unique[0] if ss_unique else "", patient_id, tuple(entries),
                          replacements, tuple(errors), signature)
