"""`GET /api/changes?since=<cursor>`: what was stored since the cursor (observations and alerts, by
their sequence numbers), for `static/js/live.js` to refresh the open page in place. Polling does
not hold off the inactivity lock; a response that names residents is audited."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from werkzeug.wrappers import Response

import edge
from web.access import Permission, requires
from web.context import current_user, record
from web.residents.shown import audit_shown

blueprint = Blueprint("live", __name__)


def _alert_label(alert: edge.AlertChange, residents: dict[str, edge.Resident]) -> str:
    resident = residents.get(alert.resident_id)
    who = resident.display_name if resident else ""
    if resident and resident.room:
        who = _("%(name)s (chambre %(room)s)", name=who, room=resident.room)
    band = edge.RiskBand(alert.band)
    return _("Nouvelle alerte NEWS2 %(score)s, risque %(band)s : %(who)s",
             score=alert.score, band=_(band.label), who=who)


@blueprint.get("/api/changes")
@requires(Permission.RESIDENTS_VIEW, keeps_awake=False)
def changes() -> Response | tuple[Response, int]:
    db = record()
    since_text = request.args.get("since", "")
    if not since_text:
        body: dict[str, Any] = {"cursor": str(edge.current_cursor(db)), "observations": [],
                                "alerts": [], "open_alerts": None}
        return _no_store(jsonify(body))
    try:
        since = edge.Cursor.parse(since_text)
    except edge.RecordRejected:
        return _no_store(jsonify(error="bad cursor")), 400
    found = edge.changes_since(db, since)
    residents: dict[str, edge.Resident] = {}
    for resident_id in {alert.resident_id for alert in found.alerts}:
        try:
            residents[resident_id] = edge.get_resident(db, resident_id, current_user().id)
        except edge.NotFound:
            continue
    if found.residents:
        audit_shown(found.residents, "api:changes")
    body = {
        "cursor": str(found.cursor),
        "observations": [{"seq": item.seq, "resident_id": item.resident_id, "code": item.code}
                         for item in found.observations],
        "alerts": [{"id": item.alert_id, "seq": item.seq, "resident_id": item.resident_id,
                    "band": item.band, "score": item.score, "kind": item.kind,
                    "label": _alert_label(item, residents)} for item in found.alerts],
        "open_alerts": found.open_alerts,
    }
    return _no_store(jsonify(body))


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response
