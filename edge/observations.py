"""Observations (vital signs): storing them durably, amending them, and reading them back.

A stored observation is never overwritten: a correction is a new row that amends it, with a reason,
and readers see the latest amendment in its place. The value (with the original value and unit when
a device's unit was converted) is sealed; code, unit, times, device id and capture method stay in
clear for indexes. Each store commits before returning, so the caller may acknowledge after it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from edge.alerts import evaluate_for_codes
from edge.audit import AuditAction, append_audit
from edge.errors import NotFound, RecordRejected
from edge.record import CaptureMethod, Observation, new_id, next_seq
from edge.storage import Database
from edge.vitals import check_value

MAX_REASON_CHARS = 500
"""Longest reason for a correction (a short sentence; the details go in a transmission)."""


@dataclass(frozen=True, slots=True)
class NewObservation:
    """An observation to store (ids, sequence and appliance time are given by `store_observations`)."""

    code: str
    unit: str
    value: float
    method: CaptureMethod
    observed_at: str
    resident_id: str | None = None
    author_id: str | None = None
    device_id: str | None = None
    device_time: str | None = None
    match_rule: str | None = None
    original_value: float | None = None
    original_unit: str | None = None


def _insert(db: Database, conn: sqlite3.Connection, new: NewObservation, set_id: str | None,
            amends_id: str | None = None, reason: str | None = None) -> str:
    value = check_value(new.code, new.unit, new.value)
    obs_id = new_id()
    payload: dict[str, Any] = {"v": value}
    if new.original_unit is not None:
        payload["ov"] = new.original_value
        payload["ou"] = new.original_unit
    keyring = db.keyring
    conn.execute(
        "INSERT INTO observations (id, seq, resident_id, set_id, code, unit, value, method, "
        "device_id, device_time, observed_at, recorded_at, author_id, match_rule, amends_id, "
        "reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (obs_id, next_seq(conn, "observations"), new.resident_id, set_id, new.code, new.unit,
         keyring.seal_json(payload, "observations", "value", obs_id), new.method.value,
         new.device_id, new.device_time, new.observed_at, db.now(), new.author_id,
         new.match_rule, amends_id,
         keyring.seal_text(reason, "observations", "reason", obs_id) if reason else None))
    return obs_id


def store_observations(db: Database, observations: Sequence[NewObservation],
                       *, as_set: bool = True) -> list[str]:
    """Store observations in one durable transaction; return their ids once committed.

    :param as_set: group them as one set of vitals (taken together).
    :raises RecordRejected: a value is impossible; nothing of the batch is stored.
    """
    if not observations:
        return []
    for new in observations:
        check_value(new.code, new.unit, new.value)
    set_id = new_id() if as_set and len(observations) > 1 else None
    with db.write() as conn:
        return insert_observations(db, conn, observations, set_id,
                                   actor_id=observations[0].author_id)


def insert_observations(db: Database, conn: sqlite3.Connection,
                        observations: Sequence[NewObservation], set_id: str | None, *,
                        actor_id: str | None, audit_details: dict[str, Any] | None = None
                        ) -> list[str]:
    """Insert and audit observations inside the caller's write transaction (``db.write()``).

    The transaction-level half of `store_observations`, for callers that must store observations
    together with other rows (a device reading and its de-duplication receipt).

    :raises RecordRejected: a value is impossible (the caller's transaction must roll back).
    """
    ids = [_insert(db, conn, new, set_id) for new in observations]
    residents = {new.resident_id for new in observations if new.resident_id}
    for resident_id in residents:
        append_audit(db, actor_id, AuditAction.CREATE, "observation", ids[0],
                     resident_id=resident_id, details={"count": len(ids), **(audit_details or {})},
                     conn=conn)
    evaluate_for_codes(db, conn, residents, {new.code for new in observations})
    return ids


class NotOwnEntry(RecordRejected):
    """The value was entered by someone else: an infirmier(e) or a médecin must correct it."""


def amend_observation(db: Database, observation_id: str, author_id: str, value: float,
                      reason: str, *, own_only: bool = False) -> str:
    """Correct a stored value: a new row amends the old one, which stays readable in the history.

    The new row records who corrected (``author_id``), when (its ``recorded_at``) and why (the
    sealed ``reason``); it keeps the time the value was observed. Alerts are evaluated again in
    the same transaction, so a correction that scores worse opens its alert like any store.

    :param own_only: refuse unless ``author_id`` entered the current version itself.
    :raises RecordRejected: no reason, a reason too long, an impossible value, or a version that
        was already corrected.
    :raises NotOwnEntry: ``own_only`` and someone else entered the value.
    """
    cleaned = reason.strip()
    if not cleaned:
        raise RecordRejected("Indiquez la raison de la correction.")
    if len(cleaned) > MAX_REASON_CHARS:
        raise RecordRejected(f"La raison est limitée à {MAX_REASON_CHARS} caractères.")
    original = get_observation(db, observation_id, author_id, audit=False)
    if own_only and original.author_id != author_id:
        raise NotOwnEntry("Cette valeur a été saisie par quelqu'un d'autre : demandez à "
                          "l'infirmier(e) ou au médecin de la corriger.")
    new = NewObservation(original.code, original.unit, value, CaptureMethod.TYPED,
                         original.observed_at, original.resident_id, author_id)
    check_value(new.code, new.unit, new.value)
    with db.write() as conn:
        if conn.execute("SELECT 1 FROM observations WHERE amends_id = ?",
                        (observation_id,)).fetchone() is not None:
            raise RecordRejected("Cette mesure a déjà été corrigée : corrigez la dernière version.")
        new_obs = _insert(db, conn, new, original.set_id, observation_id, cleaned)
        append_audit(db, author_id, AuditAction.AMEND, "observation", new_obs,
                     resident_id=original.resident_id,
                     details={"amends": observation_id, "code": original.code}, conn=conn)
        if original.resident_id is not None:
            evaluate_for_codes(db, conn, {original.resident_id}, {original.code})
    return new_obs


def observation_from_row(db: Database, row: sqlite3.Row, amended_by: str | None) -> Observation:
    """An observation read from its stored row (the sealed value and reason opened)."""
    keyring = db.keyring
    payload = keyring.open_json(row["value"], "observations", "value", row["id"])
    reason = (keyring.open_text(row["reason"], "observations", "reason", row["id"])
              if row["reason"] is not None else None)
    return Observation(
        id=row["id"], resident_id=row["resident_id"], code=row["code"], unit=row["unit"],
        value=payload["v"], method=CaptureMethod(row["method"]), observed_at=row["observed_at"],
        recorded_at=row["recorded_at"], author_id=row["author_id"], device_id=row["device_id"],
        device_time=row["device_time"], match_rule=row["match_rule"], set_id=row["set_id"],
        original_value=payload.get("ov"), original_unit=payload.get("ou"),
        amends_id=row["amends_id"], amended_by=amended_by, reason=reason)


def _amenders(db: Database, ids: Iterable[str]) -> dict[str, str]:
    id_list = list(ids)
    found: dict[str, str] = {}
    for start in range(0, len(id_list), 500):
        chunk = id_list[start:start + 500]
        rows = db.query(
            f"SELECT id, amends_id FROM observations WHERE amends_id IN "  # noqa: S608
            f"({','.join('?' * len(chunk))})", tuple(chunk))
        found.update({row["amends_id"]: row["id"] for row in rows})
    return found


def get_observation(db: Database, observation_id: str, actor_id: str | None,
                    *, audit: bool = True) -> Observation:
    rows = db.query("SELECT * FROM observations WHERE id = ?", (observation_id,))
    if not rows:
        raise NotFound("no such observation")
    obs = observation_from_row(db, rows[0], _amenders(db, [observation_id]).get(observation_id))
    if audit:
        append_audit(db, actor_id, AuditAction.READ, "observation", obs.id,
                     resident_id=obs.resident_id)
    return obs


def list_observations(db: Database, resident_id: str, actor_id: str | None, *,
                      since: str | None = None, codes: Sequence[str] | None = None,
                      include_amended: bool = False) -> list[Observation]:
    """A resident's observations in time order (current versions only unless asked otherwise)."""
    sql = "SELECT * FROM observations WHERE resident_id = ?"
    params: list[object] = [resident_id]
    if since is not None:
        sql += " AND observed_at >= ?"
        params.append(since)
    if codes:
        sql += f" AND code IN ({','.join('?' * len(codes))})"
        params.extend(codes)
    rows = db.query(sql + " ORDER BY observed_at, seq", tuple(params))
    amended = _amenders(db, [row["id"] for row in rows])
    result = [observation_from_row(db, row, amended.get(row["id"])) for row in rows]
    if not include_amended:
        result = [obs for obs in result if obs.amended_by is None]
    append_audit(db, actor_id, AuditAction.READ, "observations", None, resident_id=resident_id,
                 details={"count": len(result)})
    return result
