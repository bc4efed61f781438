"""What the Résidents list shows for each resident: the latest NEWS2 set with its sub-scores, the
open alerts, and when the next observations are due; and the search by name or room.

The data come from the record's `edge.OverviewCache` (current on every request); each row's HTML
is kept in a `RenderCache` under a key made of everything the row shows, so a row is rendered again
exactly when one of those changes (resident, latest set, open alerts, due or not, language); and
the whole list likewise, under the overview's signature, who is due, the search and language.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from flask import Blueprint, current_app
from flask.blueprints import BlueprintSetupState
from markupsafe import Markup

import edge
from web.render_cache import RenderCache

MAX_QUERY_CHARS = 100
OVERVIEW_KEY = "relais.residents.overview"
ROWS_KEY = "relais.residents.rows"
LISTS_KEY = "relais.residents.lists"
LISTS_KEPT = 64
"""Whole lists kept (searches, filters, languages): each is the size of a page."""


@dataclass(frozen=True, slots=True)
class ResidentRow:
    resident: edge.Resident
    scored: edge.ScoredSet | None
    alerts: tuple[edge.OpenAlertRef, ...]
    overdue: bool
    version: int
    now: datetime

    @property
    def worst_alert(self) -> edge.OpenAlertRef | None:
        return self.alerts[0] if self.alerts else None

    @property
    def due(self) -> edge.ObservationsDue:
        return edge.observations_due(self.resident.id, self.scored, self.now)

    def key(self, *context: object) -> tuple[object, ...]:
        """What the rendered row depends on (with the caller's context: language, URL root)."""
        alerts = tuple((alert.id, alert.band) for alert in self.alerts)
        return (self.resident.id, self.version, alerts, self.overdue, *context)


@dataclass(frozen=True, slots=True)
class RenderedList:
    """The list's rows as shown: their HTML, what the view needs to audit and count, and the key of
    everything they show."""

    key: tuple[object, ...]
    cards: Markup
    resident_ids: tuple[str, ...]
    due_count: int


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


def build_rows(overview: edge.Overview, now: datetime, *, query: str = "",
               due_only: bool = False) -> list[ResidentRow]:
    """The rows of the list, by room, filtered by the search and by "due now"."""
    wanted = query[:MAX_QUERY_CHARS]
    rows = []
    for entry in overview.entries:
        if wanted and not matches(entry.resident, wanted):
            continue
        overdue = entry.overdue(now)
        if due_only and not overdue:
            continue
        rows.append(ResidentRow(entry.resident, entry.scored,
                                overview.open_alerts.get(entry.resident.id, ()), overdue,
                                entry.version, now))
    return rows


def render_list(overview: edge.Overview, now: datetime, query: str, due_only: bool,
                render: Callable[[ResidentRow], Markup], *context: object) -> RenderedList:
    """The list for this search, from the list cache when nothing it shows changed.

    The list key is the overview's signature (residents, sets, open alerts), who is due at
    ``now``, the search and the caller's context; a miss builds the rows, each taken from the
    row cache or rendered.
    """
    caches = current_app.extensions
    overdue = tuple(entry.overdue(now) for entry in overview.entries)
    key = (overview.signature, overdue, query, due_only, *context)
    lists = cast("RenderCache[RenderedList]", caches[LISTS_KEY])
    found = lists.peek(key)
    if found is not None:
        return found
    rows = build_rows(overview, now, query=query, due_only=due_only)
    rows_cache = cast("RenderCache[Markup]", caches[ROWS_KEY])
    cards = Markup("").join(rows_cache.get(row.key(*context), functools.partial(render, row))
                            for row in rows)
    rendered = RenderedList(key, cards, tuple(row.resident.id for row in rows),
                            sum(1 for row in rows if row.overdue))
    lists.put(key, rendered)
    return rendered


def overview_cache() -> edge.OverviewCache:
    return cast(edge.OverviewCache, current_app.extensions[OVERVIEW_KEY])


def install_caches(blueprint: Blueprint) -> None:
    """One overview cache and one row cache per application (shared by its threads)."""
    def create(state: BlueprintSetupState) -> None:
        state.app.extensions.setdefault(OVERVIEW_KEY, edge.OverviewCache())
        state.app.extensions.setdefault(ROWS_KEY, RenderCache[Markup]())
        state.app.extensions.setdefault(LISTS_KEY, RenderCache[RenderedList](LISTS_KEPT))

    blueprint.record_once(create)
