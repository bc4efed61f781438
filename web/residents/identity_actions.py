"""What can be done next with a resident's identity, from its INS status (RNIV): check it against
an ID document, record the INSi answer, or raise a doubt. The rules themselves (and the refusals
with their reasons) stay in `edge.ins_status`; this only chooses which forms to offer."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import edge


class IdentityAction(StrEnum):
    ID_DOCUMENT = "id_document"
    INSI = "insi"
    DOUBT = "doubt"


@dataclass(frozen=True, slots=True)
class NextActions:
    actions: tuple[IdentityAction, ...]
    explanation: str

    def offers(self, action: str) -> bool:
        return any(item.value == action for item in self.actions)


_EXPLANATIONS = {
    edge.IdentityStatus.PROV: "Identité provisoire : vérifier une pièce d'identité et interroger "
                              "INSi pour la qualifier.",
    edge.IdentityStatus.RECUP: "INS récupérée par INSi : vérifier une pièce d'identité à haut "
                               "niveau de confiance pour la qualifier.",
    edge.IdentityStatus.VALI: "Identité validée par une pièce : enregistrer le résultat INSi "
                              "pour la qualifier.",
    edge.IdentityStatus.QUAL: "Identité qualifiée : l'INS peut être partagée. En cas de doute, "
                              "le signaler.",
}


def next_identity_actions(resident: edge.Resident) -> NextActions:
    status = resident.status
    actions: list[IdentityAction] = []
    if status in (edge.IdentityStatus.PROV, edge.IdentityStatus.RECUP):
        actions.append(IdentityAction.ID_DOCUMENT)
    if status in (edge.IdentityStatus.PROV, edge.IdentityStatus.VALI):
        actions.append(IdentityAction.INSI)
    if status is not edge.IdentityStatus.PROV:
        actions.append(IdentityAction.DOUBT)
    return NextActions(tuple(actions), _EXPLANATIONS[status])
