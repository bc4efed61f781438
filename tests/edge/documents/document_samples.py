"""Fictional residents, transfers and document contexts shared by the document tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from edge.documents.codes import (
    DOCTOR,
    HOSPITAL_FACILITY,
    NURSE,
    ROLE_CODE,
    AllergyKind,
    BelongingKind,
    ChecklistItem,
    Code,
    Consciousness,
    DirectiveKind,
    PatientState,
    Sex,
)
from edge.documents.model import (
    Address,
    AdvanceDirective,
    Allergy,
    Annex,
    Belonging,
    CareHome,
    DocumentContext,
    Facility,
    IdentityStatus,
    Ins,
    InstanceId,
    PatientIdentity,
    Professional,
    RelatedPerson,
    ResidentRecord,
    StateObservation,
    Transfer,
    Transmission,
    Treatment,
    VitalSign,
)
from edge.ins import InsOid

PROJECT_ROOT = Path(__file__).resolve().parents[3]
SHARED = PROJECT_ROOT.parent / "shared"
PARIS = timezone(timedelta(hours=1))
NOW = datetime(2026, 11, 20, 14, 30, tzinfo=PARIS)
IPP_OID = "1.2.250.1.999.1.1.1"
DOCUMENT_OID = "1.2.250.1.999.1.1.2"

# A one-page PDF written by hand (fixed bytes, enough for readers and for the magic check).
TINY_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)

CARE_HOME = CareHome(
    name="EHPAD Les Tilleuls",
    finess="750000001",
    address=Address("12 rue des Lilas", "75011", "PARIS"),
    telephone="01 43 00 00 00",
)
NURSE_AUTHOR = Professional("MARTIN", "Sophie", profession=NURSE, local_id="IDE042")
COORDINATOR = Professional("DURAND", "Paul", profession=DOCTOR, national_id="810000000001")
GP = Professional("LEFEBVRE", "Anne", profession=DOCTOR, national_id="810000000002",
                  telephone="01 44 00 00 01",
                  address=Address("3 place Voltaire", "75011", "PARIS"))


def identity(matricule: str | None, status: IdentityStatus, *, family: str, given: tuple[str, ...],
             born: date, sex: Sex, cog: str, ipp: str) -> PatientIdentity:
    """An identity with the test INS namespace."""
    return PatientIdentity(
        birth_family_name=family, birth_given_names=given, birth_date=born, sex=sex,
        birthplace_cog=cog, ipp=InstanceId(IPP_OID, ipp), status=status,
        ins=Ins(matricule, InsOid.TEST.value) if matricule else None,
    )


def full_record() -> ResidentRecord:
    """A qualified resident with every part of the record filled in."""
    who = replace(
        identity("238057505612313", IdentityStatus.QUAL, family="BÉRANGER",
                 given=("MARIE", "HÉLÈNE", "ŒNONE"), born=date(1938, 5, 2), sex=Sex.F,
                 cog="75056", ipp="IPP0001"),
        used_family_name="COLIN", used_given_name="Marie-Hélène", birthplace_city="PARIS")
    return ResidentRecord(
        identity=who,
        care_home=CARE_HOME,
        attending_physician=GP,
        trusted_person=RelatedPerson("COLIN", "Jeanne", Code("DAUC", ROLE_CODE, "Fille"),
                                     "06 12 34 56 78"),
        emergency_contact=RelatedPerson("COLIN", "Luc", Code("SONC", ROLE_CODE, "Fils"),
                                        "06 98 76 54 32"),
        admission_date=date(2021, 9, 1),
        preferred_hospital=Facility("Hôpital Saint-Antoine", finess="750100125",
                                    facility_type=HOSPITAL_FACILITY,
                                    address=Address("184 rue du Faubourg Saint-Antoine",
                                                    "75012", "PARIS"),
                                    telephone="01 49 28 20 00"),
        treatments=(
            Treatment("KARDEGIC 75 mg, poudre pour solution buvable", "1 sachet le midi",
                      cis_code="63366613", start=date(2023, 1, 10)),
            Treatment("Paracétamol 500 mg", "1 g si douleur, 3 fois par jour au plus"),
        ),
        allergies=(Allergy(AllergyKind.DRUG, "Pénicilline", "urticaire", date(1990, 1, 1)),
                   Allergy(AllergyKind.FOOD, "Crustacés"),
                   Allergy(AllergyKind.SUBSTANCE, "Latex"),
                   Allergy(AllergyKind.DRUG_INTOLERANCE, "Codéine", "nausées"),
                   Allergy(AllergyKind.FOOD_INTOLERANCE, "Lactose")),
        directives_written=True,
        directives_location="dossier papier, bureau infirmier",
        directives=tuple(AdvanceDirective(kind, (False, True, None)[n % 3], f"précision {n}")
                         for n, kind in enumerate(DirectiveKind)),
        palliative_care=False,
        state=(StateObservation(PatientState.ORIENTED, True),
               StateObservation(PatientState.FALLS, True),
               StateObservation(PatientState.HEARING_IMPAIRMENT, False)),
        multiresistant_bacteria=False,
        vital_signs=(
            VitalSign("8867-4", "/min", Decimal("82"), NOW - timedelta(hours=2)),
            VitalSign("8867-4", "/min", Decimal("78"), NOW - timedelta(days=1)),
            VitalSign("8310-5", "Cel", Decimal("38.4"), NOW - timedelta(hours=2)),
            VitalSign("8480-6", "mm[Hg]", Decimal("142"), NOW - timedelta(hours=2)),
            VitalSign("8462-4", "mm[Hg]", Decimal("85"), NOW - timedelta(hours=2)),
            VitalSign("29463-7", "kg", Decimal("61.5"), NOW - timedelta(days=6)),
            VitalSign("20564-1", "%", Decimal("91"), NOW - timedelta(hours=2)),
        ),
        transmissions=(
            Transmission("Toux grasse depuis ce matin, a peu mangé.", NOW - timedelta(hours=3),
                         "S. MARTIN (IDE)"),
            Transmission("Nuit agitée.", NOW - timedelta(hours=9), "K. NDIAYE (AS)"),
        ),
        annexes=(Annex(ChecklistItem.PRESCRIPTIONS_COPY, TINY_PDF),),
    )


def empty_record() -> ResidentRecord:
    """A qualified resident whose record holds nothing optional: every list empty."""
    return ResidentRecord(
        identity=identity("142111305508754", IdentityStatus.QUAL, family="NGUYEN",
                          given=("VAN",), born=date(1942, 11, 3), sex=Sex.M, cog="13055",
                          ipp="IPP0002"),
        care_home=CARE_HOME,
    )


def unqualified_record() -> ResidentRecord:
    """A resident whose INS was retrieved but not checked against an ID document (RECUP)."""
    return replace(
        full_record(),
        identity=identity("279035121518989", IdentityStatus.RECUP, family="PAT-TROIS",
                          given=("DOMINIQUE", "MARIE-LOUISE"), born=date(1979, 3, 28),
                          sex=Sex.F, cog="51215", ipp="IPP0003"),
    )


def corsican_record() -> ResidentRecord:
    """A qualified resident born in Ajaccio (department 2A in the matricule)."""
    return replace(
        empty_record(),
        identity=identity("135042A00412365", IdentityStatus.QUAL, family="CASANOVA",
                          given=("ANTONIU", "PAULU"), born=date(1935, 4, 12), sex=Sex.M,
                          cog="2A004", ipp="IPP0004"),
        no_known_allergies=True,
        no_current_treatment=True,
    )


RESIDENTS = {
    "full": full_record,
    "empty": empty_record,
    "unqualified": unqualified_record,
    "corsican": corsican_record,
}


def context(name: str, kind: str, author: Professional = NURSE_AUTHOR) -> DocumentContext:
    """A document context whose unique id depends on the resident and the document kind."""
    number = {"dlu": 1, "fludt": 2, "n1": 3}[kind]
    serial = f"{sorted(RESIDENTS).index(name) + 1}{number}"
    return DocumentContext(
        document_id=InstanceId(f"{DOCUMENT_OID}.{serial}.1"),
        set_id=InstanceId(f"{DOCUMENT_OID}.{serial}"),
        version=1,
        effective_time=NOW,
        author=author,
        legal_authenticator=COORDINATOR,
    )


def transfer(full: bool = True) -> Transfer:
    """Transfer data for the FLUDT; `full=False` gives only what is mandatory."""
    destination = Facility("Hôpital Saint-Antoine — urgences", finess="750100125",
                           facility_type=HOSPITAL_FACILITY)
    if not full:
        return Transfer("Chute, douleur de hanche", NOW + timedelta(minutes=20),
                        Facility("Centre hospitalier"), Consciousness.AWAKE)
    return Transfer(
        reason="Détresse respiratoire, SpO2 à 91 % sous air",
        departure=NOW + timedelta(minutes=20),
        destination=destination,
        consciousness=Consciousness.ROUSABLE,
        recent_pain=True,
        pain_location="thorax",
        last_treatment_time=NOW - timedelta(hours=2, minutes=30),
        last_meal_time=NOW - timedelta(hours=2),
        belongings=(Belonging(BelongingKind.GLASSES), Belonging(BelongingKind.DENTURES, "haut"),
                    Belonging(BelongingKind.HEARING_AID, "gauche"),
                    Belonging(BelongingKind.OTHER, "Déambulateur")),
        comment="Fille prévenue.",
    )
