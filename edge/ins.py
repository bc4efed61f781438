"""INS identity values: the matricule and its key, the assigning-authority OIDs and the five traits.

Pure rules, values in and values out; the current date is an argument, never read from a clock.
Every refusal is an `IdentityRejected` whose message is one plain French sentence for the
person who typed the value. Messages name what is wrong but never repeat a name or a matricule,
so they are safe to show and to log. The statuses (PROV, RECUP, VALI, QUAL) live in
`edge.ins_status`.

Matricule (15 characters): sex digit, year, month, département (``2A``/``2B`` for Corsica),
commune, order number, then a key of 2 digits equal to 97 minus the first 13 characters read as
a number modulo 97; for Corsica ``2A`` counts as ``19`` and ``2B`` as ``18``. The first digit is
1 or 2 for a NIR, 7 or 8 for a NIA (temporary number, same layout and key).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum, StrEnum

from edge.errors import RecordRejected

_LOGGER = logging.getLogger(__name__)

MATRICULE_LENGTH = 15
_BODY_LENGTH = 13
_DIGITS = frozenset("0123456789")
_CORSICA = {"2A": "19", "2B": "18"}
NIR_FIRST_DIGITS = frozenset("12")
NIA_FIRST_DIGITS = frozenset("78")
MAX_AGE_YEARS = 130

# Capital letters of French names: A-Z and the accented capitals of French spelling.
_LETTERS = "A-ZÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸ"
_NAME_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸ -'")
# Words of letters joined by one space, one hyphen, two hyphens (double family name) or an
# apostrophe; a given name is one word (the list of given names is space-separated).
_FAMILY_NAME = re.compile(rf"[{_LETTERS}]+(?:(?: |--?|')[{_LETTERS}]+)*")
_GIVEN_NAME = re.compile(rf"[{_LETTERS}]+(?:(?:-|')[{_LETTERS}]+)*")
_LIGATURES = {"Œ": "OE", "Æ": "AE"}
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u02bc": "'", "\u2018": "'"})
_COG = re.compile(r"(?:\d{5}|2[AB]\d{3})")
COG_PATTERN = _COG  # an INSEE COG birthplace code


class IdentityRejected(RecordRejected):
    """An INS identity value or change breaks a national rule: a person must correct it or act.

    The message is a plain French sentence that can be shown as it is.
    """


class MatriculeProblem(Enum):
    """Which rule a refused matricule breaks, for callers that branch on it."""

    LENGTH = "length"
    CHARACTER = "character"
    FIRST_DIGIT = "first_digit"
    KEY = "key"


class InvalidMatricule(IdentityRejected):
    """The matricule is malformed or its key is wrong: fix the typing (or the source data)."""

    def __init__(self, problem: MatriculeProblem, message: str, expected_key: str | None = None):
        super().__init__(message)
        self.problem = problem
        self.expected_key = expected_key


class InvalidOid(IdentityRejected):
    """The OID is not one of the INS authorities, or does not fit the kind of matricule."""


class InvalidTraits(IdentityRejected):
    """A trait is impossible; `field` names the `IdentityTraits` field, for a form to show it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class MatriculeKind(Enum):
    """NIR (registered in the RNIPP) or NIA (temporary number given while registration runs)."""

    NIR = "NIR"
    NIA = "NIA"


class InsOid(StrEnum):
    """The assigning authorities of an INS matricule."""

    NIR = "1.2.250.1.213.1.4.8"
    NIA = "1.2.250.1.213.1.4.9"
    TEST = "1.2.250.1.213.1.4.10"
    DEMO = "1.2.250.1.213.1.4.11"

    @property
    def label(self) -> str:
        return _OID_LABELS[self]

    @property
    def is_production(self) -> bool:
        return self in (InsOid.NIR, InsOid.NIA)


_OID_LABELS = {
    InsOid.NIR: "INS-NIR",
    InsOid.NIA: "INS-NIA (numéro provisoire)",
    InsOid.TEST: "INS-NIR de test",
    InsOid.DEMO: "INS-NIR de démonstration",
}
OBSOLETE_INS_C_OID = "1.2.250.1.213.1.4.2"


