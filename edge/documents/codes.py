"""Code systems, OIDs and the coded vocabularies the EHPAD documents use (DLU, FLUDT, N1).

Each vocabulary is an enum whose value is a `Code`; the tables come from the CI-SIS value sets
named in the comments (facts, re-typed here; the value-set files are not read at run time).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

LOINC = "2.16.840.1.113883.6.1"
SNOMED = "2.16.840.1.113883.6.96"
CIM10 = "2.16.840.1.113883.6.3"
TA_ASIP = "1.2.250.1.213.1.1.4.322"
EMDN = "1.2.250.1.213.2.68"
ABSENT_OR_UNKNOWN = "2.16.840.1.113883.5.1150.1"
CIS = "1.2.250.1.213.2.3.1"
CONFIDENTIALITY = "2.16.840.1.113883.5.25"
ADMINISTRATIVE_GENDER = "2.16.840.1.113883.5.1"
ROLE_CODE = "2.16.840.1.113883.5.111"
PARTICIPATION_FUNCTION = "2.16.840.1.113883.5.88"
ACT_ENCOUNTER = "2.16.840.1.113883.5.4"
FACILITY_TYPE = "1.2.250.1.71.4.2.4"
PRACTICE_SETTING = "1.2.250.1.213.1.1.4.9"
PROFESSION = "1.2.250.1.213.1.1.4.5"
ID_NAT_PS = "1.2.250.1.71.4.2.1"
ID_NAT_STRUCT = "1.2.250.1.71.4.2.2"


@dataclass(frozen=True, slots=True)
class Code:
    """A coded value: code, code system OID and its French label."""

    code: str
    system: str
    display: str


EHPAD_FACILITY = Code("SA17", FACILITY_TYPE, "Etablissement pour personnes âgées")
HOSPITAL_FACILITY = Code("SA01", FACILITY_TYPE, "Etablissement public de santé")
MEDICO_SOCIAL_SETTING = Code("ESSMS", PRACTICE_SETTING,
                             "Etablissement ou Service Social ou Médico-Social")
RESIDENCE_ENCOUNTER = Code("IMP", ACT_ENCOUNTER, "Hospitalisation (établissement, y compris HAD)")
DOCTOR = Code("G15_10", PROFESSION, "Médecin")
NURSE = Code("G15_60", PROFESSION, "Infirmier")


class Confidentiality(Enum):
    """Confidentiality of a document (HL7 Confidentiality, value set J58 first occurrence)."""

    NORMAL = Code("N", CONFIDENTIALITY, "Normal")
    RESTRICTED = Code("R", CONFIDENTIALITY, "Restreint")
    VERY_RESTRICTED = Code("V", CONFIDENTIALITY, "Très restreint")


class Sex(Enum):
    """Administrative sex as returned by INSi."""

    M = Code("M", ADMINISTRATIVE_GENDER, "Masculin")
    F = Code("F", ADMINISTRATIVE_GENDER, "Féminin")


class AllergyKind(Enum):
    """Type of allergy or intolerance (SNOMED CT, JDV_TypeEvenementIndesirablePrevisible)."""

    DRUG = Code("416098002", SNOMED, "allergie médicamenteuse")
    FOOD = Code("414285001", SNOMED, "allergie alimentaire")
    SUBSTANCE = Code("419199007", SNOMED, "allergie à une substance")
    DRUG_INTOLERANCE = Code("59037007", SNOMED, "intolérance aux drogues et/ou médicaments")
    FOOD_INTOLERANCE = Code("235719002", SNOMED, "intolérance alimentaire")
    OTHER = Code("420134006", SNOMED, "propension aux effets indésirables")


class DirectiveKind(Enum):
    """Subject of an advance directive (JDV_TypeDirectiveAnticipee_CISIS)."""

    RESUSCITATION = Code("75779-9", LOINC, "Réanimation cardiaque et respiratoire")
    LIFE_SUPPORT = Code("75789-8", LOINC, "Maintient artificiel en vie")
    VENTILATION = Code("75787-2", LOINC, "Assistance respiratoire")
    ARTIFICIAL_NUTRITION = Code("77352-3", LOINC, "Alimentation et hydratation artificielles")
    DIALYSIS = Code("MED-295", TA_ASIP, "Dialyse rénale")
    DEEP_SEDATION = Code("MED-298", TA_ASIP,
                         "Sédation profonde et continue associée à un traitement de la douleur")
    SURGERY = Code("387713003", SNOMED, "intervention chirurgicale")
    OTHER = Code("75793-0", LOINC, "Autre directive")


DIRECTIVES_WRITTEN = Code("42348-3", LOINC, "Directives anticipées")


class PatientState(Enum):
    """What the DLU records about the resident's state (JDV_ObservationEtatPatient_CISIS)."""

    CAN_ALERT = Code("288575003", SNOMED, "capable de communiquer")
    ORIENTED = Code("247663003", SNOMED, "bien orienté")
    DISORIENTED = Code("62476001", SNOMED, "désorienté(e)")
    AGITATED = Code("24199005", SNOMED, "sensation d'agitation")
    OPPOSING = Code("248043008", SNOMED, "comportement non-conciliant")
    SUICIDE_RISK = Code("425104003", SNOMED, "comportement suicidaire")
    VISUAL_IMPAIRMENT = Code("397540003", SNOMED, "malvoyance")
    HEARING_IMPAIRMENT = Code("15188001", SNOMED, "perte auditive")
    SPEECH_IMPAIRMENT = Code("62305002", SNOMED, "trouble du langage")
    FALLS = Code("161898004", SNOMED, "chutes")
    WANDERING = Code("50239007", SNOMED, "errance")
    RUNNING_AWAY = Code("248046000", SNOMED, "fugue")
    RESTRAINT = Code("386423001", SNOMED, "contention physique")
    PRESSURE_SORE_RISK = Code("285304000", SNOMED, "à risque d'escarre")
    SWALLOWING_RISK = Code("249492002", SNOMED, "fausse route alimentaire")


