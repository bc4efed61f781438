"""The Alertes blueprint: open alerts, most serious first, with their values and the expected
response; acknowledging one records who, when, the action taken and an optional note."""

from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

import edge
from web.access import Permission, requires
from web.context import current_user, record
from web.residents.corrections import alerts_with_corrected_values
from web.residents.shown import audit_shown, install_filters, user_names

blueprint = Blueprint("alerts", __name__, template_folder="templates", url_prefix="/alertes")
install_filters(blueprint)
ALERT_ID = re.compile(r"^[0-9a-f]{32}$")
RECENT_ACKNOWLEDGED = 20
MAX_NOTE_CHARS = 2000
_RESPONSE_BY_BAND = {response.band: response for response in
                     (edge.Response.MEDICAL_REVIEW, edge.Response.URGENT, edge.Response.EMERGENCY)}


def _page(errors: dict[str, dict[str, str]], typed: dict[str, dict[str, str]],
          status: int = 200) -> tuple[str, int]:
    db = record()
    user = current_user()
    open_alerts = edge.list_alerts(db, user.id)
    done = edge.list_alerts(db, user.id, states=(edge.AlertState.ACKNOWLEDGED,),
                            limit=RECENT_ACKNOWLEDGED)
    done.sort(key=lambda alert: alert.acknowledged_at or "", reverse=True)
    wanted = {alert.resident_id for alert in (*open_alerts, *done)}
    residents = {resident.id: resident for resident in edge.list_residents(db, user.id, presence=None)
                 if resident.id in wanted}
    listed = {alert.id for alert in open_alerts}
    elsewhere = [message for alert_id, fields in errors.items() if alert_id not in listed
                 for message in fields.values()]
    page = render_template(
        "alerts/index.html", alerts=open_alerts, done=done, residents=residents,
        elsewhere=elsewhere,
        names=user_names(), errors=errors, typed=typed,
        responses=_RESPONSE_BY_BAND, cursor=str(edge.current_cursor(db)),
        actions=[(action.value, _(action.label)) for action in edge.AlertAction],
        corrected_alerts=alerts_with_corrected_values(open_alerts))
    audit_shown(wanted)
    return page, status


@blueprint.get("/")
@requires(Permission.ALERTS_VIEW)
def index() -> tuple[str, int]:
    return _page({}, {})


@blueprint.post("/<alert_id>/prise-en-compte")
@requires(Permission.ALERTS_ACKNOWLEDGE)
def acknowledge(alert_id: str) -> Response | tuple[str, int]:
    if not ALERT_ID.match(alert_id):
        abort(404)
    typed = {"action": request.form.get("action", "")[:40],
             "note": request.form.get("note", "")[:MAX_NOTE_CHARS + 1]}
    try:
        action = edge.AlertAction(typed["action"])
    except ValueError:
        return _page({alert_id: {"action": _("Choisissez l'action menée.")}}, {alert_id: typed},
                     422)
    try:
        edge.acknowledge_alert(record(), alert_id, current_user().id, action, typed["note"])
    except edge.NotFound:
        abort(404)
    except edge.RecordRejected as exc:  # AlertNotOpen, a note too long
        return _page({alert_id: {"note": str(exc)}}, {alert_id: typed}, 422)
    flash(_("Alerte prise en compte : %(action)s.", action=_(action.label)), "success")
    return redirect(url_for("alerts.index"))
