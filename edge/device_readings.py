"""Readings from medical devices: matching them to a resident by a visible rule, storing them once.

`ingest_reading` does everything for one reading in ONE write transaction, so the devices process
may acknowledge to the device (MLLP ACK, RACP completion, serial handshake) as soon as it returns:

1. de-duplication: a (device, key) pair already received returns the earlier outcome, stores nothing;
2. matching (`MatchRule`): a personal device → its resident; a shared device → the one resident a
   carer has open for measurement (`open_measurement_session`) at the time the reading arrived;
   anything else (unpaired device, no session, two residents open at once) → the unassigned inbox,
   where a carer assigns or rejects it. Relais never guesses;
3. storage through the observation path (`edge.observations.insert_observations`) with device
   identity, device time, appliance time, rule and ``method=device``; values must carry the code and
   unit of `edge.VITAL_SIGNS` — an impossible value refuses the whole reading with the reason;
4. the device's counters (accepted / rejected, last reason, last seen).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field, replace
from datetime import timedelta
from enum import StrEnum
from typing import Any

from edge.audit import AuditAction, append_audit
from edge.device_registry import DeviceBinding, DeviceState, count_frames, device_actor
from edge.errors import NotFound, RecordRejected
from edge.observations import NewObservation, insert_observations
from edge.record import CaptureMethod, new_id, next_seq
from edge.storage import Database, iso
from edge.vitals import VITAL_SIGNS, check_value

RETIRED_REASON = "device_retired"
IMPOSSIBLE_REASON = "impossible_value"
NOTHING_STORABLE_REASON = "not_storable"


class MatchRule(StrEnum):
    """Why a reading was attached to a resident; stored with each observation and shown to staff."""

    PERSONAL_DEVICE = "personal_device"
    SHARED_DEVICE_SESSION = "shared_device_session"
    ASSIGNED_BY_CARER = "assigned_by_carer"


class IngestStatus(StrEnum):
    STORED = "stored"
    UNASSIGNED = "unassigned"
    REJECTED = "rejected"


class UnassignedState(StrEnum):
    PENDING = "pending"
    ASSIGNED = "assigned"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class DeviceValue:
    """One value of a reading, already in the stored code and unit.

    :param device_time: the device's own time stamp as it sent it (ISO text, usually naive local).
    :param flags: qualifiers the device attached (``low_battery``, ``irregular_pulse`` …).
    """

    code: str
    unit: str
    value: float
    original_value: float | None = None
    original_unit: str | None = None
    device_time: str | None = None
    flags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DeviceReading:
    """What one frame or message of a device said: values taken together.

    :param received_at: appliance time (ISO UTC) when the frame's last byte arrived; the matching
        window is checked against it. None: the time of storage.
    :param observed_at: when it was measured, if the caller trusts the device clock for it
        (a record from the device's memory); None: `received_at`.
    """

    values: tuple[DeviceValue, ...]
    received_at: str | None = None
    observed_at: str | None = None
    device_time: str | None = None
    device_user_id: int | None = None


@dataclass(frozen=True, slots=True)
class IngestOutcome:
    """What became of a reading. `committed` is True when it is safely stored (record or inbox)."""

    status: IngestStatus
    duplicate: bool = False
    set_id: str | None = None
    unassigned_id: str | None = None
    resident_id: str | None = None
    match_rule: MatchRule | None = None
    observation_ids: tuple[str, ...] = ()
    reason: str | None = None
    skipped_codes: tuple[str, ...] = field(default=())

    @property
    def committed(self) -> bool:
        """Acknowledge to the device only when this is True."""
        return self.status is not IngestStatus.REJECTED


@dataclass(frozen=True, slots=True)
class MeasurementSession:
    id: str
    resident_id: str
    device_id: str | None
    opened_by: str
    opened_at: str
    expires_at: str
    closed_at: str | None


@dataclass(frozen=True, slots=True)
class UnassignedReading:
    id: str
    seq: int
    device_id: str
    received_at: str
    device_time: str | None
    reading: DeviceReading
    state: UnassignedState
    decided_at: str | None
    decided_by: str | None
    resident_id: str | None
    set_id: str | None
    reason: str | None


# -- measurement sessions ------------------------------------------------------------------------

def open_measurement_session(db: Database, resident_id: str, user_id: str, device_id: str | None,
                             window: timedelta) -> MeasurementSession:
    """A carer opens a resident for measurement: shared devices' readings go to them for `window`.

    :param device_id: only this device, or None for any shared device.
    """
    if window <= timedelta(0):
        raise RecordRejected("La durée de mesure doit être positive.")
    session_id = new_id()
    opened = db.clock()
    with db.write() as conn:
        if conn.execute("SELECT 1 FROM residents WHERE id = ?", (resident_id,)).fetchone() is None:
            raise NotFound("no such resident")
        conn.execute(
            "INSERT INTO measurement_sessions (id, resident_id, device_id, opened_by, opened_at, "
            "expires_at) VALUES (?, ?, ?, ?, ?, ?)",
            (session_id, resident_id, device_id, user_id, iso(opened), iso(opened + window)))
        append_audit(db, user_id, AuditAction.CREATE, "measurement_session", session_id,
                     resident_id=resident_id, details={"device_id": device_id,
                                                       "window_s": int(window.total_seconds())},
                     conn=conn)
    return MeasurementSession(session_id, resident_id, device_id, user_id, iso(opened),
                              iso(opened + window), None)


def close_measurement_session(db: Database, session_id: str, user_id: str) -> None:
    """End a measurement session before its window runs out (closing twice does nothing)."""
    with db.write() as conn:
        row = conn.execute("SELECT resident_id, closed_at FROM measurement_sessions WHERE id = ?",
                           (session_id,)).fetchone()
        if row is None:
            raise NotFound("no such measurement session")
        if row["closed_at"] is not None:
            return
        conn.execute("UPDATE measurement_sessions SET closed_at = ? WHERE id = ?",
                     (db.now(), session_id))
        append_audit(db, user_id, AuditAction.UPDATE, "measurement_session", session_id,
                     resident_id=row["resident_id"], details={"change": "close"}, conn=conn)


def open_sessions(db: Database, *, device_id: str | None = None) -> list[MeasurementSession]:
    """Sessions open now (for the tablet to show "measuring for …")."""
    now = db.now()
    rows = db.query(
        "SELECT * FROM measurement_sessions WHERE closed_at IS NULL AND expires_at >= ? "
        "AND opened_at <= ? AND (? IS NULL OR device_id IS NULL OR device_id = ?) ORDER BY opened_at",
        (now, now, device_id, device_id))
    return [MeasurementSession(row["id"], row["resident_id"], row["device_id"], row["opened_by"],
                               row["opened_at"], row["expires_at"], row["closed_at"]) for row in rows]


def _session_resident(conn: sqlite3.Connection, device_id: str, at: str) -> str | None:
    """The one resident open for this shared device at `at`; None when none or several."""
    rows = conn.execute(
        "SELECT DISTINCT resident_id, device_id IS NOT NULL AS specific FROM measurement_sessions "
        "WHERE closed_at IS NULL AND opened_at <= ? AND expires_at >= ? "
        "AND (device_id IS NULL OR device_id = ?)", (at, at, device_id)).fetchall()
    specific = {row["resident_id"] for row in rows if row["specific"]}
    candidates = specific or {row["resident_id"] for row in rows}
    return next(iter(candidates)) if len(candidates) == 1 else None


# -- ingest --------------------------------------------------------------------------------------

def _reading_json(reading: DeviceReading) -> dict[str, Any]:
    return {
        "values": [{"code": v.code, "unit": v.unit, "value": v.value, "ov": v.original_value,
                    "ou": v.original_unit, "dt": v.device_time, "flags": list(v.flags)}
                   for v in reading.values],
        "received_at": reading.received_at, "observed_at": reading.observed_at,
        "device_time": reading.device_time, "user": reading.device_user_id,
    }


def _reading_from_json(data: dict[str, Any]) -> DeviceReading:
    values = tuple(DeviceValue(v["code"], v["unit"], v["value"], v["ov"], v["ou"], v["dt"],
                               tuple(v["flags"])) for v in data["values"])
    return DeviceReading(values, data["received_at"], data["observed_at"], data["device_time"],
                         data["user"])


def _storable(reading: DeviceReading) -> tuple[tuple[DeviceValue, ...], tuple[str, ...]]:
    """Values whose code Relais records (others are skipped), each checked: impossible → error."""
    kept = tuple(value for value in reading.values if value.code in VITAL_SIGNS)
    for value in kept:
        check_value(value.code, value.unit, value.value)
    skipped = tuple(sorted({value.code for value in reading.values if value.code not in VITAL_SIGNS}))
    return kept, skipped


def _new_observations(reading: DeviceReading, values: tuple[DeviceValue, ...], device_id: str,
                      resident_id: str, rule: MatchRule, author_id: str | None,
                      received_at: str) -> list[NewObservation]:
    return [NewObservation(
        code=value.code, unit=value.unit, value=value.value, method=CaptureMethod.DEVICE,
        observed_at=reading.observed_at or received_at, resident_id=resident_id,
        author_id=author_id, device_id=device_id,
        device_time=value.device_time or reading.device_time, match_rule=rule.value,
        original_value=value.original_value, original_unit=value.original_unit)
        for value in values]


def _earlier_outcome(conn: sqlite3.Connection, device_id: str, dedup_key: str) -> IngestOutcome | None:
    row = conn.execute("SELECT set_id, unassigned_id FROM device_receipts "
                       "WHERE device_id = ? AND dedup_key = ?", (device_id, dedup_key)).fetchone()
    if row is None:
        return None
    if row["unassigned_id"] is not None:
        return IngestOutcome(IngestStatus.UNASSIGNED, duplicate=True, unassigned_id=row["unassigned_id"])
    observations = conn.execute("SELECT id, resident_id, match_rule FROM observations "
                                "WHERE set_id = ? ORDER BY seq", (row["set_id"],)).fetchall()
    first = observations[0] if observations else None
    return IngestOutcome(
        IngestStatus.STORED, duplicate=True, set_id=row["set_id"],
        resident_id=first["resident_id"] if first else None,
        match_rule=MatchRule(first["match_rule"]) if first and first["match_rule"] else None,
        observation_ids=tuple(obs["id"] for obs in observations))


def ingest_reading(db: Database, device_id: str, reading: DeviceReading, dedup_key: str) -> IngestOutcome:
    """Match and store one reading, or refuse it, in one transaction (see the module docstring).

    :param dedup_key: identifies the reading for this device across re-sends (a record number,
        a message control id, the device time and values …).
    :raises NotFound: the device is not registered.
    :raises StorageFailure: nothing was stored; do not acknowledge.
    """
    with db.write() as conn:
        device = conn.execute("SELECT state, binding, resident_id FROM devices WHERE id = ?",
                              (device_id,)).fetchone()
        if device is None:
            raise NotFound("no such device")
        earlier = _earlier_outcome(conn, device_id, dedup_key)
        if earlier is not None:
            count_frames(db, conn, device_id)
            return earlier
        refusal = _refusal(device["state"], reading)
        if isinstance(refusal, IngestOutcome):
            count_frames(db, conn, device_id, rejected=1, reason=refusal.reason)
            return refusal
        values, skipped = refusal
        received_at = reading.received_at or db.now()
        resident_id, rule = _match(conn, device, device_id, received_at)
        if resident_id is None or rule is None:
            unassigned_id = _to_inbox(db, conn, device_id, reading, received_at)
            outcome = IngestOutcome(IngestStatus.UNASSIGNED, unassigned_id=unassigned_id,
                                    skipped_codes=skipped)
        else:
            set_id = new_id()
            ids = insert_observations(
                db, conn, _new_observations(reading, values, device_id, resident_id, rule, None,
                                            received_at),
                set_id, actor_id=device_actor(device_id),
                audit_details={"device_id": device_id, "match_rule": rule.value})
            outcome = IngestOutcome(IngestStatus.STORED, set_id=set_id, resident_id=resident_id,
                                    match_rule=rule, observation_ids=tuple(ids),
                                    skipped_codes=skipped)
        conn.execute("INSERT INTO device_receipts (device_id, dedup_key, received_at, set_id, "
                     "unassigned_id) VALUES (?, ?, ?, ?, ?)",
                     (device_id, dedup_key, received_at, outcome.set_id, outcome.unassigned_id))
        count_frames(db, conn, device_id, accepted=1)
    return outcome


def _refusal(state: str, reading: DeviceReading
             ) -> IngestOutcome | tuple[tuple[DeviceValue, ...], tuple[str, ...]]:
    if state == DeviceState.RETIRED.value:
        return IngestOutcome(IngestStatus.REJECTED, reason=RETIRED_REASON)
    try:
        values, skipped = _storable(reading)
    except RecordRejected as exc:
        return IngestOutcome(IngestStatus.REJECTED, reason=f"{IMPOSSIBLE_REASON}: {exc}")
    if not values:
        return IngestOutcome(IngestStatus.REJECTED, reason=NOTHING_STORABLE_REASON,
                             skipped_codes=skipped)
    return values, skipped


def _match(conn: sqlite3.Connection, device: sqlite3.Row, device_id: str,
           at: str) -> tuple[str | None, MatchRule | None]:
    if device["state"] != DeviceState.PAIRED.value:
        return None, None
    if device["binding"] == DeviceBinding.PERSONAL.value and device["resident_id"]:
        return device["resident_id"], MatchRule.PERSONAL_DEVICE
    resident_id = _session_resident(conn, device_id, at)
    return (resident_id, MatchRule.SHARED_DEVICE_SESSION) if resident_id else (None, None)


def _to_inbox(db: Database, conn: sqlite3.Connection, device_id: str, reading: DeviceReading,
              received_at: str) -> str:
    unassigned_id = new_id()
    conn.execute(
        "INSERT INTO unassigned_readings (id, seq, device_id, received_at, device_time, reading, "
        "state) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (unassigned_id, next_seq(conn, "unassigned_readings"), device_id, received_at,
         reading.device_time or next((v.device_time for v in reading.values if v.device_time), None),
         db.keyring.seal_json(_reading_json(replace(reading, received_at=received_at)),
                              "unassigned_readings", "reading", unassigned_id),
         UnassignedState.PENDING.value))
    append_audit(db, device_actor(device_id), AuditAction.CREATE, "unassigned_reading",
                 unassigned_id, details={"device_id": device_id, "values": len(reading.values)},
                 conn=conn)
    return unassigned_id


# -- the unassigned inbox ------------------------------------------------------------------------

def _to_unassigned(db: Database, row: sqlite3.Row) -> UnassignedReading:
    keyring = db.keyring
    reading = _reading_from_json(keyring.open_json(row["reading"], "unassigned_readings", "reading",
                                                   row["id"]))
    reason = (keyring.open_text(row["reason"], "unassigned_readings", "reason", row["id"])
              if row["reason"] is not None else None)
    return UnassignedReading(row["id"], row["seq"], row["device_id"], row["received_at"],
                             row["device_time"], reading, UnassignedState(row["state"]),
                             row["decided_at"], row["decided_by"], row["resident_id"],
                             row["set_id"], reason)


def list_unassigned(db: Database, actor_id: str | None, *,
                    state: UnassignedState | None = UnassignedState.PENDING,
                    limit: int = 200) -> list[UnassignedReading]:
    """The inbox, oldest first (pending ones only unless another `state`, or None for all)."""
    sql = "SELECT * FROM unassigned_readings"
    params: tuple[object, ...] = ()
    if state is not None:
        sql += " WHERE state = ?"
        params = (state.value,)
    rows = db.query(sql + " ORDER BY seq LIMIT ?", (*params, limit))
    append_audit(db, actor_id, AuditAction.READ, "unassigned_readings", None,
                 details={"count": len(rows)})
    return [_to_unassigned(db, row) for row in rows]


def get_unassigned(db: Database, unassigned_id: str) -> UnassignedReading:
    rows = db.query("SELECT * FROM unassigned_readings WHERE id = ?", (unassigned_id,))
    if not rows:
        raise NotFound("no such unassigned reading")
    return _to_unassigned(db, rows[0])


def _pending(db: Database, conn: sqlite3.Connection, unassigned_id: str) -> UnassignedReading:
    row = conn.execute("SELECT * FROM unassigned_readings WHERE id = ?", (unassigned_id,)).fetchone()
    if row is None:
        raise NotFound("no such unassigned reading")
    if row["state"] != UnassignedState.PENDING.value:
        raise RecordRejected("Cette mesure a déjà été traitée.")
    return _to_unassigned(db, row)


def assign_unassigned(db: Database, unassigned_id: str, resident_id: str, user_id: str) -> IngestOutcome:
    """A carer says whose reading this is: its observations are stored now, authored by them.

    :raises RecordRejected: already decided, or a value Relais does not accept.
    :raises NotFound: no such reading or resident.
    """
    with db.write() as conn:
        item = _pending(db, conn, unassigned_id)
        if conn.execute("SELECT 1 FROM residents WHERE id = ?", (resident_id,)).fetchone() is None:
            raise NotFound("no such resident")
        values, skipped = _storable(item.reading)
        if not values:
            raise RecordRejected("Cette mesure ne contient aucune valeur que Relais enregistre.")
        set_id = new_id()
        rule = MatchRule.ASSIGNED_BY_CARER
        ids = insert_observations(
            db, conn, _new_observations(item.reading, values, item.device_id, resident_id, rule,
                                        user_id, item.received_at),
            set_id, actor_id=user_id,
            audit_details={"device_id": item.device_id, "match_rule": rule.value,
                           "unassigned_id": unassigned_id})
        conn.execute("UPDATE unassigned_readings SET state = ?, decided_at = ?, decided_by = ?, "
                     "resident_id = ?, set_id = ? WHERE id = ?",
                     (UnassignedState.ASSIGNED.value, db.now(), user_id, resident_id, set_id,
                      unassigned_id))
    return IngestOutcome(IngestStatus.STORED, set_id=set_id, unassigned_id=unassigned_id,
                         resident_id=resident_id, match_rule=rule, observation_ids=tuple(ids),
                         skipped_codes=skipped)


def reject_unassigned(db: Database, unassigned_id: str, user_id: str, reason: str) -> None:
    """A carer discards a reading nobody can own (a test, a visitor); the reason is kept."""
    reason = reason.strip()
    if not reason:
        raise RecordRejected("Indiquez pourquoi cette mesure est écartée.")
    with db.write() as conn:
        _pending(db, conn, unassigned_id)
        conn.execute("UPDATE unassigned_readings SET state = ?, decided_at = ?, decided_by = ?, "
                     "reason = ? WHERE id = ?",
                     (UnassignedState.REJECTED.value, db.now(), user_id,
                      db.keyring.seal_text(reason, "unassigned_readings", "reason", unassigned_id),
                      unassigned_id))
        append_audit(db, user_id, AuditAction.UPDATE, "unassigned_reading", unassigned_id,
                     details={"change": "reject"}, conn=conn)
