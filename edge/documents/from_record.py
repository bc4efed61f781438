"""Filling the DLU, FLUDT and N1 inputs from the resident's record.

Reads the identity and INS, the care context (médecin traitant, personne de confiance,
allergies, directives anticipées, treatments — free text typed by staff), the last value of
each vital sign and the recent transmissions, and turns them into the model values of
`edge.documents.model`. Where the record holds nothing, the value stays empty and the section
builders say so the way the model allows. Reading audits the access like any other read.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from edge.documents.codes import DOCTOR, NURSE, ROLE_CODE, VITAL_SIGNS, AllergyKind, Code, Sex
from edge.documents.model import (
    Address,
    Allergy,
    CareHome,
    DocumentContext,
    IdentityStatus,
    Ins,
    InstanceId,
    PatientIdentity,
    Professional,
    RelatedPerson,
    ResidentRecord,
    Transmission,
    Treatment,
    VitalSign,
)
from edge.documents.queue import VersionChain
from edge.documents.xds_build import uuid_oid
from edge.ins_status import IdentityStatus as RecordStatus
from edge.notes import list_notes
from edge.observations import list_observations
from edge.record import CareNote, Observation, Role, StaffUser
from edge.residents import Resident, get_resident
from edge.storage import Database, iso
from edge.users import list_users

TRANSMISSION_HOURS = 72
MAX_TRANSMISSIONS = 10
VITAL_SIGN_DAYS = 30
# Record code → code of the CDA vital-signs value set (SpO2 differs, see codes.VITAL_SIGNS).
_DOCUMENT_CODE = {"2708-6": "20564-1"}
_PHONE = re.compile(r"(?:\+33\s?|0)[1-9](?:[\s.-]?\d{2}){4}")
_TITLE = re.compile(r"^(?:dr\.?|docteur|pr\.?|professeur|m\.|mme|mr)\s+", re.IGNORECASE)
_ADDRESS = re.compile(r"^\s*(?P<street>.+?)\s*,\s*(?P<postal>\d{5})\s+(?P<city>.+?)\s*$")
_NOTHING = re.compile(r"^\s*(aucune?|néant|neant|ras|non|pas d[e'])\b", re.IGNORECASE)
_SPLIT = re.compile(r"[;\n]|,(?!\d)")
_RELATIONSHIPS = (
    ("fille", "DAUC", "Fille"), ("fils", "SONC", "Fils"), ("épouse", "WIFE", "Epouse"),
    ("epouse", "WIFE", "Epouse"), ("époux", "HUSB", "Epoux"), ("epoux", "HUSB", "Epoux"),
    ("mari", "HUSB", "Epoux"), ("frère", "BRO", "Frère"), ("frere", "BRO", "Frère"),
    ("sœur", "SIS", "Soeur"), ("soeur", "SIS", "Soeur"), ("neveu", "NEPHEW", "Neveu"),
    ("nièce", "NIECE", "Nièce"), ("niece", "NIECE", "Nièce"),
    ("petite-fille", "GRNDDAU", "Petite-fille"), ("petit-fils", "GRNDSO", "Petit-fils"),
    ("voisin", "NBOR", "Voisin(e)"), ("conjoint", "SIGOTHR", "Conjoint"),
)
_OTHER_CLOSE = Code("FRND", ROLE_CODE, "Autre proche")
_PROFESSION = {Role.MEDECIN: DOCTOR, Role.INFIRMIER: NURSE}


def ipp_root(finess: str) -> str:
    """The OID of the home's local resident ids (IPP), derived from its FINESS."""
    return uuid_oid("ipp", finess)


def parse_address(text: str) -> Address | None:
    """`12 rue des Lilas, 75011 PARIS` → an Address; None when the text is not in that shape."""
    match = _ADDRESS.match(text or "")
    if match is None:
        return None
    return Address(match["street"], match["postal"], match["city"].upper())


