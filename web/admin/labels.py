"""Plain words for the audit log page: what was done and how it ended, in the person's language."""

from __future__ import annotations

from flask_babel import gettext as _

import edge


def _actions() -> dict[str, str]:
    return {
        edge.AuditAction.INITIALISE: _("initialisation"),
        edge.AuditAction.READ: _("lecture"),
        edge.AuditAction.CREATE: _("création"),
        edge.AuditAction.AMEND: _("rectification"),
        edge.AuditAction.UPDATE: _("modification"),
        edge.AuditAction.IMPORT: _("import"),
        edge.AuditAction.EXPORT: _("export"),
        edge.AuditAction.SEND: _("envoi"),
        edge.AuditAction.LOGIN: _("connexion"),
        edge.AuditAction.LOGOUT: _("déconnexion"),
        edge.AuditAction.BACKUP: _("sauvegarde"),
        edge.AuditAction.RESTORE: _("restauration"),
        edge.AuditAction.KEY_ROTATE: _("renouvellement des clés de données"),
        edge.AuditAction.KEY_REWRAP: _("changement de la clé maîtresse"),
        edge.AuditAction.RECOVERY_KIT: _("kit de récupération"),
        edge.AuditAction.USER_ADD: _("création de compte"),
        edge.AuditAction.USER_DISABLE: _("désactivation de compte"),
    }


def _outcomes() -> dict[str, str]:
    return {
        edge.AuditOutcome.OK: _("réussi"),
        edge.AuditOutcome.DENIED: _("refusé"),
        edge.AuditOutcome.ERROR: _("erreur"),
    }


def action_label(value: str) -> str:
    """An audit action (as stored) in words; a value this version does not know is shown as is."""
    return _actions().get(value, value)


def outcome_label(value: str) -> str:
    """An audit outcome (as stored) in words; a value this version does not know is shown as is."""
    return _outcomes().get(value, value)
