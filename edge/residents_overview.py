"""The Résidents list's data (every present resident, their latest NEWS2 set and open alerts), read
with a few set-based queries and kept current across requests by `OverviewCache`.

Freshness comes from the record, checked on every read, never from a timer: the opened residents
are kept while their stored row is byte-for-byte the same (a sealed value gets a fresh nonce each
time it is written, so any change shows), and the scored sets while no observation of that
resident was stored since (observation sequence numbers only grow; the new ones since the last
read name the residents to score again). Open alerts are read every time (a handful of rows,
nothing sealed). So a reading stored by another process is on the next read. Nothing here audits:
the caller writes one audit entry for what it shows.
"""

from __future__ import annotations

import itertools
import logging
import sqlite3
import threading
from dataclasses import dataclass

from edge.alerts import AlertState
from edge.changes import Cursor
from edge.errors import StorageFailure
from edge.news2 import RiskBand
from edge.news2_sets import ScoredSet, latest_sets, settings_from_context
from edge.record import Presence
from edge.residents import Resident, resident_from_row
from edge.storage import Database

_LOGGER = logging.getLogger(__name__)
RESCORE_ALL_AFTER = 5000
"""More new observations than this since the last read: score every resident again (one query)."""
_BAND_RANK = {RiskBand.LOW: 0, RiskBand.LOW_MEDIUM: 1, RiskBand.MEDIUM: 2, RiskBand.HIGH: 3}
_ROW_FIELDS = ("updated_at", "presence", "ins_status", "identity", "room", "care_context")


@dataclass(frozen=True, slots=True)
class OpenAlertRef:
    """An open alert as the list shows it: which, how serious (nothing sealed is opened)."""

    id: str
    seq: int
    resident_id: str
    band: RiskBand


@dataclass(frozen=True, slots=True)
class OverviewEntry:
    """One resident with the latest scored set; ``version`` changes whenever either changes."""

    resident: Resident
    scored: ScoredSet | None
    version: int


@dataclass(frozen=True, slots=True)
class Overview:
    """Present residents by room then name, open alerts (worst first) by resident, the cursor."""

    entries: tuple[OverviewEntry, ...]
    open_alerts: dict[str, tuple[OpenAlertRef, ...]]
    cursor: Cursor


@dataclass(slots=True)
class _Cached:
    stamp: tuple[object, ...]
    resident: Resident
    scored: ScoredSet | None
    version: int


def _sort_key(entry: OverviewEntry) -> tuple[str, str]:
    return (entry.resident.room or "\uffff", entry.resident.traits.birth_family_name)


class OverviewCache:
    """The opened residents and scored sets of one record, shared by the threads of a process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cached: dict[str, _Cached] = {}
        self._observations_seen = -1
        self._versions = itertools.count(1)
        self._entries: tuple[OverviewEntry, ...] = ()

    def read(self, db: Database) -> Overview:
        """The overview as stored now (one read snapshot), reusing what did not change."""
        with self._lock:
            conn = db.reader()
            try:
                conn.execute("BEGIN")  # one snapshot for every table read below
                try:
                    return self._read(db, conn)
                finally:
                    conn.execute("COMMIT")
            except sqlite3.Error as exc:
                raise StorageFailure(f"the residents could not be read ({exc})") from exc

    def clear(self) -> None:
        with self._lock:
            self._cached.clear()
            self._observations_seen = -1

    def _read(self, db: Database, conn: sqlite3.Connection) -> Overview:
        top = conn.execute("SELECT (SELECT COALESCE(MAX(seq), 0) FROM observations) AS o, "
                           "(SELECT COALESCE(MAX(seq), 0) FROM alerts) AS a").fetchone()
        rescore = self._observed_residents(conn, top["o"])
        rows = conn.execute("SELECT * FROM residents WHERE presence = ?",
                            (Presence.PRESENT.value,)).fetchall()
        present = {row["id"] for row in rows}
        gone = set(self._cached) - present
        for resident_id in gone:
            del self._cached[resident_id]
        opened: dict[str, Resident] = {}
        for row in rows:
            stamp = tuple(row[name] for name in _ROW_FIELDS)
            cached = self._cached.get(row["id"])
            if cached is None or cached.stamp != stamp:
                opened[row["id"]] = resident_from_row(db, row)
        stale = set(opened) | (present if rescore is None else rescore & present)
        if stale:
            residents = {rid: opened.get(rid) or self._cached[rid].resident for rid in stale}
            settings = {rid: settings_from_context(resident.care_context)
                        for rid, resident in residents.items()}
            scored = latest_sets(db, conn, settings)
            for row in rows:
                if row["id"] in stale:
                    stamp = tuple(row[name] for name in _ROW_FIELDS)
                    self._cached[row["id"]] = _Cached(stamp, residents[row["id"]],
                                                      scored[row["id"]], next(self._versions))
            _LOGGER.debug("overview: %d residents read again", len(stale))
        self._observations_seen = top["o"]
        if stale or gone or len(self._entries) != len(self._cached):
            self._entries = tuple(sorted((OverviewEntry(item.resident, item.scored, item.version)
                                          for item in self._cached.values()), key=_sort_key))
        return Overview(self._entries, _open_alerts(conn), Cursor(top["o"], top["a"]))

    def _observed_residents(self, conn: sqlite3.Connection, newest: int) -> set[str] | None:
        """Residents with observations stored since the last read; None: score everyone."""
        if self._observations_seen < 0 or newest - self._observations_seen > RESCORE_ALL_AFTER:
            return None
        if newest == self._observations_seen:
            return set()
        rows = conn.execute("SELECT resident_id FROM observations WHERE seq > ?",
                            (self._observations_seen,))
        return {row["resident_id"] for row in rows if row["resident_id"] is not None}


def _open_alerts(conn: sqlite3.Connection) -> dict[str, tuple[OpenAlertRef, ...]]:
    rows = conn.execute("SELECT id, seq, resident_id, band FROM alerts WHERE state = ?",
                        (AlertState.OPEN.value,))
    alerts = sorted((OpenAlertRef(row["id"], row["seq"], row["resident_id"], RiskBand(row["band"]))
                     for row in rows), key=lambda alert: (-_BAND_RANK[alert.band], -alert.seq))
    by_resident: dict[str, list[OpenAlertRef]] = {}
    for alert in alerts:
        by_resident.setdefault(alert.resident_id, []).append(alert)
    return {resident_id: tuple(found) for resident_id, found in by_resident.items()}
