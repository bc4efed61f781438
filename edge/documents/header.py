"""The CDA R2 header shared by every document (CI-SIS "structuration minimale").

Writes realm, templates, identifiers, the patient (INS rule of the CI-SIS: the matricule only
for a qualified identity, and then with all five traits), author, informants, custodian,
legal authenticator, médecin traitant, service event, replaced version and the encounter at
the care home. The body is added by the caller.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from lxml import etree

from edge.documents.cda import (
    NSMAP,
    Element,
    address,
    coded,
    day,
    instance_id,
    person_name,
    sub,
    tag,
    telecom,
    time_element,
    timestamp,
)
from edge.documents.codes import (
    ID_NAT_PS,
    ID_NAT_STRUCT,
    MEDICO_SOCIAL_SETTING,
    PARTICIPATION_FUNCTION,
    RESIDENCE_ENCOUNTER,
    Code,
)
from edge.documents.model import (
    CareHome,
    DocumentContext,
    InstanceId,
    PatientIdentity,
    Professional,
    RelatedPerson,
)

HL7_FRANCE_TEMPLATE = "2.16.840.1.113883.2.8.2.1"
CISIS_TEMPLATE = "1.2.250.1.213.1.1.1.1"
ATTENDING_PHYSICIAN = Code("PCP", PARTICIPATION_FUNCTION, "Médecin Traitant")


@dataclass(frozen=True, slots=True)
class HeaderSpec:
    """What differs between document models in the header."""

    templates: Sequence[InstanceId]
    code: Code
    title: str
    service_event: Code | None
    service_start: datetime
    service_end: datetime | None = None


def professional_id(person: Professional, care_home: CareHome) -> InstanceId | None:
    """idNat_PS of a person: the national id, else `3` + FINESS + `/` + local id."""
    if person.national_id:
        return InstanceId(ID_NAT_PS, person.national_id)
    if person.local_id:
        return InstanceId(ID_NAT_PS, f"3{care_home.finess}/{person.local_id}")
    return None


def build_header(spec: HeaderSpec, identity: PatientIdentity, care_home: CareHome,
                 context: DocumentContext, *, attending_physician: Professional | None = None,
                 physician_required: bool = False, trusted_person: RelatedPerson | None = None,
                 emergency_contact: RelatedPerson | None = None,
                 encounter_start: date | None = None) -> Element:
    """A `ClinicalDocument` element holding the whole header, ready for its body.

    :param physician_required: write the médecin traitant participant even when unknown
        (the DLU requires it), with an unknown identifier.
    """
    root = etree.Element(tag("ClinicalDocument"), nsmap=NSMAP)
    sub(root, "realmCode", code="FR")
    sub(root, "typeId", root="2.16.840.1.113883.1.3", extension="POCD_HD000040")
    sub(root, "templateId", root=HL7_FRANCE_TEMPLATE)
    sub(root, "templateId", root=CISIS_TEMPLATE)
    for template in spec.templates:
        instance_id(root, template, "templateId")
    instance_id(root, context.document_id)
    coded(root, "code", spec.code)
    sub(root, "title", spec.title)
    sub(root, "effectiveTime", value=timestamp(context.effective_time))
    coded(root, "confidentialityCode", context.confidentiality.value)
    sub(root, "languageCode", code=context.language)
    instance_id(root, context.set_id, "setId")
    sub(root, "versionNumber", value=str(context.version))
    _record_target(root, identity)
    _author(root, context, care_home)
    for person, kind in ((emergency_contact, "ECON"), (trusted_person, "NOK")):
        if person is not None:
            _informant(root, person, kind)
    _custodian(root, care_home)
    _legal_authenticator(root, context, care_home)
    if attending_physician is not None or physician_required:
        _attending_physician(root, attending_physician, care_home, context.effective_time)
    _documentation_of(root, spec, context.author, care_home)
    if context.replaces is not None:
        parent = sub(sub(root, "relatedDocument", typeCode="RPLC"), "parentDocument")
        instance_id(parent, context.replaces)
    _component_of(root, care_home, encounter_start)
    return root


def _record_target(root: Element, identity: PatientIdentity) -> None:
    role = sub(sub(root, "recordTarget"), "patientRole")
    ins = identity.shareable_ins
    if ins is not None:
        sub(role, "id", root=ins.oid, extension=ins.matricule)
    instance_id(role, identity.ipp)
    patient = sub(role, "patient", classCode="PSN")
    name = sub(patient, "name")
    sub(name, "family", identity.birth_family_name, qualifier="BR")
    sub(name, "given", identity.first_birth_given_name, qualifier="BR")
    if identity.used_family_name:
        sub(name, "family", identity.used_family_name, qualifier="CL")
    if identity.used_given_name:
        sub(name, "given", identity.used_given_name, qualifier="CL")
    sub(name, "given", " ".join(identity.birth_given_names))
    coded(patient, "administrativeGenderCode", identity.sex.value)
    sub(patient, "birthTime", value=day(identity.birth_date))
    place_addr = sub(sub(sub(patient, "birthplace"), "place"), "addr")
    sub(place_addr, "county", identity.birthplace_cog)
    if identity.birthplace_city:
        sub(place_addr, "city", identity.birthplace_city)


def _person_id(parent: Element, person: Professional, care_home: CareHome) -> None:
    value = professional_id(person, care_home)
    if value is None:
        sub(parent, "id", nullFlavor="UNK")
    else:
        instance_id(parent, value)


def _organization(parent: Element, name: str, care_home: CareHome,
                  with_setting: bool = True) -> Element:
    organization = sub(parent, name)
    sub(organization, "id", root=ID_NAT_STRUCT, extension=care_home.id_nat_struct)
    sub(organization, "name", care_home.name)
    telecom(organization, care_home.telephone)
    address(organization, care_home.address)
    if with_setting:
        coded(organization, "standardIndustryClassCode", MEDICO_SOCIAL_SETTING)
    return organization


def _assigned_person(parent: Element, name: str, person: Professional,
                     care_home: CareHome, with_code: bool = True) -> Element:
    """assignedAuthor / assignedEntity content for a member of the home's staff."""
    entity = sub(parent, name)
    _person_id(entity, person, care_home)
    if with_code and person.profession is not None:
        coded(entity, "code", person.profession)
    address(entity, person.address or care_home.address)
    telecom(entity, person.telephone or care_home.telephone)
    person_name(sub(entity, "assignedPerson"), person.family_name, person.given_name)
    _organization(entity, "representedOrganization", care_home)
    return entity


