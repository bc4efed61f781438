"""Fictional residents and documents queued in a real record, for the sync tests and benchmark."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone

from edge import DocumentKind, Recipient, RecipientKind, admit_resident, validate_traits
from edge.documents import (
    Address,
    Attachment,
    CareHome,
    DocumentContext,
    Facility,
    IdentityStatus,
    Ins,
    InstanceId,
    PatientIdentity,
    Professional,
    ResidentRecord,
    Transfer,
    build_dlu,
    build_fludt,
    build_n1,
)
from edge.documents.codes import DOCTOR, LOINC, NURSE, Code, Consciousness, Sex
from edge.documents.queue import queue_document, version_chain
from edge.ins import InsOid
from edge.storage import Database

FINESS = "750000001"
HOME_NAME = "EHPAD Les Tilleuls"
PARIS = timezone(timedelta(hours=1))
NOW = datetime(2026, 11, 20, 14, 30, tzinfo=PARIS)
IPP_OID = "1.2.250.1.999.7.1"
DOCUMENT_OID = "1.2.250.1.999.7.2"
CARE_HOME = CareHome(HOME_NAME, FINESS, Address("12 rue des Lilas", "75011", "PARIS"),
                     "01 43 00 00 00")
NURSE_AUTHOR = Professional("MARTIN", "Sophie", profession=NURSE, local_id="IDE042")
COORDINATOR = Professional("DURAND", "Paul", profession=DOCTOR, national_id="810000000001")
N1_TYPE = Code("11488-4", LOINC, "Compte rendu de consultation")
DOCTOR_BOX = Recipient("dr.martin@ch-exemple.mssante.fr", RecipientKind.PROFESSIONAL)
TINY_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def matricule(number: int) -> str:
    """A valid test matricule (woman born 1935-03 in the Marne), distinct for each number."""
    body = f"2350351215{number:03d}"
    return body + f"{97 - int(body) % 97:02d}"


@dataclass(frozen=True, slots=True)
class SampleResident:
    id: str
    identity: PatientIdentity

    @property
    def matricule(self) -> str:
        assert self.identity.ins is not None
        return self.identity.ins.matricule


def admit(db: Database, number: int, *, status: IdentityStatus = IdentityStatus.QUAL
          ) -> SampleResident:
    """A resident in the record; the identity handed to the documents has the given status."""
    family = "TESTEUR-" + "".join("ABCDEFGHIJ"[int(d)] for d in str(number))
    traits = validate_traits(birth_family_name=family, birth_given_names="JEANNE",
                             birth_date=date(1935, 3, 2), sex="F", birthplace="51215",
                             today=date(2026, 11, 22))
    code = matricule(number)
    resident_id = admit_resident(db, None, traits, matricule=code, oid=InsOid.TEST.value)
    identity = PatientIdentity(
        birth_family_name=family, birth_given_names=("JEANNE",),
        birth_date=date(1935, 3, 2), sex=Sex.F, birthplace_cog="51215",
        ipp=InstanceId(IPP_OID, f"IPP{number:05d}"), status=status,
        ins=Ins(code, InsOid.TEST.value))
    return SampleResident(resident_id, identity)


def _context(serial: str, *, version: int = 1, replaces: InstanceId | None = None,
             when: datetime = NOW) -> DocumentContext:
    return DocumentContext(document_id=InstanceId(f"{DOCUMENT_OID}.{serial}.{version}"),
                           set_id=InstanceId(f"{DOCUMENT_OID}.{serial}"), version=version,
                           effective_time=when, author=NURSE_AUTHOR,
                           legal_authenticator=COORDINATOR, replaces=replaces)


def queue_n1(db: Database, resident: SampleResident, serial: str, *, title: str = "Compte rendu",
             recipients: tuple[Recipient, ...] = ()) -> str:
    """Build, check and queue an N1 document wrapping a small PDF; return the document id.

    Without ``recipients`` it goes to the DMP only; with them, to MSSanté as well."""
    pdf = TINY_PDF.replace(b"%%EOF", f"% {serial}\n%%EOF".encode())
    xml = build_n1(resident.identity, CARE_HOME, Attachment(title, N1_TYPE, pdf, NOW),
                   _context(serial))
    return queue_document(db, xml=xml, kind=DocumentKind.N1, identity=resident.identity,
                          care_home=CARE_HOME, resident_id=resident.id, author_id=None, now=NOW,
                          recipients=recipients)


def queue_n1_correction(db: Database, resident: SampleResident, old_document_id: str,
                        serial: str) -> str:
    """A corrected version (RPLC) of an N1 queued by `queue_n1` with the same serial."""
    chain = version_chain(db, old_document_id)
    pdf = TINY_PDF.replace(b"%%EOF", f"% {serial} corrigé\n%%EOF".encode())
    context = _context(serial, version=chain.version, replaces=chain.replaces,
                       when=NOW + timedelta(hours=1))
    xml = build_n1(resident.identity, CARE_HOME,
                   Attachment("Compte rendu corrigé", N1_TYPE, pdf, NOW + timedelta(hours=1)),
                   context)
    return queue_document(db, xml=xml, kind=DocumentKind.N1, identity=resident.identity,
                          care_home=CARE_HOME, resident_id=resident.id, author_id=None,
                          now=NOW + timedelta(hours=1), replaces=chain)


def queue_transfer(db: Database, resident: SampleResident, serial: str,
                   recipients: tuple[Recipient, ...] = ()) -> tuple[str, str]:
    """The DLU and its FLUDT for a transfer to hospital; return both document ids (to MSSanté
    as well when ``recipients`` are given)."""
    record = ResidentRecord(identity=resident.identity, care_home=CARE_HOME)
    transfer = Transfer("Chute, douleur de hanche", NOW + timedelta(minutes=20),
                        Facility("Centre hospitalier"), Consciousness.AWAKE)
    dlu = build_dlu(record, _context(f"{serial}1"))
    fludt = build_fludt(record, transfer, _context(f"{serial}2"))
    return (queue_document(db, xml=dlu, kind=DocumentKind.DLU, identity=resident.identity,
                           care_home=CARE_HOME, resident_id=resident.id, author_id=None, now=NOW,
                           recipients=recipients),
            queue_document(db, xml=fludt, kind=DocumentKind.FLUDT, identity=resident.identity,
                           care_home=CARE_HOME, resident_id=resident.id, author_id=None, now=NOW,
                           recipients=recipients))


def with_status(resident: SampleResident, status: IdentityStatus) -> SampleResident:
    return replace(resident, identity=replace(resident.identity, status=status))
