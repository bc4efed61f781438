"""The `deliveries` blueprint object; registering it installs the "national services" banner."""

from __future__ import annotations

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

from web.context import BANNERS_KEY
from web.deliveries.banner import delivery_banners

blueprint = Blueprint("deliveries", __name__, template_folder="templates")


@blueprint.record_once
def _install_banner(state: BlueprintSetupState) -> None:
    state.app.extensions.setdefault(BANNERS_KEY, []).append(delivery_banners)
