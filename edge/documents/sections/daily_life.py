"""FLUDT sections on daily life: the last meal (47420-5) and the prostheses and personal
items going with the resident (46264-8)."""

from __future__ import annotations

from datetime import datetime

from edge.documents.cda import Element, IdMinter
from edge.documents.codes import LOINC, TA_ASIP, BelongingKind, Code
from edge.documents.model import Belonging
from edge.documents.sections.common import SectionSpec, bool_value, french_time, new_section
from edge.documents.sections.observations import simple_observation

MEAL_SPEC = SectionSpec(("1.3.6.1.4.1.19376.1.7.3.1.1.13.5", "1.2.250.1.213.1.1.2.162"),
                        Code("47420-5", LOINC, "Évaluation du statut fonctionnel"), "repas",
                        with_id=False)
BELONGINGS_SPEC = SectionSpec(("1.2.250.1.213.1.1.2.53",),
                              Code("46264-8", LOINC, "Dispositifs médicaux"), "objet")
LAST_MEAL = Code("GEN-244", TA_ASIP, "Date et heure du dernier repas")
BELONGING_TEMPLATE = "1.2.250.1.213.1.1.3.12"
_BELONGING_LABELS = {
    BelongingKind.GLASSES: "Lunettes",
    BelongingKind.DENTURES: "Prothèse dentaire",
    BelongingKind.HEARING_AID: "Prothèse auditive",
    BelongingKind.OTHER: "Autre dispositif ou objet personnel",
}


def add_last_meal(body: Element, last_meal: datetime | None, ids: IdMinter) -> None:
    """When the resident last ate (unknown time written with a nullFlavor)."""
    section, narrative = new_section(body, MEAL_SPEC, "Date et heure du dernier repas", ids)
    reference = narrative.paragraph(f"Dernier repas : {french_time(last_meal)}.")
    simple_observation(section, ids, LAST_MEAL, reference, time=last_meal)


def add_belongings(body: Element, belongings: tuple[Belonging, ...], departure: datetime,
                   ids: IdMinter) -> None:
    """Prostheses and personal items leaving with the resident, or a line saying none."""
    section, narrative = new_section(body, BELONGINGS_SPEC, "Prothèses et objets personnels",
                                     ids)
    if not belongings:
        reference = narrative.paragraph("Aucune prothèse ni objet personnel confié.")
        observation = simple_observation(section, ids, BelongingKind.OTHER.value, reference,
                                         time=departure, extra_template=BELONGING_TEMPLATE)
        bool_value(observation, False)
        return
    rows = narrative.table(("Prothèse / objet personnel", "Précision"))
    for belonging in belongings:
        reference = narrative.row(rows, _BELONGING_LABELS[belonging.kind], belonging.note or "")
        observation = simple_observation(section, ids, belonging.kind.value, reference,
                                         time=departure, extra_template=BELONGING_TEMPLATE)
        bool_value(observation, True)
