"""Care notes: transmissions ciblées (a target, then Données / Actions / Résultats), append-only.

A note is never edited: an amendment is a new note pointing at the one it corrects, with a reason,
and the timeline shows both. The whole body is sealed.
"""

from __future__ import annotations

import sqlite3

from edge.audit import AuditAction, append_audit
from edge.errors import NotFound, RecordRejected
from edge.record import CareNote, new_id, next_seq
from edge.storage import Database

MAX_FIELD_CHARS = 4000


def _body(cible: str, donnees: str, actions: str, resultats: str) -> dict[str, str]:
    body = {"cible": cible.strip(), "d": donnees.strip(), "a": actions.strip(),
            "r": resultats.strip()}
    if not body["cible"]:
        raise RecordRejected("La cible de la transmission est obligatoire.")
    if not (body["d"] or body["a"] or body["r"]):
        raise RecordRejected("Renseignez au moins les données, les actions ou les résultats.")
    if any(len(text) > MAX_FIELD_CHARS for text in body.values()):
        raise RecordRejected(f"Chaque partie est limitée à {MAX_FIELD_CHARS} caractères.")
    return body


def _insert(db: Database, conn: sqlite3.Connection, resident_id: str, author_id: str,
            body: dict[str, str], amends_id: str | None, reason: str | None) -> str:
    note_id = new_id()
    keyring = db.keyring
    conn.execute(
        "INSERT INTO care_notes (id, seq, resident_id, created_at, author_id, body, amends_id, "
        "reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (note_id, next_seq(conn, "care_notes"), resident_id, db.now(), author_id,
         keyring.seal_json(body, "care_notes", "body", note_id), amends_id,
         keyring.seal_text(reason, "care_notes", "reason", note_id) if reason else None))
    return note_id


def add_note(db: Database, resident_id: str, author_id: str, cible: str, donnees: str = "",
             actions: str = "", resultats: str = "") -> str:
    body = _body(cible, donnees, actions, resultats)
    with db.write() as conn:
        if conn.execute("SELECT 1 FROM residents WHERE id = ?", (resident_id,)).fetchone() is None:
            raise NotFound("no such resident")
        note_id = _insert(db, conn, resident_id, author_id, body, None, None)
        append_audit(db, author_id, AuditAction.CREATE, "care_note", note_id,
                     resident_id=resident_id, conn=conn)
    return note_id


def amend_note(db: Database, note_id: str, author_id: str, reason: str, cible: str,
               donnees: str = "", actions: str = "", resultats: str = "") -> str:
    """Add a corrected version of a note; the original stays in the timeline."""
    if not reason.strip():
        raise RecordRejected("Indiquez la raison de la correction.")
    body = _body(cible, donnees, actions, resultats)
    with db.write() as conn:
        row = conn.execute("SELECT resident_id FROM care_notes WHERE id = ?", (note_id,)).fetchone()
        if row is None:
            raise NotFound("no such note")
        if conn.execute("SELECT 1 FROM care_notes WHERE amends_id = ?", (note_id,)).fetchone():
            raise RecordRejected("Cette transmission a déjà été corrigée : corrigez la dernière "
                                 "version.")
        new_note = _insert(db, conn, row["resident_id"], author_id, body, note_id, reason.strip())
        append_audit(db, author_id, AuditAction.AMEND, "care_note", new_note,
                     resident_id=row["resident_id"], conn=conn)
    return new_note


def list_notes(db: Database, resident_id: str, actor_id: str | None,
               limit: int = 200) -> list[CareNote]:
    """A resident's notes, newest first, each with the id of the note that amended it, if any."""
    rows = db.query(
        "SELECT n.*, (SELECT a.id FROM care_notes a WHERE a.amends_id = n.id) AS amended_by "
        "FROM care_notes n WHERE n.resident_id = ? ORDER BY n.seq DESC LIMIT ?",
        (resident_id, limit))
    keyring = db.keyring
    notes = []
    for row in rows:
        body = keyring.open_json(row["body"], "care_notes", "body", row["id"])
        reason = (keyring.open_text(row["reason"], "care_notes", "reason", row["id"])
                  if row["reason"] is not None else None)
        notes.append(CareNote(row["id"], row["resident_id"], row["created_at"], row["author_id"],
                              body["cible"], body["d"], body["a"], body["r"], row["amends_id"],
                              row["amended_by"], reason))
    append_audit(db, actor_id, AuditAction.READ, "care_notes", None, resident_id=resident_id,
                 details={"count": len(notes)})
    return notes