class Sex(StrEnum):
    """Sex as the INS carries it."""

    MALE = "M"
    FEMALE = "F"

    @property
    def label(self) -> str:
        return "Masculin" if self is Sex.MALE else "Féminin"


# --- matricule -------------------------------------------------------------------------------


def _compact(value: str) -> str:
    """Drop every space (ordinary, non-breaking, thin) and upper-case ``2a``/``2b``."""
    return "".join(value.split()).upper()


def _check_structure(text: str, length: int) -> None:
    if len(text) != length:
        if length == _BODY_LENGTH:
            expected = "13 caractères (le matricule sans sa clé)"
        else:
            expected = "15 caractères (13 plus une clé de 2 chiffres)"
        raise InvalidMatricule(
            MatriculeProblem.LENGTH,
            f"Le matricule INS doit compter {expected} ; la saisie en compte {len(text)}.",
        )
    department = text[5:7]
    if not (set(department) <= _DIGITS or department in _CORSICA):
        raise InvalidMatricule(
            MatriculeProblem.CHARACTER,
            "En positions 6 et 7 (département de naissance), le matricule INS n'admet que des "
            f"chiffres, ou 2A ou 2B pour la Corse ; la saisie porte « {department} ».",
        )
    for position, character in enumerate(text, start=1):
        if position not in (6, 7) and character not in _DIGITS:
            raise InvalidMatricule(
                MatriculeProblem.CHARACTER,
                f"Le caractère « {character} » en position {position} n'est pas admis : le "
                "matricule INS ne contient que des chiffres, sauf 2A ou 2B en positions 6 et 7.",
            )
    if text[0] not in NIR_FIRST_DIGITS | NIA_FIRST_DIGITS:
        raise InvalidMatricule(
            MatriculeProblem.FIRST_DIGIT,
            "Le matricule INS commence par 1 ou 2 (NIR : homme, femme) ou par 7 ou 8 (NIA, "
            f"numéro provisoire) ; la saisie commence par « {text[0]} ».",
        )


def _key_of(body: str) -> str:
    number = int(body[:5] + _CORSICA.get(body[5:7], body[5:7]) + body[7:])
    return f"{97 - number % 97:02d}"


def matricule_key(first13: str) -> str:
    """Return the 2-digit key of the first 13 characters of a matricule (NIR or NIA).

    :raises InvalidMatricule: the 13 characters are not the start of a matricule.
    """
    body = _compact(first13)
    _check_structure(body, _BODY_LENGTH)
    return _key_of(body)


def validate_matricule(value: str) -> str:
    """Return the matricule without its spaces (15 characters) if its form and key are right.

    :raises InvalidMatricule: with the broken rule in `problem`; for a wrong key the message and
        `expected_key` give the key that the first 13 characters call for.
    """
    matricule = _compact(value)
    _check_structure(matricule, MATRICULE_LENGTH)
    expected = _key_of(matricule[:_BODY_LENGTH])
    given = matricule[_BODY_LENGTH:]
    if given != expected:
        raise InvalidMatricule(
            MatriculeProblem.KEY,
            f"La clé du matricule INS ne correspond pas : la saisie porte {given}, les 13 "
            f"premiers caractères donnent {expected}. Vérifier chaque chiffre.",
            expected_key=expected,
        )
    return matricule


def matricule_kind(matricule: str) -> MatriculeKind:
    """Tell a NIR from a NIA by the first digit of a validated matricule."""
    return MatriculeKind.NIR if matricule[0] in NIR_FIRST_DIGITS else MatriculeKind.NIA


# --- OID -------------------------------------------------------------------------------------


