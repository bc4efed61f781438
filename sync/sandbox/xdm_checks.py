"""The sandbox MSSanté server's own checks of an incoming message (NATIONAL.md §3.2, §3.3, §3.5).

Two kinds of findings. A message that breaks the structure (headers, ``IHE_XDM.zip`` layout,
metadata, hashes and sizes) is refused during the SMTP dialogue: `MessageRefused`. A well-formed
message whose content the receiving system cannot integrate (INS missing from the CDA, INS and
metadata disagreeing, incomplete INS) is accepted and answered later with an error MDN: the
`integration_error` of the returned `CheckedMessage`. Pure: bytes in, values out.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses

from lxml import etree

from edge import RecordRejected, validate_matricule
from sync.xml_safety import parse_untrusted

SUBJECT_PREFIX = "XDM/1.0/DDM"
ZIP_NAME = "IHE_XDM.zip"
SUBSET = "IHE_XDM/SUBSET01/"
RIM = "urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0"
LCM = "urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0"
CDA = "urn:hl7-org:v3"
SUBMISSION_SET_NODE = "urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd"
DE_UNIQUE_ID = "urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab"
DE_PATIENT_ID = "urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427"
SS_UNIQUE_ID = "urn:uuid:96fdda7c-d067-4183-912e-bf5ee74998a8"
SS_PATIENT_ID = "urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446"
ONE_EACH_SCHEMES = {
    "classCode": "urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a",
    "formatCode": "urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d",
    "healthcareFacilityTypeCode": "urn:uuid:f33fb8ac-18af-42cc-ae0e-ed0b0bdb91e1",
    "practiceSettingCode": "urn:uuid:cccf5598-8b07-4b77-a05e-ae952c785ead",
    "typeCode": "urn:uuid:f0306f51-975f-434e-a61c-c59651d33983",
}
CONFIDENTIALITY_SCHEME = "urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f"
REQUIRED_SLOTS = ("creationTime", "languageCode", "hash", "size", "URI", "sourcePatientId")
INS_OIDS = frozenset({"1.2.250.1.213.1.4.8", "1.2.250.1.213.1.4.9", "1.2.250.1.213.1.4.10",
                      "1.2.250.1.213.1.4.11"})
INVISIBLE_TO_PATIENT = "INVISIBLE_PATIENT"
PATIENT_DOMAIN = "@patient.mssante.fr"


class MessageRefused(Exception):
    """The message breaks the structure rules: the SMTP server refuses it with this reason."""


@dataclass(frozen=True, slots=True)
class IntegrationError:
    """Why the receiving system could not integrate a document (CI-SIS codes 900–906)."""

    code: str
    label: str


@dataclass(frozen=True, slots=True)
class CheckedMessage:
    message_id: str
    unique_ids: tuple[str, ...]
    patient_ids: tuple[str, ...]
    recipients: tuple[str, ...]
    subject: str
    integration_error: IntegrationError | None


def _slots(element: etree._Element) -> dict[str, list[str]]:
    slots: dict[str, list[str]] = {}
    for slot in element.findall(f"{{{RIM}}}Slot"):
        values = [value.text or "" for value in slot.iter(f"{{{RIM}}}Value")]
        slots.setdefault(slot.get("name", ""), []).extend(values)
    return slots


def _external_ids(root: etree._Element, object_id: str, scheme: str) -> list[str]:
    return [element.get("value", "") for element in root.iter(f"{{{RIM}}}ExternalIdentifier")
            if element.get("registryObject") == object_id
            and element.get("identificationScheme") == scheme]


def _classifications(root: etree._Element, object_id: str, scheme: str) -> list[etree._Element]:
    return [element for element in root.iter(f"{{{RIM}}}Classification")
            if element.get("classifiedObject") == object_id
            and element.get("classificationScheme") == scheme]


def _parse_xml(data: bytes, what: str) -> etree._Element:
    try:
        return parse_untrusted(data)
    except etree.XMLSyntaxError as exc:
        raise MessageRefused(f"{what} is not well-formed XML: {exc}") from exc


def _zip_attachment(message: EmailMessage) -> bytes:
    zips = [part for part in message.iter_attachments() if part.get_filename() == ZIP_NAME]
    if len(zips) != 1:
        raise MessageRefused(f"expected exactly one {ZIP_NAME} attachment, found {len(zips)}")
    content = zips[0].get_payload(decode=True)
    if not isinstance(content, bytes) or zips[0].get_content_type() != "application/zip":
        raise MessageRefused(f"{ZIP_NAME} must be an application/zip attachment")
    return content


def _check_headers(message: EmailMessage, expected_from: str) -> tuple[str, tuple[str, ...]]:
    senders = [address for _, address in getaddresses(message.get_all("From", []))]
    if senders != [expected_from]:
        raise MessageRefused("From must be the home's application mailbox")
    recipients = tuple(address for _, address in
                       getaddresses(message.get_all("To", []) + message.get_all("Cc", [])))
    if not recipients:
        raise MessageRefused("the message has no To recipient")
    # A long Subject is folded before its first word ("Subject:" CRLF SP "XDM/..."); the
    # folding white space is not part of the value (RFC 5322 §2.2.3), the parser keeps it.
    if not str(message.get("Subject", "")).strip().startswith(SUBJECT_PREFIX):
        raise MessageRefused(f"Subject must start with {SUBJECT_PREFIX}")
    message_id = str(message.get("Message-ID", "")).strip()
    if not message_id:
        raise MessageRefused("the message has no Message-ID")
    if not message.get("Disposition-Notification-To"):
        raise MessageRefused("no processing receipt requested (Disposition-Notification-To)")
    if not any(part.get_content_type() == "application/pdf" for part in message.iter_attachments()):
        raise MessageRefused("the human-readable PDF rendering is missing")
    return message_id, recipients


@dataclass(frozen=True, slots=True)
class _Entry:
    unique_id: str
    patient_id: str
    uri: str
    mime_type: str
    confidentiality: tuple[str, ...]


def _check_entry(root: etree._Element, entry: etree._Element) -> _Entry:
    entry_id = entry.get("id", "")
    slots = _slots(entry)
    for name in REQUIRED_SLOTS:
        if len(slots.get(name, [])) != 1:
            raise MessageRefused(f"DocumentEntry {entry_id}: slot {name} must have one value")
    for label, scheme in ONE_EACH_SCHEMES.items():
        if len(_classifications(root, entry_id, scheme)) != 1:
            raise MessageRefused(f"DocumentEntry {entry_id}: exactly one {label} is required")
    confidentiality = _classifications(root, entry_id, CONFIDENTIALITY_SCHEME)
    if not 1 <= len(confidentiality) <= 4:
        raise MessageRefused(f"DocumentEntry {entry_id}: 1 to 4 confidentialityCode required")
    unique_ids = _external_ids(root, entry_id, DE_UNIQUE_ID)
    patient_ids = _external_ids(root, entry_id, DE_PATIENT_ID)
    if len(unique_ids) != 1 or len(patient_ids) != 1:
        raise MessageRefused(f"DocumentEntry {entry_id}: one uniqueId and one patientId required")
    return _Entry(unique_ids[0], patient_ids[0], slots["URI"][0], entry.get("mimeType", ""),
                  tuple(element.get("nodeRepresentation", "") for element in confidentiality))


def _check_submission_set(root: etree._Element, entries: list[_Entry]) -> None:
    nodes = [element.get("classifiedObject", "") for element in root.iter(f"{{{RIM}}}Classification")
             if element.get("classificationNode") == SUBMISSION_SET_NODE]
    packages = [package.get("id", "") for package in root.iter(f"{{{RIM}}}RegistryPackage")]
    sets = [node for node in nodes if node in packages]
    if len(sets) != 1:
        raise MessageRefused("METADATA.XML must hold exactly one SubmissionSet")
    if len(_external_ids(root, sets[0], SS_UNIQUE_ID)) != 1:
        raise MessageRefused("the SubmissionSet has no uniqueId")
    ss_patients = _external_ids(root, sets[0], SS_PATIENT_ID)
    if len(ss_patients) != 1 or any(entry.patient_id != ss_patients[0] for entry in entries):
        raise MessageRefused("SubmissionSet and DocumentEntry patientId differ")
    members = {association.get("targetObject") for association in
               root.iter(f"{{{RIM}}}Association") if association.get("sourceObject") == sets[0]
               and association.get("associationType", "").endswith("HasMember")}
    entry_ids = {element.get("id") for element in root.iter(f"{{{RIM}}}ExtrinsicObject")}
    if not entry_ids <= members:
        raise MessageRefused("every DocumentEntry must be a member of the SubmissionSet")


def _check_archive(content: bytes) -> tuple[etree._Element, list[_Entry], dict[str, bytes]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        files = {info.filename: archive.read(info) for info in archive.infolist()
                 if not info.is_dir()}
    except (zipfile.BadZipFile, ValueError) as exc:
        raise MessageRefused(f"{ZIP_NAME} is not a readable zip archive") from exc
    for name in ("INDEX.HTM", "README.TXT", SUBSET + "METADATA.XML"):
        if name not in files:
            raise MessageRefused(f"{ZIP_NAME} lacks {name}")
    root = _parse_xml(files[SUBSET + "METADATA.XML"], "METADATA.XML")
    if root.tag != f"{{{LCM}}}SubmitObjectsRequest":
        raise MessageRefused("METADATA.XML is not an lcm:SubmitObjectsRequest")
    entries = [_check_entry(root, element) for element in root.iter(f"{{{RIM}}}ExtrinsicObject")]
    if not entries:
        raise MessageRefused("METADATA.XML holds no DocumentEntry")
    for element, entry in zip(root.iter(f"{{{RIM}}}ExtrinsicObject"), entries, strict=True):
        data = files.get(SUBSET + entry.uri)
        if data is None:
            raise MessageRefused(f"the document {entry.uri} named by the URI slot is missing")
        slots = _slots(element)
        if slots["hash"][0].lower() != hashlib.sha1(data).hexdigest():  # noqa: S324 - XDS hash
            raise MessageRefused(f"hash of {entry.uri} does not match its bytes")
        if slots["size"][0] != str(len(data)):
            raise MessageRefused(f"size of {entry.uri} does not match its bytes")
    _check_submission_set(root, entries)
    return root, entries, files


def _patient_matricule(cx: str) -> tuple[str, str]:
    """(matricule, OID) of an INS written as CX ``<matricule>^^^&<OID>&ISO^NH``."""
    parts = cx.split("^")
    authority = parts[3].split("&") if len(parts) > 3 else []
    return parts[0], authority[1] if len(authority) > 1 else ""


def _integration_error(entry: _Entry, cda: etree._Element | None) -> IntegrationError | None:
    matricule, oid = _patient_matricule(entry.patient_id)
    if oid not in INS_OIDS:
        return IntegrationError("905", "INS incomplet")
    try:
        validate_matricule(matricule)
    except RecordRejected:
        return IntegrationError("905", "INS incomplet")
    if cda is None:
        return None
    ins_in_cda = [(element.get("extension"), element.get("root")) for element in
                  cda.iterfind(f"{{{CDA}}}recordTarget/{{{CDA}}}patientRole/{{{CDA}}}id")
                  if element.get("root") in INS_OIDS]
    if not ins_in_cda:
        return IntegrationError("903", "INS absent du document CDA")
    if (matricule, oid) not in ins_in_cda:
        return IntegrationError("904", "INS incohérent avec les traits d'identité")
    return None


def check_message(raw: bytes, expected_from: str) -> CheckedMessage:
    """Check one received message; raise `MessageRefused` when its structure is wrong."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    message_id, recipients = _check_headers(message, expected_from)
    _, entries, files = _check_archive(_zip_attachment(message))
    codes: list[str] = []
    error: IntegrationError | None = None
    for entry in entries:
        cda = None
        if entry.mime_type == "text/xml":
            cda = _parse_xml(files[SUBSET + entry.uri], entry.uri)
            code = cda.find(f"{{{CDA}}}code")
            codes.append(code.get("code", "") if code is not None else "")
            cda_id = cda.find(f"{{{CDA}}}id")
            if cda_id is None or cda_id.get("root") not in entry.unique_id.split("^"):
                raise MessageRefused(f"uniqueId of {entry.uri} is not the CDA id")
        if (INVISIBLE_TO_PATIENT in entry.confidentiality
                and any(address.endswith(PATIENT_DOMAIN) for address in recipients)):
            raise MessageRefused("a document invisible to the patient is addressed to the patient")
        error = error or _integration_error(entry, cda)
    declared = sorted(value.strip() for header in message.get_all("X-MSS-CODECDA", [])
                      for value in str(header).split(","))
    if declared != sorted(codes):
        raise MessageRefused("X-MSS-CODECDA does not match the code of the attached CDA")
    return CheckedMessage(message_id, tuple(entry.unique_id for entry in entries),
                          tuple(entry.patient_id for entry in entries), recipients,
                          str(message.get("Subject", "")).strip(), error)
