"""Error pages in the person's language — never a stack trace — and JSON errors under ``/api/``."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.wrappers import Response

import edge

_LOGGER = logging.getLogger(__name__)


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Demande refusée"),
              _("La demande n'a pas pu être traitée. Rechargez la page et recommencez.")),
        403: (_("Accès refusé"),
              _("Votre rôle ne permet pas d'ouvrir cette page. Demandez à un administrateur "
                "si vous pensez en avoir besoin.")),
        404: (_("Page introuvable"), _("Cette page n'existe pas ou plus.")),
        405: (_("Action non permise"), _("Cette action n'est pas possible sur cette page.")),
        413: (_("Envoi trop volumineux"), _("Le contenu envoyé dépasse la taille permise.")),
        500: (_("Erreur du serveur"),
              _("Une erreur est survenue ; rien n'a été perdu de ce qui était déjà enregistré. "
                "Réessayez ; si cela recommence, prévenez l'administrateur.")),
        503: (_("Service indisponible"),
              _("L'enregistrement n'est pas accessible pour le moment. Réessayez dans un "
                "instant.")),
    }


def render_error(code: int) -> tuple[str | Response, int]:
    messages = _messages()
    title, text = messages.get(code, messages[500] if code >= 500 else messages[400])
    if request.path.startswith("/api/"):
        return jsonify(error=title, code=code), code
    return render_template("errors/error.html", code=code, title=title, text=text), code


def _http_error(error: HTTPException) -> tuple[str | Response, int]:
    return render_error(error.code or 500)


def _storage_error(error: edge.StorageFailure) -> tuple[str | Response, int]:
    _LOGGER.error("storage failure while serving %s: %s", request.endpoint, error)
    return render_error(503)


def _unexpected(error: InternalServerError) -> tuple[str | Response, int]:
    original = error.original_exception
    _LOGGER.error("unexpected error while serving %s: %s", request.endpoint,
                  type(original).__name__ if original else "unknown",
                  exc_info=original)
    return render_error(500)


def install_error_pages(app: Flask) -> None:
    app.register_error_handler(InternalServerError, _unexpected)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(edge.StorageFailure, _storage_error)