def validate_oid(value: str, matricule: str | None = None) -> InsOid:
    """Return the INS authority named by `value` (``urn:oid:`` prefix allowed).

    With a validated `matricule`, also refuse the production OID of the other kind: a NIA under
    the NIR OID, or a NIR under the NIA OID. Test and demo OIDs accept both kinds.

    :raises InvalidOid: unknown or obsolete OID, or an OID that does not fit the matricule.
    """
    oid = value.strip().removeprefix("urn:oid:")
    if oid == OBSOLETE_INS_C_OID:
        raise InvalidOid(
            "L'INS-C (OID 1.2.250.1.213.1.4.2) est obsolète : récupérer l'INS par le "
            "téléservice INSi."
        )
    try:
        authority = InsOid(oid)
    except ValueError as exc:
        raise InvalidOid(
            f"« {oid} » n'est pas un OID d'INS : attendu {InsOid.NIR.value} (NIR), "
            f"{InsOid.NIA.value} (NIA), {InsOid.TEST.value} (test) ou "
            f"{InsOid.DEMO.value} (démonstration)."
        ) from exc
    if matricule is not None:
        kind = matricule_kind(matricule)
        if authority is InsOid.NIR and kind is MatriculeKind.NIA:
            raise InvalidOid(
                "Ce matricule est un NIA (il commence par 7 ou 8) : son OID est "
                f"{InsOid.NIA.value}, pas celui du NIR."
            )
        if authority is InsOid.NIA and kind is MatriculeKind.NIR:
            raise InvalidOid(
                "Ce matricule est un NIR (il commence par 1 ou 2) : son OID est "
                f"{InsOid.NIR.value}, pas celui du NIA."
            )
    return authority


# --- traits ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IdentityTraits:
    """The INS traits of a person, plus the optional names in use (nom et prénom utilisés).

    Build it through `validate_traits`; names are upper-case, `birthplace` is an INSEE COG code.
    """

    birth_family_name: str
    birth_given_names: tuple[str, ...]
    birth_date: date
    sex: Sex
    birthplace: str
    used_family_name: str | None = None
    used_given_name: str | None = None

    @property
    def first_given_name(self) -> str:
        """The first birth given name (the one CDA and FHIR carry on its own)."""
        return self.birth_given_names[0]

    @property
    def given_names_text(self) -> str:
        """All birth given names, space-separated, as INSi returns them."""
        return " ".join(self.birth_given_names)


def _normalise_name(value: str) -> str:
    return " ".join(value.translate(_APOSTROPHES).split()).upper()


def _check_name(field: str, label: str, value: str, pattern: re.Pattern[str]) -> None:
    for character in value:
        if character in _LIGATURES:
            raise InvalidTraits(
                field,
                f"Écrire « {_LIGATURES[character]} » au lieu de « {character} » dans le {label}.",
            )
        if character not in _NAME_CHARACTERS:
            raise InvalidTraits(
                field,
                f"Le caractère « {character} » n'est pas admis dans le {label} : seuls les "
                "lettres (accents du français compris), l'espace, le tiret et l'apostrophe "
                "le sont.",
            )
    if not pattern.fullmatch(value):
        raise InvalidTraits(
            field,
            f"Le {label} doit commencer et finir par une lettre, sans deux séparateurs "
            "(espace, tiret, apostrophe) à la suite.",
        )


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)


