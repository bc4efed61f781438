"""Fictional demo data: about thirty residents, six months of vital signs, transmissions, staff.

Everything is invented: names are common French names drawn at random, matricules use the INS
*test* OID (1.2.250.1.213.1.4.10) with valid keys, identity statuses are mixed (PROV, RECUP, VALI,
QUAL). A few residents deteriorate over their last days so that alerts have something to show.
The generator takes its clock and random source as arguments, so a seed gives the same home.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from edge.factors import enrol_totp, set_pin, totp_code, totp_step
from edge.ins import InsOid, matricule_key, validate_traits
from edge.ins_status import IdDocumentCheck, IdDocumentType, InsiResult, InsiReturnCode
from edge.notes import add_note
from edge.observations import NewObservation, store_observations
from edge.record import CaptureMethod, Role
from edge.residents import admit_resident, record_identity_event, update_care_context
from edge.storage import Database, iso
from edge.users import add_user
from edge.vitals import CONSCIOUSNESS, OXYGEN_FLOW, VITAL_SIGNS

DEMO_PASSWORD = "relais-demo-2026"  # noqa: S105 - published demo password, fictional data only
DEMO_TOTP_SECRET = "RELAISDEMOTOTPSECRETRELAISDEMOXX"  # noqa: S105 - published with the demo, like its password
DEMO_PIN = "2580"
DEMO_STAFF = (
    ("as.demo", "Léa Martin (démo)", Role.AIDE_SOIGNANT),
    ("ide.demo", "Karim Benali (démo)", Role.INFIRMIER),
    ("medecin.demo", "Dr Claire Moreau (démo)", Role.MEDECIN),
    ("admin.demo", "Paul Lefèvre (démo)", Role.ADMINISTRATEUR),
)
_FAMILY = ("MARTIN", "BERNARD", "THOMAS", "PETIT", "ROBERT", "RICHARD", "DURAND", "DUBOIS",
           "MOREAU", "LAURENT", "SIMON", "MICHEL", "LEFEBVRE", "LEROY", "ROUX", "DAVID",
           "BERTRAND", "MOREL", "FOURNIER", "GIRARD", "BONNET", "DUPONT", "LAMBERT", "FONTAINE",
           "ROUSSEAU", "VINCENT", "MULLER", "LEFÈVRE", "FAURE", "ANDRÉ", "MERCIER", "BLANC")
_GIVEN_F = ("MARIE", "JEANNE", "FRANÇOISE", "MONIQUE", "SIMONE", "GENEVIÈVE", "COLETTE",
            "PAULETTE", "HÉLÈNE", "YVETTE", "SUZANNE", "DENISE")
_GIVEN_M = ("JEAN", "PIERRE", "ANDRÉ", "MICHEL", "RENÉ", "LOUIS", "MARCEL", "GEORGES", "ROGER",
            "BERNARD", "GÉRARD", "RAYMOND")
_PLACES = ("75056", "69123", "13055", "33063", "59350", "51454", "2A004", "2B033", "44109",
           "67482", "99134", "99352")
_NOTES = (
    ("Alimentation", "A mangé la moitié du plateau.", "Complément proposé.", "Accepté."),
    ("Sommeil", "Réveillé à 3 h, agité.", "Rassuré, verre d'eau.", "Rendormi à 3 h 30."),
    ("Douleur", "Se plaint du genou droit, EN 4.", "IDE prévenue, antalgique donné.",
     "EN 2 une heure après."),
    ("Mobilité", "Marche avec déambulateur jusqu'au salon.", "Accompagné.", "Sans chute."),
    ("Élimination", "Pas de selles depuis 3 jours.", "Hydratation renforcée, IDE informée.", ""),
)


@dataclass(frozen=True, slots=True)
class DemoSummary:
    residents: int
    observations: int
    notes: int
    staff: tuple[tuple[str, str], ...]


def _matricule(rng: random.Random, sex: str, birth: date, place: str) -> str:
    department = place[:2] if not place.startswith("99") else "99"
    commune = place[2:]
    body = f"{1 if sex == 'M' else 2}{birth.year % 100:02d}{birth.month:02d}{department}{commune}"
    body += f"{rng.randint(1, 999):03d}"
    return body + matricule_key(body)


def _vitals(rng: random.Random, sick: float) -> dict[str, float]:
    """One set of vitals; ``sick`` from 0 (well) to 1 (NEWS2 emergency)."""
    return {
        "9279-1": round(rng.gauss(16, 1.5) + sick * 12),
        "2708-6": min(100, round(rng.gauss(96, 1) - sick * 9)),
        "8480-6": round(rng.gauss(132, 10) - sick * 40),
        "8462-4": round(rng.gauss(76, 7) - sick * 20),
        "8867-4": round(rng.gauss(74, 7) + sick * 45),
        "8310-5": round(rng.gauss(36.8, 0.3) + sick * 2.2, 1),
        CONSCIOUSNESS: 1 if sick > 0.8 else 0,  # ACVPU rank: A, or new confusion when very ill
        OXYGEN_FLOW: 2.0 if sick > 0.6 else 0.0,  # L/min; 0 is room air
    }


_DOCTORS = ("Dr Claire MOREAU, 01 45 67 89 10", "Dr Karim BENALI, 04 72 11 22 33",
            "Dr Anne LEROY, 02 99 88 77 66")
_TREATMENTS = (
    "Paracétamol 500 mg : 1 g matin et soir si douleur\nFurosémide 40 mg : 1 cp le matin",
    "Lévothyroxine 75 µg : 1 cp à jeun\nAmlodipine 5 mg : 1 cp le soir",
    "Metformine 850 mg : 1 cp matin et soir\nAtorvastatine 20 mg : 1 cp le soir",
    "aucun",
)
_ALLERGIES = ("aucune connue", "Pénicilline (urticaire)", "Iode", "aucune connue")


def _care_context(rng: random.Random, index: int) -> dict[str, str]:
    """Fictional care context; every fourth resident keeps it empty, as on a first admission."""
    if index % 4 == 3:
        return {}
    return {
        "unite": rng.choice(("Rez-de-chaussée", "1er étage", "2e étage")),
        "medecin_traitant": rng.choice(_DOCTORS),
        "personne_de_confiance": rng.choice(("Mme Sophie MARTIN (fille), 06 12 34 56 78",
                                             "M. Paul DURAND (fils), 06 98 76 54 32")),
        "allergies": rng.choice(_ALLERGIES),
        "directives_anticipees": rng.choice(("Rédigées, dans le dossier papier du bureau infirmier",
                                             "non")),
        "traitements": rng.choice(_TREATMENTS),
    }


def demo_totp_code(now: datetime) -> str:
    """The demo accounts' second-factor code at ``now`` (`relais demo --code` prints it)."""
    return totp_code(DEMO_TOTP_SECRET, totp_step(now))


