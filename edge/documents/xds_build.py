"""Building a document's XDS metadata from its generated CDA and the record (NATIONAL §2.3–2.5, §1.7).

Every value that the CDA header carries is read back from the XML that will be sent, so the
metadata cannot disagree with the document (uniqueId, title, type, times, confidentiality,
facility, practice setting, authors). Identifiers of the submission and of the XDS objects are
derived from the document's unique id: building twice gives the same envelope, which keeps
delivery idempotent. Pure: values in, a `DocumentMetadata` out.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

from lxml import etree

from edge.documents.cda import HL7
from edge.documents.checks_body import DocumentKind
from edge.documents.codes import ID_NAT_PS, ID_NAT_STRUCT
from edge.documents.errors import DocumentIncomplete
from edge.documents.model import CareHome, PatientIdentity
from edge.documents.xds import (
    VISIBILITY_SYSTEM,
    Association,
    AssociationType,
    Author,
    CodedValue,
    DocumentEntry,
    DocumentMetadata,
    Recipient,
    Replacement,
    SubmissionSet,
    Visibility,
    mssante_recipients,
)

NS = {"h": HL7}
CDA_MIME_TYPE = "text/xml"
CLASS_SYSTEM = "1.2.250.1.213.1.1.4.1"
ASIP_FORMAT_SYSTEM = "1.2.250.1.213.1.1.4.2.282"
IHE_FORMAT_SYSTEM = "1.3.6.1.4.1.19376.1.2.3"
ACTIVITY_TYPE_SYSTEM = "1.2.250.1.213.2.2"
# Derives the XDS object ids from the document id (uuid5), and the OIDs under 2.25 (UUID OIDs).
_XDS_NAMESPACE = uuid.UUID("3c1f7a52-8d4e-4b8e-9a41-6c0f2e5d9b17")

FORMAT_CODES = {
    DocumentKind.DLU: CodedValue("urn:asip:ci-sis:dlu:2015", ASIP_FORMAT_SYSTEM,
                                 "DLU - Dossier de liaison d'urgence"),
    DocumentKind.FLUDT: CodedValue("urn:asip:ci-sis:fludt:2017", ASIP_FORMAT_SYSTEM,
                                   "DLU - Fiche de liaison d'urgence - transfert"),
    DocumentKind.N1: CodedValue("urn:ihe:iti:xds-sd:pdf:2008", IHE_FORMAT_SYSTEM,
                                "Document à corps non structuré en Pdf/A-1"),
}
SYNTHESIS = CodedValue("11", CLASS_SYSTEM, "Synthèse")
# Class (TRE_A03) of each document type the appliance sends; the DLU pair is filed as a synthesis.
CLASS_BY_TYPE = {
    "74207-2": SYNTHESIS,
    "11488-4": CodedValue("10", CLASS_SYSTEM, "Compte rendu"),
    "11490-0": CodedValue("10", CLASS_SYSTEM, "Compte rendu"),
    "34112-3": CodedValue("10", CLASS_SYSTEM, "Compte rendu"),
    "11502-2": CodedValue("10", CLASS_SYSTEM, "Compte rendu"),
    "11506-3": CodedValue("10", CLASS_SYSTEM, "Compte rendu"),
    "18748-4": CodedValue("31", CLASS_SYSTEM, "Imagerie médicale"),
    "34133-9": SYNTHESIS,
    "60591-5": SYNTHESIS,
    "57833-6": CodedValue("42", CLASS_SYSTEM, "Prescription"),
    "57832-8": CodedValue("42", CLASS_SYSTEM, "Prescription"),
    "57828-6": CodedValue("42", CLASS_SYSTEM, "Prescription"),
    "18776-5": CodedValue("44", CLASS_SYSTEM, "Plan de soins"),
    "80565-5": CodedValue("45", CLASS_SYSTEM, "Traitement administré"),
    "89601-9": CodedValue("52", CLASS_SYSTEM, "Certificat"),
    "51851-4": CodedValue("95", CLASS_SYSTEM, "Document de gestion"),
    "34842-5": CodedValue("95", CLASS_SYSTEM, "Document de gestion"),
}
# The activity of a resident in the home: residential stay (HL7 v2 PV1-2 "I" → 03) [unverified].
RESIDENTIAL_ACTIVITY = CodedValue("03", ACTIVITY_TYPE_SYSTEM, "Hospitalisation complète")


def xds_time(moment: datetime) -> str:
    """An XDS DTM in UTC, to the second."""
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M%S")


def _hl7_ts_to_xds(value: str) -> str:
    """HL7 TS (with offset, or a bare date) to the XDS form."""
    if len(value) > 14 and value[14] in "+-":
        return xds_time(datetime.strptime(value, "%Y%m%d%H%M%S%z"))
    return value


def uuid_oid(*parts: str) -> str:
    """A stable OID under 2.25 derived from the given parts."""
    return f"2.25.{uuid.uuid5(_XDS_NAMESPACE, '|'.join(parts)).int}"


def _urn_uuid(*parts: str) -> str:
    return f"urn:uuid:{uuid.uuid5(_XDS_NAMESPACE, '|'.join(parts))}"


def escape_hl7(value: str) -> str:
    """Escape the HL7 v2 delimiters inside a component."""
    out = value.replace("\\", "\\E\\")
    for char, escape in (("|", "\\F\\"), ("^", "\\S\\"), ("&", "\\T\\"), ("~", "\\R\\")):
        out = out.replace(char, escape)
    return out


def cx(identifier: str, authority: str, kind: str) -> str:
    """An HL7 v2 CX (identifier, ISO assigning authority, identifier type)."""
    return f"{escape_hl7(identifier)}^^^&{authority}&ISO^{kind}"


def xon(name: str, id_nat_struct: str) -> str:
    """The XON of a structure identified by its idNat_Struct (`1` + FINESS)."""
    return f"{escape_hl7(name)}^^^^^&{ID_NAT_STRUCT}&ISO^IDNST^^^{id_nat_struct}"


def xcn(identifier: str, family: str, given: str) -> str:
    """The XCN of a person: national ids (RPPS `8…`, ADELI `0…`) are IDNPS, local ones RI."""
    kind = "IDNPS" if identifier[:1] in ("0", "8") else "RI"
    return (f"{escape_hl7(identifier)}^{escape_hl7(family)}^{escape_hl7(given)}^^^^^^"
            f"&{ID_NAT_PS}&ISO^D^^^{kind}")


def _one(root: etree._Element, path: str) -> str:
    found = root.xpath(path, namespaces=NS)
    if not isinstance(found, list) or not found:
        raise DocumentIncomplete((f"l'élément {path} manque dans le document",))
    return str(found[0])


def _optional(root: etree._Element, path: str) -> str | None:
    found = root.xpath(path, namespaces=NS)
    return str(found[0]) if isinstance(found, list) and found else None


def _coded(root: etree._Element, path: str) -> CodedValue:
    return CodedValue(_one(root, f"{path}/@code"), _one(root, f"{path}/@codeSystem"),
                      _optional(root, f"{path}/@displayName") or _one(root, f"{path}/@code"))


def _person(entity: etree._Element, person_tag: str) -> str | None:
    ident = _optional(entity, "h:id[@root='1.2.250.1.71.4.2.1']/@extension")
    if ident is None:
        return None
    return xcn(ident, _optional(entity, f"h:{person_tag}/h:name/h:family/text()") or "",
               _optional(entity, f"h:{person_tag}/h:name/h:given/text()") or "")


def _authors(root: etree._Element) -> tuple[Author, ...]:
    authors = []
    for entity in root.xpath("h:author/h:assignedAuthor", namespaces=NS):
        org = "h:representedOrganization"
        specialty = entity.find(f"{{{HL7}}}code")
        specialties = ((f"{specialty.get('code')}^{escape_hl7(specialty.get('displayName', ''))}"
                        f"^{specialty.get('codeSystem')}",) if specialty is not None else ())
        authors.append(Author(
            institution=xon(_one(entity, f"{org}/h:name/text()"),
                            _one(entity, f"{org}/h:id[@root='{ID_NAT_STRUCT}']/@extension")),
            person=_person(entity, "assignedPerson"), specialties=specialties))
    if not authors:
        raise DocumentIncomplete(("l'auteur du document manque",))
    return tuple(authors)


def _patient_ids(root: etree._Element, identity: PatientIdentity) -> tuple[str, str, bool]:
    """(patientId, sourcePatientId, whether the INS may be shared)."""
    local = cx(identity.ipp.extension or "", identity.ipp.root, "PI")
    ins = identity.shareable_ins
    if ins is None:
        return local, local, False
    in_document = _optional(root, f"h:recordTarget/h:patientRole/h:id[@root='{ins.oid}']"
                                  "/@extension")
    if in_document != ins.matricule:
        raise DocumentIncomplete(("le matricule INS du document ne correspond pas à celui du "
                                  "résident",))
    return cx(ins.matricule, ins.oid, "NH"), local, True


def build_metadata(xml: bytes, kind: DocumentKind, identity: PatientIdentity,
                   care_home: CareHome, *, submission_time: datetime,
                   visibility: Sequence[Visibility] = (),
                   recipients: Sequence[Recipient] = (),
                   replaces: Replacement | None = None) -> DocumentMetadata:
    """The envelope of a generated document (run `check_document` on it first).

    :param submission_time: when the document is handed to the outbox.
    :raises DocumentIncomplete: the XML lacks something the metadata is read from.
    """
    root = etree.fromstring(xml)
    unique_id = _one(root, "h:id/@root")
    extension = _optional(root, "h:id/@extension")
    if extension:
        unique_id = f"{unique_id}^{extension}"
    type_code = _coded(root, "h:code")
    patient_id, source_patient_id, shareable = _patient_ids(root, identity)
    seen = set(visibility)
    ordered_visibility = tuple(v for v in Visibility if v in seen)
    confidentiality = (_coded(root, "h:confidentialityCode"),) + tuple(
        CodedValue(v.value, VISIBILITY_SYSTEM, v.display) for v in ordered_visibility)
    authors = _authors(root)
    stop = _optional(root, "h:documentationOf/h:serviceEvent/h:effectiveTime/h:high/@value")
    entry_uuid = _urn_uuid(unique_id, "entry")
    entry = DocumentEntry(
        entry_uuid=entry_uuid,
        unique_id=unique_id,
        title=_one(root, "h:title/text()"),
        class_code=CLASS_BY_TYPE.get(type_code.code, SYNTHESIS),
        type_code=type_code,
        format_code=FORMAT_CODES[kind],
        confidentiality_codes=confidentiality,
        healthcare_facility_type_code=_coded(
            root, "h:componentOf/h:encompassingEncounter/h:location/h:healthCareFacility/h:code"),
        practice_setting_code=_coded(
            root, "h:documentationOf/h:serviceEvent/h:performer/h:assignedEntity"
                  "/h:representedOrganization/h:standardIndustryClassCode"),
        language_code=_one(root, "h:languageCode/@code"),
        creation_time=_hl7_ts_to_xds(_one(root, "h:effectiveTime/@value")),
        service_start_time=_hl7_ts_to_xds(
            _one(root, "h:documentationOf/h:serviceEvent/h:effectiveTime/h:low/@value")),
        service_stop_time=_hl7_ts_to_xds(stop) if stop else None,
        patient_id=patient_id,
        source_patient_id=source_patient_id,
        source_patient_info=(
            f"PID-5|{escape_hl7(identity.birth_family_name)}^"
            f"{escape_hl7(identity.first_birth_given_name)}^^^^^L",
            f"PID-7|{identity.birth_date.strftime('%Y%m%d')}",
            f"PID-8|{identity.sex.value.code}"),
        authors=authors,
        legal_authenticator=_person(_legal(root), "assignedPerson"),
        mime_type=CDA_MIME_TYPE,
        hash=hashlib.sha1(xml, usedforsecurity=False).hexdigest(),
        size=len(xml),
    )
    submission_set = SubmissionSet(
        entry_uuid=_urn_uuid(unique_id, "submission-set"),
        unique_id=uuid_oid(unique_id, "submission-set"),
        source_id=uuid_oid("source", care_home.finess),
        submission_time=xds_time(submission_time),
        content_type_code=RESIDENTIAL_ACTIVITY,
        patient_id=patient_id,
        author=authors[0],
    )
    associations = [Association(_urn_uuid(unique_id, "has-member"), AssociationType.HAS_MEMBER,
                                submission_set.entry_uuid, entry_uuid, "Original")]
    if replaces is not None:
        associations.append(Association(_urn_uuid(unique_id, "replaces"),
                                        AssociationType.REPLACES, entry_uuid,
                                        replaces.entry_uuid))
    metadata = DocumentMetadata(submission_set, entry, tuple(associations), ordered_visibility,
                                tuple(recipients), shareable, replaces)
    intended = tuple(r.xdm_value for r in mssante_recipients(metadata))
    return replace(metadata, submission_set=replace(submission_set,
                                                    intended_recipients=intended))


def _legal(root: etree._Element) -> etree._Element:
    found = root.find(f"{{{HL7}}}legalAuthenticator/{{{HL7}}}assignedEntity")
    if found is None:
        raise DocumentIncomplete(("le responsable du document manque",))
    return found

