"""The Résidents list's data (every present resident, their latest NEWS2 set and open alerts), read
with a few set-based queries and kept current across requests by `OverviewCache`.

Freshness comes from the record, checked on every read, never from a timer. Each read takes one
row: the newest observation and alert sequence numbers and the change counters that triggers raise
in the same transaction as any write to residents or alerts (migration 0005), whichever process
wrote. Only when one of them moved is anything read again: the opened residents are kept while
their stored row is byte-for-byte the same (a sealed value gets a fresh nonce each time it is
written, so any change shows), the scored sets while no observation of that resident was stored
since (observation sequence numbers only grow; the new ones name the residents to score again),
and the open alerts are read whole (a handful of rows, nothing sealed). So a reading stored by
another process is on the next read. Nothing here audits: the caller writes one audit entry for
what it shows.
"""

from __future__ import annotations

import itertools
import json
import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from edge.alerts import AlertState
from edge.changes import Cursor
from edge.errors import StorageFailure
from edge.monitoring import next_set_due_at
from edge.news2 import RiskBand
from edge.news2_sets import ScoredSet, latest_sets, settings_from_context
from edge.record import Presence
from edge.residents import Resident, resident_from_row
from edge.storage import Database

_LOGGER = logging.getLogger(__name__)
RESCORE_ALL_AFTER = 5000
"""More new observations than this since the last read: score every resident again (one query)."""
_BAND_RANK = {RiskBand.LOW: 0, RiskBand.LOW_MEDIUM: 1, RiskBand.MEDIUM: 2, RiskBand.HIGH: 3}
_STAMPS_SQL = ("SELECT id, updated_at, presence, ins_status, identity, room, care_context "
               "FROM residents WHERE presence = ?")
_OPEN_ALERTS_SQL = "SELECT id, seq, resident_id, band FROM alerts WHERE state = ? ORDER BY seq"
_COUNTERS_SQL = ("SELECT (SELECT COALESCE(MAX(seq), 0) FROM observations), "
                 "(SELECT COALESCE(MAX(seq), 0) FROM alerts), "
                 "(SELECT counter FROM record_changes WHERE topic = 'residents'), "
                 "(SELECT counter FROM record_changes WHERE topic = 'alerts')")


@dataclass(frozen=True, slots=True)
class OpenAlertRef:
    """An open alert as the list shows it: which, how serious (nothing sealed is opened)."""

    id: str
    seq: int
    resident_id: str
    band: RiskBand


@dataclass(frozen=True, slots=True)
class OverviewEntry:
    """One resident with the latest scored set; ``version`` changes whenever either changes.

    ``due_at``: when the next set is due (None: due now, see `next_set_due_at`).
    """

    resident: Resident
    scored: ScoredSet | None
    version: int
    due_at: datetime | None

    def overdue(self, now: datetime) -> bool:
        return self.due_at is None or now >= self.due_at


@dataclass(frozen=True, slots=True)
class Overview:
    """Present residents by room then name, open alerts (worst first) by resident, the cursor.

    ``signature`` is the same for two reads exactly when entries and open alerts are the same.
    """

    entries: tuple[OverviewEntry, ...]
    open_alerts: dict[str, tuple[OpenAlertRef, ...]]
    cursor: Cursor
    signature: int


@dataclass(slots=True)
class _Cached:
    stamp: tuple[object, ...]
    resident: Resident
    scored: ScoredSet | None
    version: int


def _sort_key(entry: OverviewEntry) -> tuple[str, str]:
    return (entry.resident.room or "\uffff", entry.resident.traits.birth_family_name)


@dataclass(frozen=True, slots=True)
class _Snapshot:
    """What decides whether the kept overview is still the stored one: one row, compared whole."""

    observations: int
    alerts: int
    residents_changes: int
    alerts_changes: int


@contextmanager
def _read_transaction(conn: sqlite3.Connection) -> Iterator[None]:
    try:
        conn.execute("BEGIN")  # one snapshot for every table read inside
        try:
            yield
        finally:
            conn.execute("COMMIT")
    except sqlite3.Error as exc:
        raise StorageFailure(f"the residents could not be read ({exc})") from exc


def _snapshot(conn: sqlite3.Connection) -> _Snapshot:
    plain = conn.cursor()
    plain.row_factory = None
    observations, alerts, residents_changes, alerts_changes = plain.execute(
        _COUNTERS_SQL).fetchone()
    return _Snapshot(observations, alerts, residents_changes, alerts_changes)


def _stamps(conn: sqlite3.Connection) -> dict[str, tuple[object, ...]]:
    """Every present resident's stored row as it is (sealed columns included, nonces and all)."""
    plain = conn.cursor()
    plain.row_factory = None  # plain tuples: compared whole, cheaply
    return {row[0]: row[1:] for row in plain.execute(_STAMPS_SQL, (Presence.PRESENT.value,))}


