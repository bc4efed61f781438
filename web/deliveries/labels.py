"""Plain French words for the deliveries: states, reasons, what unblocks a row, document kinds."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

import edge

LOCAL_TIME = ZoneInfo("Europe/Paris")


def moment(value: str | None) -> str:
    """A stored UTC timestamp as local day and time."""
    if not value:
        return ""
    return datetime.fromisoformat(value).astimezone(LOCAL_TIME).strftime("%d/%m/%Y %H:%M")


def destination_label(destination: edge.Destination) -> str:
    return {edge.Destination.DMP: _("DMP (Mon espace santé)"),
            edge.Destination.MSSANTE: _("Messagerie sécurisée (MSSanté)")}[destination]


def kind_label(kind: str) -> str:
    return {"DLU": _("Document de liaison d'urgence (DLU)"),
            "FLUDT": _("Fiche de transfert aux urgences (FLUDT)"),
            "N1": _("Document PDF ajouté au dossier")}.get(kind, kind)


def state_label(state: edge.OutboxState) -> str:
    return {edge.OutboxState.QUEUED: _("En attente"), edge.OutboxState.SENDING: _("En cours"),
            edge.OutboxState.WAITING: _("Nouvel essai prévu"),
            edge.OutboxState.DELIVERED: _("Envoyé"),
            edge.OutboxState.ACKNOWLEDGED: _("Reçu"), edge.OutboxState.BLOCKED: _("Bloqué"),
            edge.OutboxState.DEAD: _("Refusé")}[state]


def mdn_error(code: str | None) -> str | None:
    """The CI-SIS integration error codes an error receipt carries (900–906)."""
    return {"900": _("la version remplacée ou supprimée n'est pas la bonne"),
            "901": _("l'auteur n'est pas autorisé"),
            "902": _("le patient est inconnu du destinataire"),
            "903": _("l'INS manque dans le document"),
            "904": _("l'INS ne correspond pas aux traits d'identité"),
            "905": _("l'INS est incomplète"),
            "906": _("autre erreur d'intégration")}.get(code or "")


def reason(item: edge.DeliveryItem) -> str:
    """Why the row is where it is, in a sentence staff can read."""
    state = item.state
    if state is edge.OutboxState.QUEUED:
        return _("Partira au prochain passage de l'envoi automatique.")
    if state is edge.OutboxState.SENDING:
        return _("Envoi en cours.")
    if state is edge.OutboxState.WAITING:
        return _("Le service n'a pas pu être joint ou a eu un problème passager : nouvel essai "
                 "vers %(time)s (essai n° %(n)s).", time=moment(item.next_attempt_at),
                 n=item.attempts)
    if state is edge.OutboxState.DELIVERED:
        if item.destination is edge.Destination.MSSANTE:
            return _("Remis à la messagerie ; l'accusé du destinataire n'est pas encore arrivé.")
        return _("Accepté par le DMP.")
    if state is edge.OutboxState.ACKNOWLEDGED:
        return _("Le destinataire a confirmé la réception.")
    if state is edge.OutboxState.BLOCKED:
        return item.blocked_reason or _("Bloqué : une personne doit intervenir.")
    detail = mdn_error(item.last_error_code)
    if detail:
        return _("Refusé par le destinataire : %(detail)s.", detail=detail)
    return _("Refusé par le service : %(error)s", error=item.last_error or _("motif non donné"))


def action(item: edge.DeliveryItem) -> str:
    """What unblocks the row (empty when nothing is needed)."""
    if item.blocked_by_identity:
        return _("Faire qualifier l'identité du résident (pièce d'identité vérifiée et INS "
                 "récupérée), puis refaire le document.")
    if item.state is edge.OutboxState.BLOCKED:
        return _("Un administrateur doit corriger la configuration (certificat, boîte aux "
                 "lettres), puis renvoyer.")
    if item.state is edge.OutboxState.DEAD:
        return _("Corriger la cause (dossier du résident ou configuration), puis un "
                 "administrateur renvoie le document.")
    if item.state in (edge.OutboxState.QUEUED, edge.OutboxState.WAITING):
        return _("Rien à faire : l'envoi reprend tout seul quand le service répond.")
    return ""


def may_replay(item: edge.DeliveryItem) -> bool:
    """Dead rows, and rows blocked for another reason than the identity, may be sent again."""
    return item.state is edge.OutboxState.DEAD or (
        item.state is edge.OutboxState.BLOCKED and not item.blocked_by_identity)