def validate_traits(
    *,
    birth_family_name: str,
    birth_given_names: str | Sequence[str],
    birth_date: date,
    sex: str,
    birthplace: str,
    today: date,
    used_family_name: str | None = None,
    used_given_name: str | None = None,
) -> IdentityTraits:
    """Normalise and check the traits; return them as an `IdentityTraits`.

    Names are trimmed, inner spaces collapsed, typographic apostrophes made straight and letters
    upper-cased. `birth_given_names` is a space-separated string or a sequence of names. Empty used
    names count as absent.

    :raises InvalidTraits: the first impossible trait, with its field name.
    """
    family = _normalise_name(birth_family_name)
    if not family:
        raise InvalidTraits("birth_family_name", "Le nom de naissance est obligatoire.")
    _check_name("birth_family_name", "nom de naissance", family, _FAMILY_NAME)

    parts = [birth_given_names] if isinstance(birth_given_names, str) else birth_given_names
    given = tuple(name for part in parts for name in _normalise_name(part).split(" ") if name)
    if not given:
        raise InvalidTraits("birth_given_names", "Au moins un prénom de naissance est obligatoire.")
    for name in given:
        _check_name("birth_given_names", "prénom de naissance", name, _GIVEN_NAME)

    if isinstance(birth_date, datetime) or not isinstance(birth_date, date):
        raise TypeError("birth_date must be a datetime.date")
    if birth_date > today:
        raise InvalidTraits("birth_date", "La date de naissance ne peut pas être dans le futur.")
    if birth_date < _years_before(today, MAX_AGE_YEARS):
        raise InvalidTraits(
            "birth_date",
            f"La date de naissance donne plus de {MAX_AGE_YEARS} ans : vérifier l'année.",
        )

    try:
        sex_value = Sex(sex.strip().upper())
    except ValueError as exc:
        raise InvalidTraits(
            "sex", "Le sexe s'écrit M (masculin) ou F (féminin), comme dans l'INS."
        ) from exc

    place = birthplace.strip().upper()
    if not _COG.fullmatch(place):
        raise InvalidTraits(
            "birthplace",
            "Le lieu de naissance est un code INSEE (COG) de 5 caractères : 5 chiffres (99 puis "
            "le code du pays pour une naissance à l'étranger), ou 2A ou 2B puis 3 chiffres "
            "en Corse.",
        )

    used_family = _normalise_name(used_family_name or "") or None
    if used_family is not None:
        _check_name("used_family_name", "nom utilisé", used_family, _FAMILY_NAME)
    used_given = _normalise_name(used_given_name or "") or None
    if used_given is not None:
        _check_name("used_given_name", "prénom utilisé", used_given, _FAMILY_NAME)

    return IdentityTraits(
        birth_family_name=family,
        birth_given_names=given,
        birth_date=birth_date,
        sex=sex_value,
        birthplace=place,
        used_family_name=used_family,
        used_given_name=used_given,
    )


# --- matricule against traits ----------------------------------------------------------------


class TraitsMismatch(Enum):
    """A NIR that does not agree with the traits: a warning for a person to look at.

    INSi is the authority on both, so a mismatch is never a refusal.
    """

    SEX = "sex"
    BIRTH_YEAR = "birth_year"
    BIRTH_MONTH = "birth_month"

    @property
    def label(self) -> str:
        return _MISMATCH_LABELS[self]


_MISMATCH_LABELS = {
    TraitsMismatch.SEX: "Le premier chiffre du matricule ne correspond pas au sexe.",
    TraitsMismatch.BIRTH_YEAR: "Les chiffres 2 et 3 du matricule ne correspondent pas à "
    "l'année de naissance.",
    TraitsMismatch.BIRTH_MONTH: "Les chiffres 4 et 5 du matricule ne correspondent pas au mois "
    "de naissance.",
}


def matricule_mismatches(matricule: str, traits: IdentityTraits) -> list[TraitsMismatch]:
    """List where a validated NIR disagrees with the traits (empty for a NIA, which is not checked).

    Checked: the sex digit; the year (2 digits); the month, only when the NIR carries 01-12
    (other values mark a birth registered from an incomplete civil record). Not checked: the
    birthplace, because the NIR keeps the code of the place at birth while the COG code may have
    changed since (Seine and Seine-et-Oise split in 1968, Corsica's 20 became 2A/2B in 1976,
    départements of French Algeria, merged communes); it would warn for many residents wrongly.
    """
    if matricule_kind(matricule) is not MatriculeKind.NIR:
        return []
    findings = []
    if (matricule[0] == "1") != (traits.sex is Sex.MALE):
        findings.append(TraitsMismatch.SEX)
    if int(matricule[1:3]) != traits.birth_date.year % 100:
        findings.append(TraitsMismatch.BIRTH_YEAR)
    month = int(matricule[3:5])
    if 1 <= month <= 12 and month != traits.birth_date.month:
        findings.append(TraitsMismatch.BIRTH_MONTH)
    return findings
