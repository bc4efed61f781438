"""What changed in the record since a cursor: new observations and new alerts by their sequence
numbers, for the tablets' live updates. Only ids, codes, bands and sequences (nothing sealed is
opened); the caller audits the residents it shows.
"""

from __future__ import annotations

from dataclasses import dataclass

from edge.alerts import AlertState
from edge.errors import RecordRejected
from edge.storage import Database

MAX_CHANGES = 200


@dataclass(frozen=True, slots=True)
class Cursor:
    """The last observation and alert sequence numbers a client has seen."""

    observations: int
    alerts: int

    def __str__(self) -> str:
        return f"{self.observations}.{self.alerts}"

    @classmethod
    def parse(cls, text: str) -> Cursor:
        """:raises RecordRejected: the text is not a cursor given by `current_cursor`."""
        parts = text.split(".")
        if len(parts) != 2 or not all(part.isdigit() and len(part) < 19 for part in parts):
            raise RecordRejected("curseur invalide")
        return cls(int(parts[0]), int(parts[1]))


@dataclass(frozen=True, slots=True)
class ObservationChange:
    seq: int
    observation_id: str
    resident_id: str | None
    code: str


@dataclass(frozen=True, slots=True)
class AlertChange:
    seq: int
    alert_id: str
    resident_id: str
    band: str
    score: int | None
    kind: str


@dataclass(frozen=True, slots=True)
class Changes:
    cursor: Cursor
    observations: tuple[ObservationChange, ...]
    alerts: tuple[AlertChange, ...]
    open_alerts: int

    @property
    def residents(self) -> tuple[str, ...]:
        ids = {item.resident_id for item in self.observations if item.resident_id}
        ids |= {item.resident_id for item in self.alerts}
        return tuple(sorted(ids))


def current_cursor(db: Database) -> Cursor:
    row = db.query("SELECT (SELECT COALESCE(MAX(seq), 0) FROM observations) AS o, "
                   "(SELECT COALESCE(MAX(seq), 0) FROM alerts) AS a")[0]
    return Cursor(row["o"], row["a"])


def changes_since(db: Database, since: Cursor) -> Changes:
    """New observations and alerts after ``since`` (at most `MAX_CHANGES` of each)."""
    conn = db.reader()
    conn.execute("BEGIN")  # one snapshot for both tables and the count
    try:
        observations = tuple(
            ObservationChange(row["seq"], row["id"], row["resident_id"], row["code"])
            for row in conn.execute(
                "SELECT seq, id, resident_id, code FROM observations WHERE seq > ? "
                "ORDER BY seq LIMIT ?", (since.observations, MAX_CHANGES)))
        alerts = tuple(
            AlertChange(row["seq"], row["id"], row["resident_id"], row["band"], row["score"],
                        row["kind"])
            for row in conn.execute(
                "SELECT seq, id, resident_id, band, score, kind FROM alerts WHERE seq > ? "
                "ORDER BY seq LIMIT ?", (since.alerts, MAX_CHANGES)))
        open_alerts = conn.execute(
            "SELECT COUNT(*) FROM alerts WHERE state = ?", (AlertState.OPEN.value,)).fetchone()[0]
    finally:
        conn.execute("COMMIT")
    cursor = Cursor(observations[-1].seq if observations else since.observations,
                    alerts[-1].seq if alerts else since.alerts)
    return Changes(cursor, observations, alerts, int(open_alerts))
