"""NEWS2 alerts: opening them when stored observations score at or above a trigger, escalating when
the band worsens, acknowledging them (who, when, the action taken), and reading them back.

The rules (CLINICAL.md §2.2, RCP chart 4):

- An alert opens when the resident's latest set reaches the low–medium band (a 3 in any single
  parameter), the medium band (5–6) or the high band (7 or more). A partial set opens one too when
  what was measured already reaches a trigger (the band is then a lower bound, kind NEWS2_PARTIAL).
  A total of 1–4 without a 3 does not open an alert: it is shown on the residents list.
- One episode, one alert: while an open or acknowledged alert of the same or a worse band exists
  for the resident, a new triggering set opens nothing. A worse band opens a new alert that names
  the one it escalates; the older ones become ESCALATED.
- A complete set below every trigger ends the episode: acknowledged alerts become RESOLVED. An
  unacknowledged alert stays open until someone acknowledges it — also when the set now scores
  lower because a value was corrected (a person confirms it, e.g. with ENTRY_ERROR).

`evaluate_alerts` runs inside the write transaction that stores observations, so every store path
(typed, device, amendment) opens its alerts atomically with the values.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from edge.audit import AuditAction, append_audit
from edge.errors import NotFound, RecordRejected
from edge.news2 import News2Parameter, RiskBand
from edge.news2_sets import NEWS2_CODES, ScoredSet, latest_set
from edge.record import new_id, next_seq
from edge.storage import Database

_LOGGER = logging.getLogger(__name__)

MAX_NOTE_CHARS = 2000
_RANK = {RiskBand.LOW: 0, RiskBand.LOW_MEDIUM: 1, RiskBand.MEDIUM: 2, RiskBand.HIGH: 3}


class AlertNotOpen(RecordRejected):
    """The alert was already acknowledged or replaced: reload the alerts and act on the open one."""


class AlertState(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    ESCALATED = "escalated"
    RESOLVED = "resolved"


class AlertKind(StrEnum):
    NEWS2 = "news2"
    NEWS2_PARTIAL = "news2_partial"


class AlertAction(StrEnum):
    """What the person who acknowledged the alert did (French escalation routes)."""

    CALLED_IDE = "called_ide"
    CALLED_MEDECIN = "called_medecin"
    CALLED_PERMANENCE = "called_permanence"
    CALLED_SAMU = "called_samu"
    REMEASURED = "remeasured"
    MONITORING_INCREASED = "monitoring_increased"
    CARE_PLAN = "care_plan"
    ENTRY_ERROR = "entry_error"

    @property
    def label(self) -> str:
        return _ACTION_LABELS[self]


_ACTION_LABELS = {
    AlertAction.CALLED_IDE: "Appel de l'infirmier(e) (IDE)",
    AlertAction.CALLED_MEDECIN: "Appel du médecin traitant ou coordonnateur",
    AlertAction.CALLED_PERMANENCE: "Appel de la permanence des soins",
    AlertAction.CALLED_SAMU: "Appel du SAMU-Centre 15",
    AlertAction.REMEASURED: "Nouvelle série de mesures",
    AlertAction.MONITORING_INCREASED: "Surveillance renforcée",
    AlertAction.CARE_PLAN: "Conforme au projet de soins (limitation des traitements, fin de vie)",
    AlertAction.ENTRY_ERROR: "Erreur de saisie, valeur corrigée",
}


@dataclass(frozen=True, slots=True)
class AlertValue:
    """One value that produced the alert, with its sub-score."""

    parameter: News2Parameter
    display: str
    unit: str
    points: int | None
    observed_at: str
    observation_id: str | None = None
    """The stored observation (a later correction of it shows that the alert's values changed)."""


@dataclass(frozen=True, slots=True)
class Alert:
    id: str
    seq: int
    resident_id: str
    opened_at: str
    kind: AlertKind
    score: int
    band: RiskBand
    state: AlertState
    values: tuple[AlertValue, ...]
    missing: tuple[News2Parameter, ...]
    scale: int
    window: tuple[str, str]
    baseline_label: str | None
    escalated_from: str | None
    acknowledged_at: str | None = None
    acknowledged_by: str | None = None
    action: AlertAction | None = None
    ack_note: str | None = None

    @property
    def partial(self) -> bool:
        return self.kind is AlertKind.NEWS2_PARTIAL


def alert_band(scored: ScoredSet) -> RiskBand | None:
    """The band that opens an alert for this set, or None below every trigger."""
    band = scored.score.band_at_least
    return None if band is RiskBand.LOW else band


def _details(scored: ScoredSet, escalated_from: str | None) -> dict[str, Any]:
    score = scored.score
    return {
        "values": [{"parameter": item.parameter.value, "display": item.display,
                    "unit": "" if item.parameter in (News2Parameter.CONSCIOUSNESS,
                                                     News2Parameter.SUPPLEMENTAL_OXYGEN)
                    else item.unit, "points": score.points(item.parameter),
                    "observed_at": item.observed_at, "observation_id": item.observation_id}
                   for item in scored.values],
        "missing": [parameter.value for parameter in score.missing],
        "scale": score.scale.value, "window": [scored.window_start, scored.window_end],
        "baseline": scored.baseline.label if scored.baseline else None,
        "escalated_from": escalated_from,
    }


def evaluate_alerts(db: Database, conn: sqlite3.Connection, resident_id: str) -> str | None:
    """Apply the alert rules to the resident's latest set inside ``conn``'s write transaction.

    :returns: the id of the alert opened, or None.
    """
    scored = latest_set(db, resident_id, conn)
    if scored is None:
        return None
    band = alert_band(scored)
    active = conn.execute(
        "SELECT id, band, state FROM alerts WHERE resident_id = ? AND state IN (?, ?)",
        (resident_id, AlertState.OPEN.value, AlertState.ACKNOWLEDGED.value)).fetchall()
    if band is None:
        if scored.score.complete:
            conn.execute("UPDATE alerts SET state = ? WHERE resident_id = ? AND state = ?",
                         (AlertState.RESOLVED.value, resident_id, AlertState.ACKNOWLEDGED.value))
        return None
    worst = max(active, key=lambda row: _RANK[RiskBand(row["band"])], default=None)
    if worst is not None and _RANK[RiskBand(worst["band"])] >= _RANK[band]:
        return None
    for row in active:
        conn.execute("UPDATE alerts SET state = ? WHERE id = ?",
                     (AlertState.ESCALATED.value, row["id"]))
    alert_id = new_id()
    kind = AlertKind.NEWS2_PARTIAL if scored.partial else AlertKind.NEWS2
    conn.execute(
        "INSERT INTO alerts (id, seq, resident_id, opened_at, set_id, kind, score, band, details, "
        "state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (alert_id, next_seq(conn, "alerts"), resident_id, db.now(), None, kind.value,
         scored.score.total, band.value,
         db.keyring.seal_json(_details(scored, worst["id"] if worst else None), "alerts",
                              "details", alert_id), AlertState.OPEN.value))
    _LOGGER.info("alert %s opened (band %s, kind %s)", alert_id, band.value, kind.value)
    return alert_id