def _author(root: Element, context: DocumentContext, care_home: CareHome) -> None:
    author = sub(root, "author")
    sub(author, "time", value=timestamp(context.effective_time))
    _assigned_person(author, "assignedAuthor", context.author, care_home)


def _informant(root: Element, person: RelatedPerson, kind: str) -> None:
    entity = sub(sub(root, "informant"), "relatedEntity", classCode=kind)
    coded(entity, "code", person.relationship)
    telecom(entity, person.telephone, use="H")
    person_name(sub(entity, "relatedPerson"), person.family_name, person.given_name)


def _custodian(root: Element, care_home: CareHome) -> None:
    assigned = sub(sub(root, "custodian"), "assignedCustodian")
    _organization(assigned, "representedCustodianOrganization", care_home, with_setting=False)


def _legal_authenticator(root: Element, context: DocumentContext, care_home: CareHome) -> None:
    legal = sub(root, "legalAuthenticator")
    sub(legal, "time", value=timestamp(context.effective_time))
    sub(legal, "signatureCode", code="S")
    _assigned_person(legal, "assignedEntity", context.signer, care_home)


def _attending_physician(root: Element, physician: Professional | None, care_home: CareHome,
                         since: datetime) -> None:
    participant = sub(root, "participant", typeCode="INF")
    coded(participant, "functionCode", ATTENDING_PHYSICIAN)
    time = sub(participant, "time", xsi_type="IVL_TS")
    sub(time, "low", value=timestamp(since))
    entity = sub(participant, "associatedEntity", classCode="PROV")
    if physician is None:
        sub(entity, "id", nullFlavor="NASK")
        return
    _person_id(entity, physician, care_home)
    address(entity, physician.address)
    telecom(entity, physician.telephone)
    person_name(sub(entity, "associatedPerson"), physician.family_name, physician.given_name)


def _documentation_of(root: Element, spec: HeaderSpec, author: Professional,
                      care_home: CareHome) -> None:
    event = sub(sub(root, "documentationOf"), "serviceEvent")
    if spec.service_event is not None:
        coded(event, "code", spec.service_event)
    period = sub(event, "effectiveTime")
    sub(period, "low", value=timestamp(spec.service_start))
    if spec.service_end is not None:
        sub(period, "high", value=timestamp(spec.service_end))
    performer = sub(event, "performer", typeCode="PRF")
    _assigned_person(performer, "assignedEntity", author, care_home, with_code=False)


def _component_of(root: Element, care_home: CareHome, start: date | None) -> None:
    encounter = sub(sub(root, "componentOf"), "encompassingEncounter")
    coded(encounter, "code", RESIDENCE_ENCOUNTER)
    if start is None:
        time_element(encounter, "effectiveTime", None)
    else:
        sub(sub(encounter, "effectiveTime"), "low", value=day(start))
    facility = sub(sub(encounter, "location"), "healthCareFacility")
    sub(facility, "id", root=ID_NAT_STRUCT, extension=care_home.id_nat_struct)
    coded(facility, "code", care_home.facility_type)
    place = sub(facility, "location")
    sub(place, "name", care_home.name)
    address(place, care_home.address)
    _organization(facility, "serviceProviderOrganization", care_home)
