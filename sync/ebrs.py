"""The ebRS 3.0 `SubmitObjectsRequest` of a document's XDS metadata (NATIONAL §2.2–2.4, §3.3).

One serialisation for both destinations: the DMP adapter puts this element inside the ITI-41
`ProvideAndRegisterDocumentSetRequest`, the MSSanté adapter writes it as `METADATA.XML` in
`IHE_XDM.zip` (with the `URI` slot naming the document's file in the zip). Objects: the
SubmissionSet `RegistryPackage`, one `ExtrinsicObject` per document, their Classifications,
ExternalIdentifiers and Slots, and the HasMember / RPLC Associations. For the DMP the adapter adds
the IHE DSG signature entry and its HasMember / signs Associations (`sync.dmp.dsg`); `METADATA.XML`
has none (an XDM zip is not signed here).
"""

from __future__ import annotations

from lxml import etree

from edge import Association, Author, CodedValue, DocumentEntry, DocumentMetadata, SubmissionSet

LCM = "urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0"
RIM = "urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0"
RS = "urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0"
NSMAP = {"lcm": LCM, "rim": RIM, "rs": RS}

STABLE_ENTRY = "urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1"
SUBMISSION_SET_NODE = "urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd"
DE_AUTHOR = "urn:uuid:93606bcf-9494-43ec-9b4e-a7748d1a838d"
DE_CLASS = "urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a"
DE_CONFIDENTIALITY = "urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f"
DE_EVENT = "urn:uuid:2c6b8cb7-8b2a-4051-b291-b1ae6a575ef4"
DE_FORMAT = "urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d"
DE_FACILITY = "urn:uuid:f33fb8ac-18af-42cc-ae0e-ed0b0bdb91e1"
DE_PRACTICE = "urn:uuid:cccf5598-8b07-4b77-a05e-ae952c785ead"
DE_TYPE = "urn:uuid:f0306f51-975f-434e-a61c-c59651d33983"
DE_PATIENT_ID = "urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427"
DE_UNIQUE_ID = "urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab"
SS_AUTHOR = "urn:uuid:a7058bb9-b4e4-4307-ba5b-e3f0ab85e12d"
SS_CONTENT_TYPE = "urn:uuid:aa543740-bdda-424e-8c96-df4873be8500"
SS_PATIENT_ID = "urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446"
SS_SOURCE_ID = "urn:uuid:554ac39e-e3fe-47fe-b233-965d2a147832"
SS_UNIQUE_ID = "urn:uuid:96fdda7c-d067-4183-912e-bf5ee74998a8"
REFERENCE_ID_LIST = "urn:ihe:iti:xds:2013:referenceIdList"


class _Ids:
    """Local ids of the Classifications and ExternalIdentifiers of one request."""

    def __init__(self) -> None:
        self._count = 0

    def next(self, prefix: str) -> str:
        self._count += 1
        return f"{prefix}{self._count:02d}"


def _rim(parent: etree._Element, element: str, **attrs: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{RIM}}}{element}", attrs)


def _slot(parent: etree._Element, name: str, *values: str) -> None:
    value_list = _rim(_rim(parent, "Slot", name=name), "ValueList")
    for value in values:
        _rim(value_list, "Value").text = value


def _name(parent: etree._Element, text: str) -> None:
    _rim(_rim(parent, "Name"), "LocalizedString", value=text)


def _coded(parent: etree._Element, ids: _Ids, scheme: str, classified: str,
           value: CodedValue) -> None:
    node = _rim(parent, "Classification", classificationScheme=scheme,
                classifiedObject=classified, id=ids.next("cl"),
                nodeRepresentation=value.code)
    _slot(node, "codingScheme", value.scheme)
    _name(node, value.display)


def _author(parent: etree._Element, ids: _Ids, scheme: str, classified: str,
            author: Author) -> None:
    node = _rim(parent, "Classification", classificationScheme=scheme,
                classifiedObject=classified, id=ids.next("cl"), nodeRepresentation="")
    if author.person:
        _slot(node, "authorPerson", author.person)
    _slot(node, "authorInstitution", author.institution)
    if author.roles:
        _slot(node, "authorRole", *author.roles)
    if author.specialties:
        _slot(node, "authorSpecialty", *author.specialties)


def _external_id(parent: etree._Element, ids: _Ids, scheme: str, registry_object: str,
                 value: str, label: str) -> None:
    node = _rim(parent, "ExternalIdentifier", identificationScheme=scheme,
                registryObject=registry_object, value=value, id=ids.next("ei"))
    _name(node, label)