def evaluate_for_codes(db: Database, conn: sqlite3.Connection, resident_ids: set[str],
                       codes: set[str]) -> None:
    """Re-evaluate the residents whose stored codes include a NEWS2 parameter."""
    if codes & set(NEWS2_CODES.values()):
        for resident_id in sorted(resident_ids):
            evaluate_alerts(db, conn, resident_id)


def _alert(db: Database, row: sqlite3.Row) -> Alert:
    keyring = db.keyring
    details = keyring.open_json(row["details"], "alerts", "details", row["id"])
    note = (keyring.open_text(row["ack_note"], "alerts", "ack_note", row["id"])
            if row["ack_note"] is not None else None)
    return Alert(
        id=row["id"], seq=row["seq"], resident_id=row["resident_id"], opened_at=row["opened_at"],
        kind=AlertKind(row["kind"]), score=row["score"], band=RiskBand(row["band"]),
        state=AlertState(row["state"]),
        values=tuple(AlertValue(News2Parameter(item["parameter"]), item["display"],
                                item["unit"], item["points"], item["observed_at"],
                                item.get("observation_id"))
                     for item in details["values"]),
        missing=tuple(News2Parameter(item) for item in details["missing"]),
        scale=details["scale"], window=(details["window"][0], details["window"][1]),
        baseline_label=details["baseline"], escalated_from=details["escalated_from"],
        acknowledged_at=row["acknowledged_at"], acknowledged_by=row["acknowledged_by"],
        action=AlertAction(row["action"]) if row["action"] else None, ack_note=note)


