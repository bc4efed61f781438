"""The Résidents list: by room, latest vitals with the NEWS2 band and sub-scores, open alerts, who
is due for observations; search by name or room.

Each view reads the record's current state (`edge.OverviewCache` checks it on every request) and
writes its one audit entry naming the residents shown; only the rendering is reused: of unchanged
rows (`web.render_cache`) and of the whole page when nothing it shows changed (`web.page_cache`).
"""

from __future__ import annotations

from typing import cast

from flask import Response, get_template_attribute, render_template, request
from markupsafe import Markup

from web.access import Permission, requires
from web.context import clock, record
from web.i18n import select_language
from web.page_cache import install_page_cache, kept_page
from web.residents.bp import blueprint
from web.residents.overview import (
    MAX_QUERY_CHARS,
    ResidentRow,
    install_caches,
    overview_cache,
    render_list,
)
from web.residents.shown import submit_shown

install_caches(blueprint)
install_page_cache(blueprint)


def _render_card(row: ResidentRow) -> Markup:
    card = get_template_attribute("residents/_card.html", "card")
    return cast(Markup, card(row))  # a macro's output is already escaped Markup


@blueprint.get("/")
@requires(Permission.RESIDENTS_VIEW)
def index() -> Response:
    query = request.args.get("q", "")[:MAX_QUERY_CHARS]
    due_only = request.args.get("due") == "1"
    overview = overview_cache().read(record())
    shown = render_list(overview, clock(), query, due_only, _render_card, select_language(),
                        request.script_root)
    audit = submit_shown(shown.resident_ids)  # committed while the page renders
    cursor = str(overview.cursor)
    page = kept_page((shown.key, cursor), lambda: render_template(
        "residents/index.html", shown=shown, query=query, due_only=due_only, cursor=cursor))
    audit.wait()  # the read is on disk before anything is shown
    return page