def _alert_rows(conn: sqlite3.Connection) -> list[tuple[str, int, str, str]]:
    plain = conn.cursor()
    plain.row_factory = None
    return plain.execute(_OPEN_ALERTS_SQL, (AlertState.OPEN.value,)).fetchall()


class OverviewCache:
    """The opened residents and scored sets of one record, shared by the threads of a process.

    A read compares a one-row snapshot (newest sequence numbers, change counters) with what the
    kept overview was built from, holding no lock while it reads the
    database (a lock held across SQLite calls made the server's threads queue behind each other).
    Only when something changed does one thread at a time work out the new overview.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()  # guards the published fields; held for comparisons only
        self._refresh_lock = threading.Lock()  # one refresh at a time, in snapshot order
        self._cached: dict[str, _Cached] = {}  # used under the refresh lock only
        self._versions = itertools.count(1)
        self._basis: _Snapshot | None = None
        self._entries: tuple[OverviewEntry, ...] = ()
        self._alerts: dict[str, tuple[OpenAlertRef, ...]] = {}
        self._signature = 0

    def read(self, db: Database) -> Overview:
        """The overview as stored now (one read snapshot), reusing what did not change."""
        conn = db.reader()
        with _read_transaction(conn):
            found = self._published(_snapshot(conn))
        if found is not None:
            return found
        with self._refresh_lock, _read_transaction(conn):
            snapshot = _snapshot(conn)  # taken again: refreshes follow the order of snapshots
            return self._published(snapshot) or self._refresh(db, conn, snapshot)

    def clear(self) -> None:
        with self._refresh_lock, self._lock:
            self._cached.clear()
            self._basis = None

    def _published(self, snapshot: _Snapshot) -> Overview | None:
        with self._lock:
            if self._basis != snapshot:
                return None
            return Overview(self._entries, self._alerts,
                            Cursor(snapshot.observations, snapshot.alerts), self._signature)

    def _refresh(self, db: Database, conn: sqlite3.Connection, snapshot: _Snapshot) -> Overview:
        stamps = _stamps(conn)
        rescore = self._observed_residents(conn, snapshot.observations)
        for gone in set(self._cached) - set(stamps):
            del self._cached[gone]
        changed = [rid for rid, stamp in stamps.items()
                   if (cached := self._cached.get(rid)) is None or cached.stamp != stamp]
        opened = {row["id"]: resident_from_row(db, row)
                  for row in conn.execute("SELECT * FROM residents WHERE id IN "
                                          "(SELECT value FROM json_each(?))", (json.dumps(changed),))
                  if row["id"] in stamps} if changed else {}
        stale = set(opened) | (set(stamps) if rescore is None else rescore & set(stamps))
        if stale:
            residents = {rid: opened[rid] if rid in opened else self._cached[rid].resident
                         for rid in stale}
            settings = {rid: settings_from_context(resident.care_context)
                        for rid, resident in residents.items()}
            scored = latest_sets(db, conn, settings)
            for rid in stale:
                self._cached[rid] = _Cached(stamps[rid], residents[rid], scored[rid],
                                            next(self._versions))
            _LOGGER.debug("overview: %d residents read again", len(stale))
        entries = tuple(sorted(
            (OverviewEntry(item.resident, item.scored, item.version, next_set_due_at(item.scored))
             for item in self._cached.values()), key=_sort_key))
        alerts = _open_alerts(_alert_rows(conn))
        with self._lock:
            self._basis = snapshot
            self._entries = entries
            self._alerts = alerts
            self._signature = next(self._versions)
        return Overview(entries, alerts, Cursor(snapshot.observations, snapshot.alerts),
                        self._signature)

    def _observed_residents(self, conn: sqlite3.Connection, newest: int) -> set[str] | None:
        """Residents with observations stored since the kept overview; None: score everyone."""
        seen = self._basis.observations if self._basis is not None else -1
        if seen < 0 or not 0 <= newest - seen <= RESCORE_ALL_AFTER:
            return None
        rows = conn.execute("SELECT resident_id FROM observations WHERE seq > ?", (seen,))
        return {row["resident_id"] for row in rows if row["resident_id"] is not None}


def _open_alerts(rows: list[tuple[str, int, str, str]]) -> dict[str, tuple[OpenAlertRef, ...]]:
    alerts = sorted((OpenAlertRef(alert_id, seq, resident_id, RiskBand(band))
                     for alert_id, seq, resident_id, band in rows),
                    key=lambda alert: (-_BAND_RANK[alert.band], -alert.seq))
    by_resident: dict[str, list[OpenAlertRef]] = {}
    for alert in alerts:
        by_resident.setdefault(alert.resident_id, []).append(alert)
    return {resident_id: tuple(found) for resident_id, found in by_resident.items()}
