"""Residents and their INS identity: admission, identity events with their history, reading.

The identity (the five traits, used names, matricule and OID, RNIV attributes) is sealed as one
value; the identity status stays in clear because every outbound flow is gated on it. Each change
of status is an `identity_events` row: who, when, which event and its evidence (ID document type,
INSi answer, reason for a doubt). Blind indexes find a resident by matricule or birth name.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from edge.audit import AuditAction, append_audit
from edge.errors import NotFound, RecordRejected
from edge.ins import IdentityTraits, Sex, validate_matricule, validate_oid
from edge.ins_status import (
    DoubtRaised,
    IdDocumentCheck,
    IdentityAttribute,
    IdentityEvent,
    IdentityStatus,
    InsiResult,
    next_status,
)
from edge.record import Presence, new_id, next_seq
from edge.storage import Database


@dataclass(frozen=True, slots=True)
class Resident:
    id: str
    traits: IdentityTraits
    status: IdentityStatus
    matricule: str | None
    oid: str | None
    attributes: tuple[IdentityAttribute, ...]
    room: str | None
    presence: Presence
    created_at: str
    care_context: dict[str, str] = field(default_factory=dict)

    @property
    def display_name(self) -> str:
        family = self.traits.used_family_name or self.traits.birth_family_name
        given = self.traits.used_given_name or self.traits.first_given_name
        return f"{family} {given.title()}"


@dataclass(frozen=True, slots=True)
class IdentityHistoryEntry:
    at: str
    actor_id: str | None
    event: str
    from_status: IdentityStatus | None
    to_status: IdentityStatus
    evidence: dict[str, Any]


def _identity_json(traits: IdentityTraits, matricule: str | None, oid: str | None,
                   attributes: tuple[IdentityAttribute, ...]) -> dict[str, Any]:
    return {
        "birth_family_name": traits.birth_family_name,
        "birth_given_names": list(traits.birth_given_names),
        "birth_date": traits.birth_date.isoformat(), "sex": traits.sex.value,
        "birthplace": traits.birthplace, "used_family_name": traits.used_family_name,
        "used_given_name": traits.used_given_name, "matricule": matricule, "oid": oid,
        "attributes": [attribute.value for attribute in attributes],
    }


def _traits(data: dict[str, Any]) -> IdentityTraits:
    return IdentityTraits(data["birth_family_name"], tuple(data["birth_given_names"]),
                          date.fromisoformat(data["birth_date"]), Sex(data["sex"]),
                          data["birthplace"], data["used_family_name"], data["used_given_name"])


def _write_identity(db: Database, conn: sqlite3.Connection, resident_id: str,
                    identity: dict[str, Any], status: IdentityStatus, *, insert: bool,
                    room: str | None = None) -> None:
    keyring = db.keyring
    sealed = keyring.seal_json(identity, "residents", "identity", resident_id)
    matricule_bidx = (keyring.blind_index("matricule", identity["matricule"])
                      if identity["matricule"] else None)
    name_bidx = keyring.blind_index("birth_family_name", identity["birth_family_name"])
    now = db.now()
    try:
        if insert:
            conn.execute(
                "INSERT INTO residents (id, created_at, updated_at, presence, ins_status, identity, "
                "matricule_bidx, name_bidx, room) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (resident_id, now, now, Presence.PRESENT.value, status.value, sealed,
                 matricule_bidx, name_bidx,
                 keyring.seal_text(room, "residents", "room", resident_id) if room else None))
        else:
            conn.execute(
                "UPDATE residents SET identity = ?, ins_status = ?, matricule_bidx = ?, "
                "name_bidx = ?, updated_at = ? WHERE id = ?",
                (sealed, status.value, matricule_bidx, name_bidx, now, resident_id))
    except sqlite3.IntegrityError as exc:
        if "matricule" in str(exc):
            raise RecordRejected(
                "Ce matricule INS est déjà celui d'un autre résident : vérifier qu'il ne s'agit "
                "pas d'un doublon ou d'une collision d'identité.") from exc
        raise


def _event_row(db: Database, conn: sqlite3.Connection, resident_id: str, actor_id: str | None,
               event: str, before: IdentityStatus | None, after: IdentityStatus,
               evidence: dict[str, Any]) -> None:
    event_id = new_id()
    conn.execute(
        "INSERT INTO identity_events (id, seq, resident_id, at, actor_id, event, from_status, "
        "to_status, evidence) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (event_id, next_seq(conn, "identity_events"), resident_id, db.now(), actor_id, event,
         before.value if before else None, after.value,
         db.keyring.seal_json(evidence, "identity_events", "evidence", event_id)))


def admit_resident(db: Database, actor_id: str | None, traits: IdentityTraits, *,
                   matricule: str | None = None, oid: str | None = None,
                   room: str | None = None, conn: sqlite3.Connection | None = None) -> str:
    """Create a resident with a provisional identity (PROV) and return its id.

    A matricule known at admission (e.g. imported from the previous software) is kept but does not
    qualify the identity: only an INSi retrieval and an ID check do.
    """
    if conn is None:
        with db.write() as own:
            return admit_resident(db, actor_id, traits, matricule=matricule, oid=oid, room=room,
                                  conn=own)
    if matricule is not None:
        matricule = validate_matricule(matricule)
        oid = validate_oid(oid or "", matricule).value
    elif oid:
        raise RecordRejected("Un OID d'INS est donné sans matricule.")
    resident_id = new_id()
    identity = _identity_json(traits, matricule, oid, ())
    _write_identity(db, conn, resident_id, identity, IdentityStatus.PROV, insert=True,
                    room=room.strip() if room and room.strip() else None)
    _event_row(db, conn, resident_id, actor_id, "admission", None, IdentityStatus.PROV,
               {"matricule_at_admission": matricule is not None})
    append_audit(db, actor_id, AuditAction.CREATE, "resident", resident_id,
                 resident_id=resident_id, conn=conn)
    return resident_id


def _evidence(event: IdentityEvent) -> tuple[str, dict[str, Any]]:
    if isinstance(event, InsiResult):
        return "insi", {"code": event.code.value, "oid": event.oid,
                        "traits_match": event.traits_match}
    if isinstance(event, IdDocumentCheck):
        return "id_document", {"document": event.document.value,
                               "direct_ehpad_admission": event.direct_ehpad_admission}
    return "doubt", {"reason": event.reason}


def record_identity_event(db: Database, resident_id: str, actor_id: str,
                          event: IdentityEvent) -> IdentityStatus:
    """Apply an identity event (INSi answer, ID document check, doubt) and keep it in the history.

    :raises TransitionRefused: the evidence does not allow it (reason in French).
    """
    with db.write() as conn:
        row = conn.execute("SELECT * FROM residents WHERE id = ?", (resident_id,)).fetchone()
        if row is None:
            raise NotFound("no such resident")
        identity = db.keyring.open_json(row["identity"], "residents", "identity", resident_id)
        before = IdentityStatus(row["ins_status"])
        attributes = tuple(IdentityAttribute(value) for value in identity["attributes"])
        after = next_status(before, event, attributes)
        if isinstance(event, InsiResult) and event.matricule and event.oid:
            identity["matricule"] = validate_matricule(event.matricule)
            identity["oid"] = event.oid
        if isinstance(event, DoubtRaised) and IdentityAttribute.DOUBTFUL.value not in identity[
                "attributes"]:
            identity["attributes"].append(IdentityAttribute.DOUBTFUL.value)
        _write_identity(db, conn, resident_id, identity, after, insert=False)
        kind, evidence = _evidence(event)
        _event_row(db, conn, resident_id, actor_id, kind, before, after, evidence)
        append_audit(db, actor_id, AuditAction.UPDATE, "identity", resident_id,
                     resident_id=resident_id, details={"from": before.value, "to": after.value},
                     conn=conn)
    return after


CARE_CONTEXT_FIELDS = {
    "unite": "Unité ou étage",
    "medecin_traitant": "Médecin traitant",
    "personne_de_confiance": "Personne de confiance",
    "personne_a_prevenir": "Personne à prévenir",
    "directives_anticipees": "Directives anticipées (existence et lieu de conservation)",
    "allergies": "Allergies connues",
    "traitements": "Traitements en cours (un par ligne : médicament : posologie)",
}
MAX_CONTEXT_CHARS = 2000
RESERVED_PREFIX = "news2_"
"""Care-context keys set only through `edge.news2_settings` (who set them and when)."""


def update_care_context(db: Database, resident_id: str, actor_id: str, *,
                        room: str | None = None, context: dict[str, str] | None = None) -> None:
    """Change a resident's room and/or care context (the fields of `CARE_CONTEXT_FIELDS`)."""
    unknown = sorted(set(context or {}) - set(CARE_CONTEXT_FIELDS))
    if unknown:
        raise RecordRejected(f"Champ inconnu dans le contexte de soins : {unknown[0]}.")
    cleaned = {key: value.strip() for key, value in (context or {}).items() if value.strip()}
    if any(len(value) > MAX_CONTEXT_CHARS for value in cleaned.values()):
        raise RecordRejected(f"Chaque champ est limité à {MAX_CONTEXT_CHARS} caractères.")
    with db.write() as conn:
        if conn.execute("SELECT 1 FROM residents WHERE id = ?", (resident_id,)).fetchone() is None:
            raise NotFound("no such resident")
        keyring = db.keyring
        if room is not None:
            conn.execute("UPDATE residents SET room = ?, updated_at = ? WHERE id = ?",
                         (keyring.seal_text(room.strip(), "residents", "room", resident_id)
                          if room.strip() else None, db.now(), resident_id))
        if context is not None:
            previous = conn.execute("SELECT care_context FROM residents WHERE id = ?",
                                    (resident_id,)).fetchone()["care_context"]
            if previous is not None:  # keep the clinician's NEWS2 settings (edge.news2_settings)
                kept = keyring.open_json(previous, "residents", "care_context", resident_id)
                cleaned.update({k: v for k, v in kept.items() if k.startswith(RESERVED_PREFIX)})
            conn.execute("UPDATE residents SET care_context = ?, updated_at = ? WHERE id = ?",
                         (keyring.seal_json(cleaned, "residents", "care_context", resident_id),
                          db.now(), resident_id))
        append_audit(db, actor_id, AuditAction.UPDATE, "care_context", resident_id,
                     resident_id=resident_id, conn=conn)


