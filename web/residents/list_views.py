"""The Résidents list: by room, latest vitals with the NEWS2 band and sub-scores, open alerts, who
is due for observations; search by name or room."""

from __future__ import annotations

from flask import render_template, request

import edge
from web.access import Permission, requires
from web.context import clock, current_user, record
from web.residents.bp import blueprint
from web.residents.overview import MAX_QUERY_CHARS, build_rows
from web.residents.shown import audit_shown


@blueprint.get("/")
@requires(Permission.RESIDENTS_VIEW)
def index() -> str:
    query = request.args.get("q", "")[:MAX_QUERY_CHARS]
    due_only = request.args.get("due") == "1"
    db = record()
    cursor = edge.current_cursor(db)
    rows = build_rows(db, current_user().id, clock(), query=query, due_only=due_only)
    audit_shown(row.resident.id for row in rows)
    due_count = sum(1 for row in rows if row.due.overdue)
    return render_template("residents/index.html", rows=rows, query=query, due_only=due_only,
                           due_count=due_count, cursor=str(cursor),
                           parameters=list(edge.News2Parameter))
