"""The `residents` blueprint object and its template filters (the route modules attach to it)."""

from __future__ import annotations

from flask import Blueprint

from web.residents.shown import install_filters

blueprint = Blueprint("residents", __name__, template_folder="templates",
                      url_prefix="/residents")
install_filters(blueprint)