def _resident(db: Database, row: sqlite3.Row) -> Resident:
    keyring = db.keyring
    identity = keyring.open_json(row["identity"], "residents", "identity", row["id"])
    room = (keyring.open_text(row["room"], "residents", "room", row["id"])
            if row["room"] is not None else None)
    context = (keyring.open_json(row["care_context"], "residents", "care_context", row["id"])
               if row["care_context"] is not None else {})
    return Resident(row["id"], _traits(identity), IdentityStatus(row["ins_status"]),
                    identity["matricule"], identity["oid"],
                    tuple(IdentityAttribute(value) for value in identity["attributes"]), room,
                    Presence(row["presence"]), row["created_at"], context)


def resident_from_row(db: Database, row: sqlite3.Row) -> Resident:
    """Open a ``residents`` row read by the caller (who audits what it shows)."""
    return _resident(db, row)


def get_resident(db: Database, resident_id: str, actor_id: str | None) -> Resident:
    """One resident, recorded in the audit log as read by ``actor_id``."""
    rows = db.query("SELECT * FROM residents WHERE id = ?", (resident_id,))
    if not rows:
        raise NotFound("no such resident")
    append_audit(db, actor_id, AuditAction.READ, "resident", resident_id, resident_id=resident_id)
    return _resident(db, rows[0])