def create_demo_data(db: Database, rng: random.Random, now: datetime, *, residents: int = 30,
                     days: int = 182) -> DemoSummary:
    """Fill an empty record with the demo home."""
    staff_ids = {role: add_user(db, None, login, name, role, DEMO_PASSWORD)
                 for login, name, role in DEMO_STAFF}
    for user_id in staff_ids.values():
        enrol_totp(db, user_id, DEMO_TOTP_SECRET, demo_totp_code(now), now)
        set_pin(db, user_id, DEMO_PIN)
    carer, nurse = staff_ids[Role.AIDE_SOIGNANT], staff_ids[Role.INFIRMIER]
    today = now.date()
    deteriorating = set(rng.sample(range(residents), 3))
    observation_count = note_count = 0
    with db.write():
        for index in range(residents):
            sex = rng.choice("MF")
            names = _GIVEN_M if sex == "M" else _GIVEN_F
            given = " ".join(rng.sample(names, rng.choice((1, 2, 3))))
            birth = date(rng.randint(1925, 1948), rng.randint(1, 12), rng.randint(1, 28))
            place = rng.choice(_PLACES)
            traits = validate_traits(birth_family_name=_FAMILY[index % len(_FAMILY)],
                                     birth_given_names=given, birth_date=birth, sex=sex,
                                     birthplace=place, today=today)
            resident = admit_resident(db, nurse, traits, room=f"{100 + index * 2}")
            status_roll = index % 5
            if status_roll in (0, 1, 2):  # RECUP, then QUAL for two in three
                matricule = _matricule(rng, sex, birth, place)
                record_identity_event(db, resident, nurse, InsiResult(
                    InsiReturnCode.FOUND, matricule, InsOid.TEST.value, True))
            if status_roll in (0, 1, 3):  # ID document checked: QUAL or VALI
                record_identity_event(db, resident, nurse, IdDocumentCheck(
                    rng.choice((IdDocumentType.NATIONAL_ID_CARD, IdDocumentType.PASSPORT))))
            update_care_context(db, resident, nurse, context=_care_context(rng, index))
            weight = rng.uniform(48, 85)
            for day in range(days, -1, -1):
                for hour in (8, 20):
                    moment = datetime(today.year, today.month, today.day, hour,
                                      rng.randint(0, 59), tzinfo=now.tzinfo) - timedelta(days=day)
                    if moment > now:
                        continue
                    sick = max(0.0, 1 - day / 3) if index in deteriorating else 0.0
                    values = _vitals(rng, sick)
                    if day % 7 == 0 and hour == 8:
                        weight += rng.gauss(0, 0.3)
                        values["29463-7"] = round(weight, 1)
                    store_observations(db, [
                        NewObservation(code, VITAL_SIGNS[code].unit, value, CaptureMethod.TYPED,
                                       iso(moment), resident, carer)
                        for code, value in values.items()])
                    observation_count += len(values)
            for cible, donnees, actions, resultats in rng.sample(_NOTES, 3):
                add_note(db, resident, carer, cible, donnees, actions, resultats)
                note_count += 1
    return DemoSummary(residents, observation_count, note_count,
                       tuple((login, role.value) for login, _, role in DEMO_STAFF))
