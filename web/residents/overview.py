"""What the Résidents list shows for each resident: the latest NEWS2 set with its sub-scores, the
open alerts, and when the next observations are due; and the search by name or room."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

import edge

MAX_QUERY_CHARS = 100


@dataclass(frozen=True, slots=True)
class ResidentRow:
    resident: edge.Resident
    scored: edge.ScoredSet | None
    alerts: tuple[edge.Alert, ...]
    due: edge.ObservationsDue

    @property
    def worst_alert(self) -> edge.Alert | None:
        return self.alerts[0] if self.alerts else None


def fold(text: str) -> str:
    """Lower case without accents, for matching what was typed on a tablet keyboard."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def matches(resident: edge.Resident, query: str) -> bool:
    """A search matches a room (from its start) or any part of a family or given name."""
    wanted = fold(query.strip())
    if not wanted:
        return True
    if resident.room and fold(resident.room).startswith(wanted):
        return True
    traits = resident.traits
    names = [traits.birth_family_name, *traits.birth_given_names, traits.used_family_name or "",
             traits.used_given_name or "", resident.display_name]
    return any(wanted in fold(name) for name in names if name)


def build_rows(db: edge.Database, actor_id: str, now: datetime, *, query: str = "",
               due_only: bool = False) -> list[ResidentRow]:
    """The rows of the list, by room, filtered by the search and by "due now"."""
    residents = [resident for resident in edge.list_residents(db, actor_id)
                 if matches(resident, query[:MAX_QUERY_CHARS])]
    alerts: dict[str, list[edge.Alert]] = {}
    for alert in edge.list_alerts(db, actor_id):
        alerts.setdefault(alert.resident_id, []).append(alert)
    rows = []
    for resident in residents:
        scored = edge.latest_set(db, resident.id)
        due = edge.observations_due(resident.id, scored, now)
        if due_only and not due.overdue:
            continue
        rows.append(ResidentRow(resident, scored, tuple(alerts.get(resident.id, ())), due))
    return rows