def care_home(name: str, finess: str, address: str, telephone: str) -> CareHome:
    """The home as the documents present it, from its settings."""
    return CareHome(name, finess, parse_address(address) or Address("", "", ""), telephone)


def identity_of(resident: Resident, ipp_oid: str) -> PatientIdentity:
    """The document identity of a resident: traits, IPP, RNIV status and INS (if any)."""
    traits = resident.traits
    return PatientIdentity(
        birth_family_name=traits.birth_family_name,
        birth_given_names=traits.birth_given_names,
        birth_date=traits.birth_date, sex=Sex[traits.sex.value],
        birthplace_cog=traits.birthplace, ipp=InstanceId(ipp_oid, resident.id),
        status=IdentityStatus(RecordStatus(resident.status).value),
        ins=Ins(resident.matricule, resident.oid) if resident.matricule and resident.oid
        else None,
        used_family_name=traits.used_family_name, used_given_name=traits.used_given_name)


def _phone(text: str) -> tuple[str, str | None]:
    match = _PHONE.search(text)
    if match is None:
        return text, None
    return (text[:match.start()] + text[match.end():]), match.group(0)


def _names(text: str) -> tuple[str, str]:
    """(family, given) from `NOM Prénom`: upper-case words are the family name."""
    words = _TITLE.sub("", " ".join(re.sub(r"\(.*?\)", " ", text).replace(",", " ").split()))
    tokens = words.split()
    family = [t for t in tokens if t.isupper() and len(t) > 1]
    given = [t for t in tokens if t not in family]
    if not family:
        return (tokens[-1].upper(), " ".join(tokens[:-1])) if tokens else ("", "")
    return " ".join(family), " ".join(given)


def professional_from_text(text: str | None) -> Professional | None:
    """The médecin traitant as typed (`Dr LEFEBVRE Anne 01 44 00 00 01`)."""
    if not text or not text.strip() or _NOTHING.match(text):
        return None
    rest, phone = _phone(text)
    family, given = _names(rest)
    return Professional(family, given or "-", DOCTOR, telephone=phone) if family else None


def related_person_from_text(text: str | None) -> RelatedPerson | None:
    """A personne de confiance / à prévenir as typed (`COLIN Jeanne (fille) 06 12 34 56 78`)."""
    if not text or not text.strip() or _NOTHING.match(text):
        return None
    rest, phone = _phone(text)
    lowered = rest.lower()
    relationship = next((Code(code, ROLE_CODE, label) for word, code, label in
                         sorted(_RELATIONSHIPS, key=lambda r: -len(r[0]))
                         if re.search(rf"\b{re.escape(word)}\b", lowered)), _OTHER_CLOSE)
    for word, _, _ in _RELATIONSHIPS:
        rest = re.sub(rf"\b{re.escape(word)}\b", " ", rest, flags=re.IGNORECASE)
    family, given = _names(rest)
    return RelatedPerson(family, given or "-", relationship, phone) if family else None


def _items(text: str) -> list[str]:
    return [item.strip(" .") for item in _SPLIT.split(text) if item.strip(" .")]


def allergies_from_text(text: str | None) -> tuple[tuple[Allergy, ...], bool]:
    """(allergies, "none known") from the care context; empty text means not known."""
    if not text or not text.strip():
        return (), False
    if _NOTHING.match(text):
        return (), True
    return tuple(Allergy(AllergyKind.OTHER, item) for item in _items(text)), False


def treatments_from_text(text: str | None) -> tuple[tuple[Treatment, ...], bool]:
    """(treatments, "no current treatment"); each line `product : dosage`."""
    if not text or not text.strip():
        return (), False
    if _NOTHING.match(text):
        return (), True
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    treatments = []
    for line in lines:
        product, _, dosage = line.partition(":")
        treatments.append(Treatment(product.strip(), dosage.strip() or "selon prescription"))
    return tuple(treatments), False


def directives_from_text(text: str | None) -> tuple[bool | None, str | None]:
    """(written?, where they are kept): `non`/`aucune` → False; empty → not known."""
    if not text or not text.strip():
        return None, None
    if _NOTHING.match(text):
        return False, None
    return True, text.strip()


