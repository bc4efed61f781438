"""The values a document is built from: identity, care home, people, clinical data, context.

These records are the input of the builders (`dlu`, `fludt`, `n1`) and of the PDF rendering.
They carry values only; they do no I/O. Every date-time must carry its time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from edge.documents.codes import (
    EHPAD_FACILITY,
    AllergyKind,
    BelongingKind,
    ChecklistItem,
    Code,
    Confidentiality,
    Consciousness,
    DirectiveKind,
    PatientState,
    Sex,
)


class IdentityStatus(Enum):
    """RNIV identity status; only QUAL lets the INS matricule leave the appliance."""

    PROV = "PROV"
    RECUP = "RECUP"
    VALI = "VALI"
    QUAL = "QUAL"


@dataclass(frozen=True, slots=True)
class InstanceId:
    """An HL7 instance identifier: an OID root and an optional extension."""

    root: str
    extension: str | None = None


@dataclass(frozen=True, slots=True)
class Ins:
    """The INS: 15-character matricule (NIR or NIA) and the OID of its namespace."""

    matricule: str
    oid: str


@dataclass(frozen=True, slots=True)
class PatientIdentity:
    """A resident's identity: the five INS traits, the local IPP, the status, the INS if any.

    `birth_given_names` is the full list of birth given names, in order; the first one is
    derived from it. The matricule is written in a document only when `status` is QUAL.
    """

    birth_family_name: str
    birth_given_names: tuple[str, ...]
    birth_date: date
    sex: Sex
    birthplace_cog: str
    ipp: InstanceId
    status: IdentityStatus
    ins: Ins | None = None
    used_family_name: str | None = None
    used_given_name: str | None = None
    birthplace_city: str | None = None

    @property
    def first_birth_given_name(self) -> str:
        """The first birth given name (INS trait `prénom de naissance` qualifier BR)."""
        return self.birth_given_names[0] if self.birth_given_names else ""

    @property
    def shareable_ins(self) -> Ins | None:
        """The INS when it may be transmitted (identity qualified), otherwise None."""
        return self.ins if self.status is IdentityStatus.QUAL else None


@dataclass(frozen=True, slots=True)
class Address:
    """A postal address."""

    street: str
    postal_code: str
    city: str
    country: str | None = None


@dataclass(frozen=True, slots=True)
class CareHome:
    """The EHPAD that keeps the record and is custodian of its documents."""

    name: str
    finess: str
    address: Address
    telephone: str
    facility_type: Code = EHPAD_FACILITY

    @property
    def id_nat_struct(self) -> str:
        """National structure identifier: `1` followed by the FINESS number."""
        return f"1{self.finess}"


@dataclass(frozen=True, slots=True)
class Professional:
    """A staff member or physician: national id (idNat_PS) when known, else a local id."""

    family_name: str
    given_name: str
    profession: Code | None = None
    national_id: str | None = None
    local_id: str | None = None
    telephone: str | None = None
    address: Address | None = None


@dataclass(frozen=True, slots=True)
class RelatedPerson:
    """A relative or close person (personne de confiance, personne à prévenir)."""

    family_name: str
    given_name: str
    relationship: Code
    telephone: str | None = None


@dataclass(frozen=True, slots=True)
class Facility:
    """A health facility outside the home (hospital of preference, transfer destination)."""

    name: str
    finess: str | None = None
    facility_type: Code | None = None
    address: Address | None = None
    telephone: str | None = None


@dataclass(frozen=True, slots=True)
class Treatment:
    """A current treatment: the product as written, its CIS code when known, the dosage."""

    label: str
    dosage: str
    cis_code: str | None = None
    start: date | None = None
    end: date | None = None


@dataclass(frozen=True, slots=True)
class Allergy:
    """An allergy or intolerance: its kind and the agent as written."""

    kind: AllergyKind
    agent: str
    reaction: str | None = None
    since: date | None = None


@dataclass(frozen=True, slots=True)
class AdvanceDirective:
    """One advance directive: what it is about, whether the resident accepts it, a note."""

    kind: DirectiveKind
    accepted: bool | None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class StateObservation:
    """Whether one state item of the DLU (oriented, falls, …) applies to the resident."""

    state: PatientState
    present: bool


@dataclass(frozen=True, slots=True)
class VitalSign:
    """A measured vital sign: LOINC code, UCUM unit, value and time of measurement."""

    loinc: str
    unit: str
    value: Decimal
    time: datetime


@dataclass(frozen=True, slots=True)
class Transmission:
    """A recent written transmission by a member of staff."""

    text: str
    time: datetime
    author: str


@dataclass(frozen=True, slots=True)
class Annex:
    """A PDF annexed to the DLU, with its place in the DLU checklist."""

    item: ChecklistItem
    pdf: bytes


@dataclass(frozen=True, slots=True)
class Belonging:
    """A prosthesis or personal item going with the resident to hospital."""

    kind: BelongingKind
    note: str | None = None


@dataclass(frozen=True, slots=True)
class ResidentRecord:
    """What the record holds about a resident for the DLU and the FLUDT.

    Every clinical list may be empty. `no_known_allergies` and `no_current_treatment` say that
    a person checked and found none; an empty list without them means "not known".
    """

    identity: PatientIdentity
    care_home: CareHome
    attending_physician: Professional | None = None
    trusted_person: RelatedPerson | None = None
    emergency_contact: RelatedPerson | None = None
    admission_date: date | None = None
    preferred_hospital: Facility | None = None
    treatments: tuple[Treatment, ...] = ()
    no_current_treatment: bool = False
    allergies: tuple[Allergy, ...] = ()
    no_known_allergies: bool = False
    directives_written: bool | None = None
    directives_location: str | None = None
    directives: tuple[AdvanceDirective, ...] = ()
    palliative_care: bool | None = None
    state: tuple[StateObservation, ...] = ()
    multiresistant_bacteria: bool | None = None
    vital_signs: tuple[VitalSign, ...] = ()
    transmissions: tuple[Transmission, ...] = ()
    annexes: tuple[Annex, ...] = ()


@dataclass(frozen=True, slots=True)
class Transfer:
    """What the transfer sheet (FLUDT) adds at the moment a resident leaves for hospital."""

    reason: str
    departure: datetime
    destination: Facility
    consciousness: Consciousness | None = None
    recent_pain: bool | None = None
    pain_location: str | None = None
    last_treatment_time: datetime | None = None
    last_meal_time: datetime | None = None
    belongings: tuple[Belonging, ...] = ()
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class DocumentContext:
    """The identity of one document version and who authored and signs it.

    `document_id` becomes the XDS uniqueId; `set_id` is shared by all versions; a version
    above 1 names the document it replaces in `replaces`.
    """

    document_id: InstanceId
    set_id: InstanceId
    version: int
    effective_time: datetime
    author: Professional
    legal_authenticator: Professional | None = None
    confidentiality: Confidentiality = Confidentiality.NORMAL
    language: str = "fr-FR"
    replaces: InstanceId | None = None

    @property
    def signer(self) -> Professional:
        """Who takes legal responsibility: the legal authenticator, else the author."""
        return self.legal_authenticator or self.author


@dataclass(frozen=True, slots=True)
class Attachment:
    """A PDF a member of staff adds to the resident's file, wrapped as an N1 CDA document."""

    title: str
    type_code: Code
    pdf: bytes
    service_time: datetime
