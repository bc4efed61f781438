"""Who is due for observations: the minimum monitoring frequency that follows from a resident's
latest NEWS2 set (RCP chart 4: 12 h at 0, 4–6 h at 1–4, hourly for a 3 in one parameter or 5–6,
continuous from 7). Pure: takes the scored set and the time, returns when the next set is due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from edge.news2 import Response
from edge.news2_sets import ScoredSet, parse_time


@dataclass(frozen=True, slots=True)
class ObservationsDue:
    """When the resident's next full set of observations is due.

    ``due_at`` is None for continuous monitoring or when no set was ever recorded; ``overdue``
    is then True. For a partial set the frequency is a lower bound (missing values only add
    points) and ``incomplete`` is True.
    """

    resident_id: str
    last_set_at: str | None
    response: Response | None
    due_at: str | None
    overdue: bool
    incomplete: bool

    @property
    def continuous(self) -> bool:
        return self.response is Response.EMERGENCY

    @property
    def label(self) -> str:
        if self.response is None:
            return "Aucune série de constantes : à mesurer"
        if self.continuous:
            return "Surveillance continue"
        return f"Constantes {self.response.monitoring_label}"


def next_set_due_at(scored: ScoredSet | None) -> datetime | None:
    """When the set after ``scored`` is due; None when it is due at once (never measured, or
    continuous monitoring). A resident is due when this is None or has passed."""
    if scored is None:
        return None
    return scored.score.response.next_set_due(parse_time(scored.window_end))


def observations_due(resident_id: str, scored: ScoredSet | None,
                     now: datetime) -> ObservationsDue:
    """When the next set is due after the latest one, and whether that time has passed."""
    if scored is None:
        return ObservationsDue(resident_id, None, None, None, True, True)
    response = scored.score.response
    taken_at = parse_time(scored.window_end)
    due = response.next_set_due(taken_at)
    overdue = due is None or now >= due
    return ObservationsDue(resident_id, scored.window_end, response,
                           due.isoformat() if due else None, overdue, scored.partial)
