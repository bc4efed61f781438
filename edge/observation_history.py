"""The history of a resident's observations as staff review it: sets of values taken together,
newest first and page by page, each value with the versions it replaced (the original first), and
who entered each version.

Reading only: amendments are written by `edge.observations.amend_observation`. A value taken alone
(not in a set) is a group of its own. Every read that returns values is audited.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from edge.audit import AuditAction, append_audit
from edge.errors import NotFound
from edge.observations import observation_from_row
from edge.record import Observation
from edge.storage import Database

PAGE_SIZE = 20
"""Sets shown on one page of the history."""
_CHUNK = 500

_GROUPS_SQL = """
SELECT COALESCE(set_id, id) AS grp, MAX(observed_at) AS at, MAX(seq) AS last
FROM observations WHERE resident_id = ? AND amends_id IS NULL
GROUP BY grp ORDER BY at DESC, last DESC LIMIT ? OFFSET ?"""


@dataclass(frozen=True, slots=True)
class ObservationVersions:
    """One value as it stands now, and the versions it replaced (the original first)."""

    current: Observation
    earlier: tuple[Observation, ...] = ()

    @property
    def corrected(self) -> bool:
        return bool(self.earlier)

    @property
    def original(self) -> Observation:
        return self.earlier[0] if self.earlier else self.current


@dataclass(frozen=True, slots=True)
class ObservationGroup:
    """Values taken together (one set of vitals), or one value taken alone."""

    observed_at: str
    values: tuple[ObservationVersions, ...]


@dataclass(frozen=True, slots=True)
class ObservationHistory:
    """One page of a resident's history, newest set first; ``page`` counts from 1."""

    groups: tuple[ObservationGroup, ...]
    page: int
    has_more: bool


def _in_chunks(conn: sqlite3.Connection, sql: str, ids: list[str]) -> list[sqlite3.Row]:
    rows: list[sqlite3.Row] = []
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        rows.extend(conn.execute(sql.format(marks=",".join("?" * len(chunk))), tuple(chunk)))
    return rows


def _versions(db: Database, conn: sqlite3.Connection,
              roots: list[sqlite3.Row]) -> list[ObservationVersions]:
    """Each root row followed along its amendments to the current version."""
    next_of: dict[str, sqlite3.Row] = {}
    frontier = [row["id"] for row in roots]
    while frontier:
        found = _in_chunks(conn, "SELECT * FROM observations WHERE amends_id IN ({marks})",
                           frontier)
        next_of.update({row["amends_id"]: row for row in found})
        frontier = [row["id"] for row in found]
    result = []
    for root in roots:
        chain = [root]
        while chain[-1]["id"] in next_of:
            chain.append(next_of[chain[-1]["id"]])
        versions = [observation_from_row(
            db, row, next_of[row["id"]]["id"] if row["id"] in next_of else None) for row in chain]
        result.append(ObservationVersions(versions[-1], tuple(versions[:-1])))
    return result


def observation_history(db: Database, resident_id: str, actor_id: str | None, *, page: int = 1,
                        page_size: int = PAGE_SIZE) -> ObservationHistory:
    """One page of the resident's sets, newest first, with every value's versions (audited)."""
    page = max(1, page)
    conn = db.reader()
    groups = conn.execute(_GROUPS_SQL, (resident_id, page_size + 1,
                                        (page - 1) * page_size)).fetchall()
    has_more = len(groups) > page_size
    keys = [row["grp"] for row in groups[:page_size]]
    roots = _in_chunks(
        conn, "SELECT * FROM observations WHERE amends_id IS NULL AND "
              "COALESCE(set_id, id) IN ({marks}) ORDER BY seq", keys)
    by_group: dict[str, list[ObservationVersions]] = {key: [] for key in keys}
    for versions in _versions(db, conn, [row for row in roots
                                         if row["resident_id"] == resident_id]):
        by_group[versions.original.set_id or versions.original.id].append(versions)
    result = tuple(ObservationGroup(
        max(item.current.observed_at for item in by_group[key]), tuple(by_group[key]))
        for key in keys if by_group[key])
    append_audit(db, actor_id, AuditAction.READ, "observations", None, resident_id=resident_id,
                 details={"count": sum(len(group.values) for group in result), "page": page})
    return ObservationHistory(result, page, has_more)


def observation_versions(db: Database, observation_id: str,
                         actor_id: str | None) -> ObservationVersions:
    """The value that ``observation_id`` is a version of: the current one and those it replaced.

    :raises NotFound: no such observation.
    """
    conn = db.reader()
    row = conn.execute("SELECT * FROM observations WHERE id = ?", (observation_id,)).fetchone()
    if row is None:
        raise NotFound("no such observation")
    while row["amends_id"] is not None:
        row = conn.execute("SELECT * FROM observations WHERE id = ?",
                           (row["amends_id"],)).fetchone()
    [versions] = _versions(db, conn, [row])
    append_audit(db, actor_id, AuditAction.READ, "observation", versions.current.id,
                 resident_id=versions.current.resident_id)
    return versions


@dataclass(frozen=True, slots=True)
class ObservationOrigin:
    """Who entered a stored version (None: a device by itself) and the version it corrects."""

    author_id: str | None
    corrects: str | None


def observation_origins(db: Database, ids: Iterable[str]) -> dict[str, ObservationOrigin]:
    """Who entered each observation and whether it is a correction; nothing sealed is opened."""
    rows = _in_chunks(db.reader(), "SELECT id, author_id, amends_id FROM observations "
                                   "WHERE id IN ({marks})", list(ids))
    return {row["id"]: ObservationOrigin(row["author_id"], row["amends_id"]) for row in rows}


def amended_among(db: Database, ids: Iterable[str]) -> frozenset[str]:
    """Those of ``ids`` that were corrected since (an amendment points at them)."""
    rows = _in_chunks(db.reader(),
                      "SELECT amends_id FROM observations WHERE amends_id IN ({marks})",
                      list(ids))
    return frozenset(row["amends_id"] for row in rows)
