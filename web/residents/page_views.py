"""One resident's page: identity and INS status with what can be done next, the latest set with
its NEWS2 sub-scores (each value with its "Corriger" action when the user may correct it), open
alerts (marked when one of their values was corrected since), trend charts (day / week / month),
the transmissions timeline and the documents."""

from __future__ import annotations

import re
from datetime import datetime

from flask import abort, current_app, render_template, request, url_for
from werkzeug.routing import BuildError

import edge
from web.access import Permission, requires, user_may
from web.context import clock, current_user, record
from web.deliveries.labels import state_label
from web.residents.bp import blueprint
from web.residents.charts import RANGES, SPECS, Chart, build_chart
from web.residents.corrections import alerts_with_corrected_values, latest_set_corrections
from web.residents.identity_actions import next_identity_actions
from web.residents.shown import LOCAL_ZONE, audit_shown, user_names

RESIDENT_ID = re.compile(r"^[0-9a-f]{32}$")


def load_resident(resident_id: str) -> edge.Resident:
    """The resident (the read is audited), or a 404 page."""
    if not RESIDENT_ID.match(resident_id):
        abort(404)
    try:
        return edge.get_resident(record(), resident_id, current_user().id)
    except edge.NotFound:
        abort(404)


def charts_for(resident: edge.Resident, range_name: str, now: datetime,
               scale2: bool) -> list[Chart]:
    start = now - RANGES[range_name]
    observations = edge.list_observations(
        record(), resident.id, current_user().id, since=start.isoformat(timespec="microseconds"),
        codes=[spec.code for spec in SPECS])
    samples: dict[str, list[tuple[datetime, float]]] = {}
    for obs in observations:
        moment = datetime.fromisoformat(obs.observed_at).astimezone(LOCAL_ZONE)
        samples.setdefault(obs.code, []).append((moment, obs.value))
    local_start, local_end = start.astimezone(LOCAL_ZONE), now.astimezone(LOCAL_ZONE)
    return [build_chart(spec, samples.get(spec.code, []), local_start, local_end, range_name,
                        scale2=scale2 and spec.parameter is edge.News2Parameter.SPO2)
            for spec in SPECS]


def transfer_link(resident_id: str) -> str | None:
    """The hospital transfer page, when the deliveries blueprint provides it."""
    if "deliveries.transfer" not in current_app.view_functions:
        return None
    try:
        return url_for("deliveries.transfer", resident_id=resident_id)
    except BuildError:
        return None


@blueprint.get("/<resident_id>")
@requires(Permission.RESIDENTS_VIEW)
def show(resident_id: str) -> str:
    db = record()
    user = current_user()
    range_name = request.args.get("periode", "day")
    if range_name not in RANGES:
        range_name = "day"
    resident = load_resident(resident_id)
    cursor = edge.current_cursor(db)
    now = clock()
    scored = edge.latest_set(db, resident.id)
    scale2 = scored is not None and scored.score.scale is edge.Spo2Scale.SCALE_2
    documents = (edge.list_resident_documents(db, resident.id, user.id)
                 if user_may(Permission.DOCUMENTS_VIEW) else None)
    alerts = edge.list_alerts(db, user.id, resident_id=resident.id)
    correction_urls, corrected_values = latest_set_corrections(scored)
    page = render_template(
        "residents/show.html", resident=resident, scored=scored,
        due=edge.observations_due(resident.id, scored, now),
        alerts=alerts, corrected_alerts=alerts_with_corrected_values(alerts),
        correction_urls=correction_urls, corrected_values=corrected_values,
        notes=edge.list_notes(db, resident.id, user.id),
        charts=charts_for(resident, range_name, now, scale2), range_name=range_name,
        documents=documents, delivery_state=state_label, names=user_names(), cursor=str(cursor),
        identity_actions=next_identity_actions(resident),
        transfer_url=transfer_link(resident.id),
        can_measure=hasattr(edge, "open_measurement_session"),
        sessions=[session for session in edge.open_sessions(db)
                  if session.resident_id == resident.id]
        if hasattr(edge, "open_sessions") else [],
        parameters=list(edge.News2Parameter))
    audit_shown([resident.id])
    return page
