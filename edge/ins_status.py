"""INS identity statuses (RNIV): the evidence that moves them, the transitions, the sharing gate.

A status crosses two independent criteria: was the INS retrieved from INSi with traits that match
the person, and was the identity checked against a high-trust document?

    ============  ==============  ===================
    status        INSi retrieved  document checked
    ============  ==============  ===================
    PROV          no              no
    RECUP         yes             no
    VALI          no              yes
    QUAL          yes             yes
    ============  ==============  ===================

An event sets one criterion (`InsiResult`, `IdDocumentCheck`) or clears the document criterion
(`DoubtRaised`, which also marks the identity doubtful). The RNIV attributes coexist with the
status; the ones that limit it: a doubtful identity is PROV or RECUP, a fictitious one stays PROV.
Only a QUAL identity's matricule may leave the appliance. Pure: no clock, no storage; the caller
records who applied an event and when.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeAlias

from edge.ins import IdentityRejected, validate_matricule, validate_oid

_LOGGER = logging.getLogger(__name__)


class TransitionRefused(IdentityRejected):
    """The status change is refused with this evidence: a person must act (the message says how)."""


class IdentityStatus(StrEnum):
    """RNIV identity status (FR Core identity-status codes)."""

    PROV = "PROV"
    RECUP = "RECUP"
    VALI = "VALI"
    QUAL = "QUAL"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]


_STATUS_LABELS = {
    IdentityStatus.PROV: "Identité provisoire",
    IdentityStatus.RECUP: "Identité récupérée",
    IdentityStatus.VALI: "Identité validée",
    IdentityStatus.QUAL: "Identité qualifiée",
}
_CRITERIA = {
    IdentityStatus.PROV: (False, False),
    IdentityStatus.RECUP: (True, False),
    IdentityStatus.VALI: (False, True),
    IdentityStatus.QUAL: (True, True),
}
_BY_CRITERIA = {criteria: status for status, criteria in _CRITERIA.items()}


class IdentityAttribute(StrEnum):
    """RNIV attributes (HL7 table 0445 codes) that coexist with the status."""

    DOUBTFUL = "DOUT"
    FICTITIOUS = "FICT"
    HOMONYM_DETECTED = "HOMD"
    HOMONYM_CONFIRMED = "HOMA"

    @property
    def label(self) -> str:
        return _ATTRIBUTE_LABELS[self]


_ATTRIBUTE_LABELS = {
    IdentityAttribute.DOUBTFUL: "identité douteuse",
    IdentityAttribute.FICTITIOUS: "identité fictive",
    IdentityAttribute.HOMONYM_DETECTED: "homonyme détecté",
    IdentityAttribute.HOMONYM_CONFIRMED: "homonyme avéré",
}
_HOMONYMS = frozenset({IdentityAttribute.HOMONYM_DETECTED, IdentityAttribute.HOMONYM_CONFIRMED})
_ALLOWED_ATTRIBUTES = {
    IdentityStatus.PROV: frozenset(IdentityAttribute),
    IdentityStatus.RECUP: _HOMONYMS | {IdentityAttribute.DOUBTFUL},
    IdentityStatus.VALI: _HOMONYMS,
    IdentityStatus.QUAL: _HOMONYMS,
}
# What to do when an attribute blocks a status change, and when it cannot be added to a status.
_RAISE_ADVICE = {
    IdentityAttribute.DOUBTFUL: "lever le doute d'abord",
    IdentityAttribute.FICTITIOUS: "une identité fictive reste provisoire",
}
_MARK_ADVICE = {
    IdentityAttribute.DOUBTFUL: "signaler un doute, ce qui fait redescendre le statut",
    IdentityAttribute.FICTITIOUS: "une identité fictive reste provisoire",
}


class IdDocumentType(StrEnum):
    """High-trust identity evidence (FR Core validation-mode codes).

    The last two are the RNIV 2024 exception for a resident admitted directly to an EHPAD.
    """

    NATIONAL_ID_CARD = "CN"
    E_ID_CARD = "eCN"
    PASSPORT = "PA"
    RESIDENCE_PERMIT = "CS"
    DIGITAL_IDENTITY = "IN"
    VITALE_APP = "AV"
    FAMILY_BOOK_WITH_VITALE = "LECV"
    BIRTH_CERTIFICATE_WITH_VITALE = "ANCV"

    @property
    def label(self) -> str:
        return _DOCUMENT_LABELS[self]

    @property
    def ehpad_exception(self) -> bool:
        """True for the evidence accepted only for a direct admission to an EHPAD."""
        return self in (
            IdDocumentType.FAMILY_BOOK_WITH_VITALE,
            IdDocumentType.BIRTH_CERTIFICATE_WITH_VITALE,
        )


_DOCUMENT_LABELS = {
    IdDocumentType.NATIONAL_ID_CARD: "Carte nationale d'identité (France, UE, EEE, Suisse)",
    IdDocumentType.E_ID_CARD: "Carte d'identité électronique",
    IdDocumentType.PASSPORT: "Passeport",
    IdDocumentType.RESIDENCE_PERMIT: "Titre de séjour",
    IdDocumentType.DIGITAL_IDENTITY: "Identité numérique (moyen d'identification électronique)",
    IdDocumentType.VITALE_APP: "Application carte Vitale",
    IdDocumentType.FAMILY_BOOK_WITH_VITALE: "Livret de famille et carte Vitale avec photo",
    IdDocumentType.BIRTH_CERTIFICATE_WITH_VITALE: "Extrait d'acte de naissance et carte Vitale "
    "avec photo",
}


class InsiReturnCode(StrEnum):
    """Answer codes of the INSi teleservice."""

    FOUND = "00"
    NOT_FOUND = "01"
    SEVERAL = "02"


@dataclass(frozen=True, slots=True)
class InsiResult:
    """What INSi answered, and whether a person found its traits to be this resident's."""

    code: InsiReturnCode
    matricule: str | None = None
    oid: str | None = None
    traits_match: bool = False


