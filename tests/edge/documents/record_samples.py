"""Residents written into a real (temporary) record, for documents filled from the record.

Four residents: one with a full care context, vital signs and transmissions; one with nothing
beyond its identity (every optional section empty); one whose INS was retrieved but not checked
(RECUP: its matricule must never leave); one provisional with "none" answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

from edge.config import load_settings
from edge.datadir import initialise, open_record
from edge.documents import Address, CareHome
from edge.ins import InsOid, matricule_key, validate_traits
from edge.ins_status import IdDocumentCheck, IdDocumentType, InsiResult, InsiReturnCode
from edge.notes import add_note, amend_note
from edge.observations import NewObservation, store_observations
from edge.record import CaptureMethod, Role
from edge.residents import admit_resident, record_identity_event, update_care_context
from edge.storage import Database
from edge.users import add_user

PARIS = timezone(timedelta(hours=1))
NOW = datetime(2026, 11, 20, 14, 30, tzinfo=PARIS)
TODAY = date(2026, 11, 20)
HOME = CareHome("EHPAD Les Tilleuls", "750000001",
                Address("12 rue des Lilas", "75011", "PARIS"), "01 43 00 00 00")


def matricule(body: str) -> str:
    return body + matricule_key(body)


FULL_MATRICULE = matricule("2380575056123")
EMPTY_MATRICULE = matricule("1421113055087")
RECUP_MATRICULE = matricule("2470351215189")
RESIDENT_NAMES = ("full", "empty", "unqualified", "provisional")


@dataclass(frozen=True)
class Sample:
    db: Database
    residents: dict[str, str]
    nurse_id: str
    doctor_id: str
    aide_id: str


def _qualify(db: Database, resident_id: str, actor: str, number: str) -> None:
    record_identity_event(db, resident_id, actor, InsiResult(
        InsiReturnCode.FOUND, matricule=number, oid=InsOid.TEST.value, traits_match=True))
    record_identity_event(db, resident_id, actor, IdDocumentCheck(IdDocumentType.PASSPORT))


def _clock(offset: timedelta):  # type: ignore[no-untyped-def]
    return lambda: (NOW + offset).astimezone(UTC)


def populate(db: Database) -> Sample:
    """Write the four residents (and three members of staff) into `db`."""
    nurse = add_user(db, None, "smartin", "MARTIN Sophie", Role.INFIRMIER, "correct horse battery 1")
    doctor = add_user(db, None, "alefebvre", "LEFEBVRE Anne", Role.MEDECIN,
                      "correct horse battery 2")
    aide = add_user(db, None, "kndiaye", "NDIAYE Khady", Role.AIDE_SOIGNANT,
                    "correct horse battery 3")
    full = admit_resident(db, nurse, validate_traits(
        birth_family_name="Béranger", birth_given_names="Marie Hélène", birth_date=date(1938, 5, 2),
        sex="F", birthplace="75056", today=TODAY, used_family_name="Colin"), room="12")
    _qualify(db, full, nurse, FULL_MATRICULE)
    update_care_context(db, full, nurse, context={
        "medecin_traitant": "Dr LEFEBVRE Anne 01 44 00 00 01",
        "personne_de_confiance": "COLIN Jeanne (fille) 06 12 34 56 78",
        "personne_a_prevenir": "COLIN Luc, fils, 06 98 76 54 32",
        "directives_anticipees": "Rédigées, dossier papier au bureau infirmier",
        "allergies": "Pénicilline ; crustacés, latex",
    })
    empty = admit_resident(db, nurse, validate_traits(
        birth_family_name="Nguyen", birth_given_names="Van", birth_date=date(1942, 11, 3), sex="M",
        birthplace="13055", today=TODAY))
    _qualify(db, empty, nurse, EMPTY_MATRICULE)
    unqualified = admit_resident(db, nurse, validate_traits(
        birth_family_name="Pat-Trois", birth_given_names="Dominique Marie-Louise",
        birth_date=date(1947, 3, 28), sex="F", birthplace="51215", today=TODAY))
    record_identity_event(db, unqualified, nurse, InsiResult(
        InsiReturnCode.FOUND, matricule=RECUP_MATRICULE, oid=InsOid.TEST.value, traits_match=True))
    update_care_context(db, unqualified, nurse, context={"allergies": "Iode"})
    provisional = admit_resident(db, nurse, validate_traits(
        birth_family_name="Casanova", birth_given_names="Antoniu", birth_date=date(1935, 4, 12),
        sex="M", birthplace="2A004", today=TODAY))
    update_care_context(db, provisional, nurse, context={
        "allergies": "Aucune allergie connue", "directives_anticipees": "Non rédigées",
        "medecin_traitant": "Dupuis"})
    _vitals(db, full, nurse)
    _notes(db, full, nurse, aide)
    return Sample(db, {"full": full, "empty": empty, "unqualified": unqualified,
                       "provisional": provisional}, nurse, doctor, aide)


def _vitals(db: Database, resident_id: str, nurse: str) -> None:
    def at(hours: float) -> str:
        return (NOW - timedelta(hours=hours)).astimezone(UTC).isoformat()

    def obs(code: str, unit: str, value: float, hours: float) -> NewObservation:
        return NewObservation(code, unit, value, CaptureMethod.TYPED, at(hours), resident_id,
                              nurse)

    store_observations(db, [obs("8867-4", "/min", 78, 26), obs("8310-5", "Cel", 37.1, 26)])
    store_observations(db, [obs("8867-4", "/min", 92, 2), obs("8310-5", "Cel", 38.4, 2),
                            obs("8480-6", "mm[Hg]", 142, 2), obs("8462-4", "mm[Hg]", 85, 2),
                            obs("2708-6", "%", 91, 2), obs("2339-0", "mg/dL", 130, 2)])
    store_observations(db, [obs("29463-7", "kg", 61.5, 24 * 6)])


def _notes(db: Database, resident_id: str, nurse: str, aide: str) -> None:
    clock = db.clock
    try:
        db.clock = _clock(-timedelta(days=5))
        add_note(db, resident_id, nurse, "Sommeil", "Nuit calme, ancienne transmission")
        db.clock = _clock(-timedelta(hours=9))
        add_note(db, resident_id, aide, "Comportement", "Nuit agitée")
        db.clock = _clock(-timedelta(hours=3))
        first = add_note(db, resident_id, nurse, "Respiration", "Toux grasse", "SpO2 contrôlée")
        amend_note(db, first, nurse, "précision", "Respiration", "Toux grasse depuis ce matin",
                   "SpO2 contrôlée", "91 % sous air")
    finally:
        db.clock = clock


def open_sample(folder) -> Sample:  # type: ignore[no-untyped-def]
    """A new record in `folder` holding the four residents."""
    settings = load_settings({}, {"data_dir": folder / "data", "key_file": folder / "k.key"})
    initialise(settings)
    return populate(open_record(settings))