def list_alerts(db: Database, actor_id: str | None, *, resident_id: str | None = None,
                states: tuple[AlertState, ...] = (AlertState.OPEN,),
                limit: int = 500) -> list[Alert]:
    """Alerts in these states, most serious then newest first; audited as one read."""
    sql = f"SELECT * FROM alerts WHERE state IN ({','.join('?' * len(states))})"  # noqa: S608
    params: list[object] = [state.value for state in states]
    if resident_id is not None:
        sql += " AND resident_id = ?"
        params.append(resident_id)
    rows = db.query(sql + " ORDER BY seq DESC LIMIT ?", (*params, limit))
    alerts = sorted((_alert(db, row) for row in rows), key=lambda a: (-_RANK[a.band], -a.seq))
    residents = sorted({alert.resident_id for alert in alerts})
    if alerts:
        append_audit(db, actor_id, AuditAction.READ, "alerts", None,
                     resident_id=resident_id if resident_id else
                     (residents[0] if len(residents) == 1 else None),
                     details={"count": len(alerts), "residents": residents})
    return alerts


def get_alert(db: Database, alert_id: str, actor_id: str | None) -> Alert:
    rows = db.query("SELECT * FROM alerts WHERE id = ?", (alert_id,))
    if not rows:
        raise NotFound("no such alert")
    alert = _alert(db, rows[0])
    append_audit(db, actor_id, AuditAction.READ, "alert", alert_id,
                 resident_id=alert.resident_id)
    return alert


def acknowledge_alert(db: Database, alert_id: str, actor_id: str, action: AlertAction,
                      note: str | None = None) -> None:
    """Record who acknowledged an open alert, when, the action taken and an optional note.

    :raises AlertNotOpen: it was already acknowledged, resolved or replaced by a worse one.
    :raises RecordRejected: the note is too long.
    """
    if not isinstance(action, AlertAction):
        raise RecordRejected("Choisissez l'action menée.")
    cleaned = (note or "").strip()
    if len(cleaned) > MAX_NOTE_CHARS:
        raise RecordRejected(f"La note est limitée à {MAX_NOTE_CHARS} caractères.")
    with db.write() as conn:
        row = conn.execute("SELECT resident_id, state FROM alerts WHERE id = ?",
                           (alert_id,)).fetchone()
        if row is None:
            raise NotFound("no such alert")
        if row["state"] == AlertState.ESCALATED.value:
            raise AlertNotOpen("Cette alerte a été remplacée par une alerte plus grave : "
                               "prenez en compte la plus récente.")
        if row["state"] != AlertState.OPEN.value:
            raise AlertNotOpen("Cette alerte a déjà été prise en compte.")
        conn.execute(
            "UPDATE alerts SET state = ?, acknowledged_at = ?, acknowledged_by = ?, action = ?, "
            "ack_note = ? WHERE id = ?",
            (AlertState.ACKNOWLEDGED.value, db.now(), actor_id, action.value,
             db.keyring.seal_text(cleaned, "alerts", "ack_note", alert_id) if cleaned else None,
             alert_id))
        append_audit(db, actor_id, AuditAction.UPDATE, "alert", alert_id,
                     resident_id=row["resident_id"], details={"action": action.value}, conn=conn)