@dataclass(frozen=True, slots=True)
class IdDocumentCheck:
    """A person checked the identity against a high-trust document whose traits match."""

    document: IdDocumentType
    direct_ehpad_admission: bool = False


@dataclass(frozen=True, slots=True)
class DoubtRaised:
    """Someone doubts the identity (fraud, inconsistent traits, collision); `reason` is kept."""

    reason: str


IdentityEvent: TypeAlias = InsiResult | IdDocumentCheck | DoubtRaised


def check_attributes(status: IdentityStatus, attributes: Iterable[IdentityAttribute]) -> None:
    """Refuse attributes that the status cannot carry.

    :raises TransitionRefused: e.g. a doubtful QUAL identity (raise a doubt instead: it downgrades).
    """
    forbidden = sorted(set(attributes) - _ALLOWED_ATTRIBUTES[status])
    if forbidden:
        raise TransitionRefused(
            f"Une identité au statut « {status.label} » ne peut pas être marquée "
            f"« {forbidden[0].label} » : {_MARK_ADVICE[forbidden[0]]}."
        )


def _check_insi(result: InsiResult) -> None:
    if result.code is InsiReturnCode.NOT_FOUND:
        raise TransitionRefused(
            "INSi n'a trouvé aucune identité : vérifier les traits (tous les prénoms de "
            "naissance, le lieu de naissance) et relancer la recherche."
        )
    if result.code is InsiReturnCode.SEVERAL:
        raise TransitionRefused(
            "INSi a trouvé plusieurs identités : relancer la recherche avec tous les prénoms de "
            "naissance et le lieu de naissance."
        )
    if result.matricule is None or result.oid is None:
        raise TransitionRefused("La réponse INSi est incomplète : matricule ou OID absent.")
    try:
        validate_oid(result.oid, validate_matricule(result.matricule))
    except IdentityRejected as exc:
        raise TransitionRefused(f"La réponse INSi est inutilisable. {exc}") from exc
    if not result.traits_match:
        raise TransitionRefused(
            "Les traits renvoyés par INSi ne sont pas ceux du résident : ne pas récupérer cette "
            "identité ; vérifier la saisie et, au besoin, signaler un doute."
        )


def next_status(
    current: IdentityStatus,
    event: IdentityEvent,
    attributes: Iterable[IdentityAttribute] = (),
) -> IdentityStatus:
    """Return the status after `event`; the identity currently carries `attributes`.

    A doubt clears the document criterion (QUAL→RECUP, VALI→PROV) and makes the identity
    doubtful: the caller adds `IdentityAttribute.DOUBTFUL`. A doubt is never refused (only an
    empty reason is). Repeating a criterion already met (a new INSi check on a RECUP identity)
    keeps the status.

    :raises TransitionRefused: unusable evidence, an empty doubt reason, or a status that the
        attributes forbid (a doubtful or fictitious identity cannot be validated or qualified; a
        fictitious one cannot be linked to an INS either).
    """
    insi, document = _CRITERIA[current]
    carried = frozenset(attributes)
    if isinstance(event, DoubtRaised):
        if not event.reason.strip():
            raise TransitionRefused("Indiquer le motif du doute sur l'identité.")
        lowered = _BY_CRITERIA[(insi, False)]
        # A doubt is never refused: if the attributes forbid even the lowered status, go to PROV.
        if carried - _ALLOWED_ATTRIBUTES[lowered]:
            return IdentityStatus.PROV
        return lowered
    if isinstance(event, InsiResult):
        _check_insi(event)
        insi = True
    else:
        if event.document.ehpad_exception and not event.direct_ehpad_admission:
            raise TransitionRefused(
                "Le livret de famille ou l'extrait d'acte de naissance, avec la carte Vitale à "
                "photo, ne valide l'identité que pour une admission directe en EHPAD."
            )
        document = True
    new = _BY_CRITERIA[(insi, document)]
    forbidden = sorted(carried - _ALLOWED_ATTRIBUTES[new])
    if forbidden:
        raise TransitionRefused(
            f"Passage au statut « {new.label} » impossible : l'identité est marquée "
            f"« {forbidden[0].label} » ; {_RAISE_ADVICE[forbidden[0]]}."
        )
    return new


def may_transmit_matricule(status: IdentityStatus) -> bool:
    """True only for a qualified identity: the only one whose matricule may be sent out."""
    return status is IdentityStatus.QUAL


_MISSING_STEPS = {
    IdentityStatus.PROV: "récupérer l'INS par INSi et vérifier une pièce d'identité à haut "
    "niveau de confiance",
    IdentityStatus.RECUP: "vérifier une pièce d'identité à haut niveau de confiance",
    IdentityStatus.VALI: "récupérer l'INS par INSi",
}


def matricule_withheld_reason(status: IdentityStatus) -> str | None:
    """Why a document carrying the matricule must wait, in plain French; None for QUAL."""
    if may_transmit_matricule(status):
        return None
    return (
        "Le matricule INS n'est transmis que pour une identité qualifiée ; celle-ci est "
        f"« {status.label} ». Pour la qualifier : {_MISSING_STEPS[status]}."
    )