class Consciousness(Enum):
    """State of consciousness at transfer (FLUDT, codes DLU_002 to DLU_004)."""

    AWAKE = Code("DLU_002", TA_ASIP, "Conscient et éveillé")
    ROUSABLE = Code("DLU_003", TA_ASIP, "Eveillable")
    UNROUSABLE = Code("DLU_004", TA_ASIP, "Non éveillable")


class BelongingKind(Enum):
    """Prosthesis or personal item going with the resident (JDV_ProtheseObjetPersonnel_CISIS)."""

    GLASSES = Code("Q021003", EMDN, "LUNETTES PRÊTES À PORTER (OU LUNETTES MONTÉES)")
    DENTURES = Code("P0102", EMDN, "PROTHÈSES DENTAIRES")
    HEARING_AID = Code("Y2145", EMDN, "DISPOSITIFS ACCOUSTIQUES D'AIDE À L'AUDITION")
    OTHER = Code("GEN-092.02.01", TA_ASIP, "Autre dispositif ou objet personnel")


class ChecklistItem(Enum):
    """Documents that may be annexed to a DLU (JDV_ChecklistDLU_CISIS)."""

    VITALE_CERTIFICATE = Code("DLU_006", TA_ASIP, "Attestation de la carte vitale")
    MUTUAL_CERTIFICATE = Code("DLU_007", TA_ASIP, "Attestation de mutuelle")
    IDENTITY_CARD_COPY = Code("DLU_008", TA_ASIP, "Photocopie de la carte d'identité")
    AGGIR_GRID = Code("DLU_009", TA_ASIP, "Grille AGGIR (la plus récente)")
    DIRECTIVES_COPY = Code("DLU_010", TA_ASIP, "Photocopie des directives anticipées")
    PRESCRIPTIONS_COPY = Code("DLU_011", TA_ASIP, "Photocopies des ordonnances en cours")
    ADMINISTRATION_CHART = Code("DLU_012", TA_ASIP, "Tableau d'administration des médicaments")
    RECENT_BIOLOGY = Code("DLU_013", TA_ASIP, "Résultats récents de biologie (1 à 3 mois)")
    LAST_HOSPITAL_REPORT = Code("DLU_014", TA_ASIP, "CR de la dernière hospitalisation")
    BMR_SHEET = Code("DLU_015", TA_ASIP, "Fiche BMR (bactérie multi-résistante)")
    CARE_LOG = Code("DLU_016", TA_ASIP, "Fiche ou carnet de suivi des soins")
    PACEMAKER_LOG = Code("DLU_017", TA_ASIP,
                         "Carnet de suivi du pacemaker ou du défibrillateur implantable")
    BLOOD_GROUP_CARD = Code("DLU_018", TA_ASIP, "Carte de groupe sanguin (si à jour)")
    CARE_CAPACITIES = Code("DLU_019", TA_ASIP, "Liste des capacités en soins de l'EHPAD")


@dataclass(frozen=True, slots=True)
class VitalSignType:
    """One vital sign the CDA vital-signs entry accepts, with the UCUM units allowed for it."""

    code: Code
    units: frozenset[str]


# JDV_SignesVitaux_CISIS with the units the CI-SIS vital-sign observation rules accept.
# SpO2 uses 20564-1, the code of the value set (the rule file names 2708-6 for the unit check).
VITAL_SIGNS: dict[str, VitalSignType] = {
    t.code.code: t
    for t in (
        VitalSignType(Code("8867-4", LOINC, "Fréquence cardiaque"), frozenset({"/min"})),
        VitalSignType(Code("9279-1", LOINC, "Fréquence respiratoire"), frozenset({"/min"})),
        VitalSignType(Code("8480-6", LOINC, "Pression artérielle systolique"),
                      frozenset({"mm[Hg]"})),
        VitalSignType(Code("8462-4", LOINC, "Pression artérielle diastolique"),
                      frozenset({"mm[Hg]"})),
        VitalSignType(Code("8310-5", LOINC, "Température corporelle"),
                      frozenset({"Cel", "[degF]"})),
        VitalSignType(Code("29463-7", LOINC, "Poids"),
                      frozenset({"kg", "g", "[lb_av]", "[oz_av]"})),
        VitalSignType(Code("8302-2", LOINC, "Taille"),
                      frozenset({"m", "cm", "[in_us]", "[in_uk]"})),
        VitalSignType(Code("39156-5", LOINC, "Index de masse corporelle (IMC)"),
                      frozenset({"kg/m2"})),
        VitalSignType(Code("20564-1", LOINC, "Saturation en O2"), frozenset({"%"})),
    )
}

# The five vital signs the FLUDT asks for; shown as "non mesuré" when the record has none.
FLUDT_VITAL_SIGNS = ("8867-4", "8310-5", "29463-7", "8480-6", "8462-4")