def list_residents(db: Database, actor_id: str | None, *,
                   presence: Presence | None = Presence.PRESENT) -> list[Resident]:
    """Residents sorted by room then name; the listing is audited as one read."""
    sql = "SELECT * FROM residents"
    params: tuple[str, ...] = ()
    if presence is not None:
        sql, params = sql + " WHERE presence = ?", (presence.value,)
    residents = [_resident(db, row) for row in db.query(sql, params)]
    append_audit(db, actor_id, AuditAction.READ, "resident_list", None,
                 details={"count": len(residents)})
    return sorted(residents, key=lambda r: (r.room or "\uffff", r.traits.birth_family_name))


def find_by_matricule(db: Database, matricule: str, actor_id: str | None) -> Resident:
    clause, params = db.match_clause("matricule_bidx", "matricule",
                                             validate_matricule(matricule))
    rows = db.query(f"SELECT id FROM residents WHERE {clause}", params)  # noqa: S608
    if not rows:
        raise NotFound("no resident has this matricule")
    return get_resident(db, rows[0]["id"], actor_id)


def identity_history(db: Database, resident_id: str, actor_id: str | None
                     ) -> list[IdentityHistoryEntry]:
    rows = db.query("SELECT * FROM identity_events WHERE resident_id = ? ORDER BY seq",
                    (resident_id,))
    append_audit(db, actor_id, AuditAction.READ, "identity_history", resident_id,
                 resident_id=resident_id)
    return [IdentityHistoryEntry(
        row["at"], row["actor_id"], row["event"],
        IdentityStatus(row["from_status"]) if row["from_status"] else None,
        IdentityStatus(row["to_status"]),
        db.keyring.open_json(row["evidence"], "identity_events", "evidence", row["id"]))
        for row in rows]
