"""The start page: sends each person to the first page their role opens, and the health check."""

from __future__ import annotations

import logging

from flask import Blueprint, redirect, render_template, url_for
from werkzeug.wrappers import Response

from web.access import public, requires
from web.nav import nav_items

_LOGGER = logging.getLogger(__name__)
blueprint = Blueprint("home", __name__)


@blueprint.get("/")
@requires()
def index() -> Response | str:
    items = nav_items()
    if items:
        return redirect(url_for(items[0].endpoint))
    return render_template("home.html")


@blueprint.get("/health")
@public
def health() -> tuple[str, int, dict[str, str]]:
    """Liveness for the service manager (says nothing about the record)."""
    _LOGGER.debug("health check")
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}