def last_vital_signs(observations: Sequence[Observation]) -> tuple[VitalSign, ...]:
    """The latest value of each vital sign the CDA vital-signs section accepts."""
    latest: dict[str, Observation] = {}
    for obs in observations:
        code = _DOCUMENT_CODE.get(obs.code, obs.code)
        kind = VITAL_SIGNS.get(code)
        if kind is None or obs.unit not in kind.units:
            continue
        if code not in latest or obs.observed_at >= latest[code].observed_at:
            latest[code] = obs
    return tuple(VitalSign(code, obs.unit, Decimal(str(obs.value)),
                           datetime.fromisoformat(obs.observed_at))
                 for code, obs in sorted(latest.items()))


def transmissions_from_notes(notes: Sequence[CareNote], authors: dict[str, str],
                             since: datetime) -> tuple[Transmission, ...]:
    """The current versions of the notes written since `since`, newest first."""
    kept = []
    for note in notes:
        written = datetime.fromisoformat(note.created_at)
        if note.amended_by is not None or written < since:
            continue
        parts = [f"{label} : {value}" for label, value in
                 (("D", note.donnees), ("A", note.actions), ("R", note.resultats)) if value]
        kept.append(Transmission(f"{note.cible} — " + " ; ".join(parts), written,
                                 authors.get(note.author_id, "équipe soignante")))
    return tuple(sorted(kept, key=lambda t: t.time, reverse=True)[:MAX_TRANSMISSIONS])


def staff_professional(user: StaffUser) -> Professional:
    """A member of staff as a document author (local id; profession when it has a code)."""
    family, given = _names(user.display_name)
    return Professional(family or user.login.upper(), given or "-", _PROFESSION.get(user.role),
                        local_id=user.id[:16])


def read_record(db: Database, resident_id: str, actor_id: str, home: CareHome,
                now: datetime) -> tuple[Resident, ResidentRecord]:
    """The resident and what the record holds for its DLU and FLUDT (reads are audited)."""
    resident = get_resident(db, resident_id, actor_id)
    context = resident.care_context
    allergies, no_allergy = allergies_from_text(context.get("allergies"))
    treatments, no_treatment = treatments_from_text(context.get("traitements"))
    written, location = directives_from_text(context.get("directives_anticipees"))
    observations = list_observations(db, resident_id, actor_id,
                                     since=iso(now - timedelta(days=VITAL_SIGN_DAYS)))
    authors = {user.id: user.display_name for user in list_users(db)}
    notes = list_notes(db, resident_id, actor_id, limit=50)
    record = ResidentRecord(
        identity=identity_of(resident, ipp_root(home.finess)), care_home=home,
        attending_physician=professional_from_text(context.get("medecin_traitant")),
        trusted_person=related_person_from_text(context.get("personne_de_confiance")),
        emergency_contact=related_person_from_text(context.get("personne_a_prevenir")),
        treatments=treatments, no_current_treatment=no_treatment,
        allergies=allergies, no_known_allergies=no_allergy,
        directives_written=written, directives_location=location,
        vital_signs=last_vital_signs(observations),
        transmissions=transmissions_from_notes(notes, authors,
                                               now - timedelta(hours=TRANSMISSION_HOURS)))
    return resident, record


def new_context(author: Professional, now: datetime, token: uuid.UUID, *,
                signer: Professional | None = None,
                chain: VersionChain | None = None) -> DocumentContext:
    """The identity of a new document (or of the next version of a chain).

    :param token: a fresh random UUID (the caller's randomness) naming the document.
    """
    document_id = InstanceId(f"2.25.{token.int}")
    if chain is None:
        return DocumentContext(document_id, InstanceId(uuid_oid("set", str(token))), 1, now,
                               author, signer)
    return DocumentContext(document_id, chain.set_id, chain.version, now, author, signer,
                           replaces=chain.replaces)
