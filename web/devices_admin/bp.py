"""The `devices_admin` blueprint object, shared by the registry and inbox view modules; it adds the
inbox to the navigation bar of the people who may use it."""

from __future__ import annotations

from flask import Blueprint
from flask.blueprints import BlueprintSetupState
from flask_babel import lazy_gettext

blueprint = Blueprint("devices_admin", __name__, template_folder="templates")


@blueprint.record_once
def _add_inbox_to_nav(state: BlueprintSetupState) -> None:
    state.app.extensions.setdefault("relais.nav", []).append(
        ("devices_admin.inbox", lazy_gettext("Lectures non attribuées")))