def _submission_set(parent: etree._Element, ids: _Ids, ss: SubmissionSet) -> None:
    package = _rim(parent, "RegistryPackage", id=ss.entry_uuid)
    _slot(package, "submissionTime", ss.submission_time)
    if ss.intended_recipients:
        _slot(package, "intendedRecipient", *ss.intended_recipients)
    if ss.title:
        _name(package, ss.title)
    _author(package, ids, SS_AUTHOR, ss.entry_uuid, ss.author)
    _coded(package, ids, SS_CONTENT_TYPE, ss.entry_uuid, ss.content_type_code)
    _external_id(package, ids, SS_UNIQUE_ID, ss.entry_uuid, ss.unique_id,
                 "XDSSubmissionSet.uniqueId")
    _external_id(package, ids, SS_SOURCE_ID, ss.entry_uuid, ss.source_id,
                 "XDSSubmissionSet.sourceId")
    _external_id(package, ids, SS_PATIENT_ID, ss.entry_uuid, ss.patient_id,
                 "XDSSubmissionSet.patientId")
    _rim(parent, "Classification", classifiedObject=ss.entry_uuid,
         classificationNode=SUBMISSION_SET_NODE, id=ids.next("cl"))


def _entry(parent: etree._Element, ids: _Ids, entry: DocumentEntry, uri: str | None) -> None:
    obj = _rim(parent, "ExtrinsicObject", id=entry.entry_uuid, mimeType=entry.mime_type,
               objectType=STABLE_ENTRY)
    _slot(obj, "creationTime", entry.creation_time)
    _slot(obj, "languageCode", entry.language_code)
    _slot(obj, "serviceStartTime", entry.service_start_time)
    if entry.service_stop_time:
        _slot(obj, "serviceStopTime", entry.service_stop_time)
    _slot(obj, "sourcePatientId", entry.source_patient_id)
    if entry.source_patient_info:
        _slot(obj, "sourcePatientInfo", *entry.source_patient_info)
    if entry.legal_authenticator:
        _slot(obj, "legalAuthenticator", entry.legal_authenticator)
    _slot(obj, "hash", entry.hash)
    _slot(obj, "size", str(entry.size))
    if uri or entry.uri:
        _slot(obj, "URI", uri or entry.uri or "")
    if entry.reference_ids:
        _slot(obj, REFERENCE_ID_LIST, *entry.reference_ids)
    _name(obj, entry.title)
    for author in entry.authors:
        _author(obj, ids, DE_AUTHOR, entry.entry_uuid, author)
    _coded(obj, ids, DE_CLASS, entry.entry_uuid, entry.class_code)
    for code in entry.confidentiality_codes:
        _coded(obj, ids, DE_CONFIDENTIALITY, entry.entry_uuid, code)
    for code in entry.event_codes:
        _coded(obj, ids, DE_EVENT, entry.entry_uuid, code)
    _coded(obj, ids, DE_FORMAT, entry.entry_uuid, entry.format_code)
    _coded(obj, ids, DE_FACILITY, entry.entry_uuid, entry.healthcare_facility_type_code)
    _coded(obj, ids, DE_PRACTICE, entry.entry_uuid, entry.practice_setting_code)
    _coded(obj, ids, DE_TYPE, entry.entry_uuid, entry.type_code)
    _external_id(obj, ids, DE_PATIENT_ID, entry.entry_uuid, entry.patient_id,
                 "XDSDocumentEntry.patientId")
    _external_id(obj, ids, DE_UNIQUE_ID, entry.entry_uuid, entry.unique_id,
                 "XDSDocumentEntry.uniqueId")


def _association(parent: etree._Element, association: Association) -> None:
    node = _rim(parent, "Association", id=association.entry_uuid,
                associationType=association.kind.value, sourceObject=association.source,
                targetObject=association.target)
    if association.submission_set_status:
        _slot(node, "SubmissionSetStatus", association.submission_set_status)


def submit_objects_request(metadata: DocumentMetadata, *, uri: str | None = None,
                           extra_entries: tuple[DocumentEntry, ...] = (),
                           extra_associations: tuple[Association, ...] = ()) -> etree._Element:
    """The `lcm:SubmitObjectsRequest` element of a document's metadata.

    :param uri: XDM only: the document's file name in the zip (`URI` slot).
    :param extra_entries: DMP only: entries made at sending time (the IHE DSG signature entry of
        `sync.dmp.dsg`), serialised like the document's, with their associations.
    """
    request = etree.Element(f"{{{LCM}}}SubmitObjectsRequest", nsmap=NSMAP)
    objects = _rim(request, "RegistryObjectList")
    ids = _Ids()
    _submission_set(objects, ids, metadata.submission_set)
    _entry(objects, ids, metadata.entry, uri)
    for extra in extra_entries:
        _entry(objects, ids, extra, None)
    for association in (*metadata.associations, *extra_associations):
        _association(objects, association)
    return request


def metadata_xml(metadata: DocumentMetadata, *, uri: str | None = None) -> bytes:
    """The request as UTF-8 XML bytes (the XDM `METADATA.XML`)."""
    return etree.tostring(submit_objects_request(metadata, uri=uri), xml_declaration=True,
                          encoding="UTF-8", pretty_print=True)
