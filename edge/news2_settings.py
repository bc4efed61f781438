"""What a clinician sets for one resident's NEWS2: the SpO2 Scale 2 target (88–92 %) and the
RESTORE2 baseline ("normal NEWS"), kept in the sealed care context with who set them and when.

Changing either re-scores the latest set and applies the alert rules in the same transaction.
Who may set them (a médecin for Scale 2, a médecin or an infirmier(e) for the baseline) is the
caller's permission check; the record keeps the author.
"""

from __future__ import annotations

import logging
from typing import Any

from edge.alerts import evaluate_alerts
from edge.audit import AuditAction, append_audit
from edge.errors import NotFound, RecordRejected
from edge.news2 import MAX_TOTAL
from edge.news2_sets import BASELINE, BASELINE_AT, BASELINE_BY, BASELINE_NOTE, SCALE2_AT, SCALE2_BY
from edge.storage import Database

_LOGGER = logging.getLogger(__name__)
MAX_NOTE_CHARS = 500


def _update(db: Database, resident_id: str, actor_id: str, changes: dict[str, str | None],
            what: str) -> None:
    with db.write() as conn:
        row = conn.execute("SELECT care_context FROM residents WHERE id = ?",
                           (resident_id,)).fetchone()
        if row is None:
            raise NotFound("no such resident")
        keyring = db.keyring
        context: dict[str, Any] = (
            keyring.open_json(row["care_context"], "residents", "care_context", resident_id)
            if row["care_context"] is not None else {})
        for key, value in changes.items():
            if value is None:
                context.pop(key, None)
            else:
                context[key] = value
        conn.execute("UPDATE residents SET care_context = ?, updated_at = ? WHERE id = ?",
                     (keyring.seal_json(context, "residents", "care_context", resident_id),
                      db.now(), resident_id))
        append_audit(db, actor_id, AuditAction.UPDATE, what, resident_id,
                     resident_id=resident_id,
                     details={key: value for key, value in changes.items()
                              if key not in (BASELINE_NOTE,)}, conn=conn)
        evaluate_alerts(db, conn, resident_id)


def set_scale2_target(db: Database, resident_id: str, actor_id: str, enabled: bool) -> None:
    """Record (or withdraw) a clinician's 88–92 % saturation target: SpO2 then scores on Scale 2."""
    now = db.now()
    _update(db, resident_id, actor_id,
            {SCALE2_BY: actor_id if enabled else None, SCALE2_AT: now if enabled else None},
            "news2_scale2")


def set_news2_baseline(db: Database, resident_id: str, actor_id: str, total: int | None,
                       note: str = "") -> None:
    """Record the resident's usual NEWS2 agreed by the care team (None withdraws it).

    :raises RecordRejected: the total is outside 0–20 or the note too long.
    """
    if total is not None and (isinstance(total, bool) or not 0 <= total <= MAX_TOTAL):
        raise RecordRejected(f"Le NEWS2 habituel est compris entre 0 et {MAX_TOTAL}.")
    if len(note.strip()) > MAX_NOTE_CHARS:
        raise RecordRejected(f"La note est limitée à {MAX_NOTE_CHARS} caractères.")
    now = db.now()
    keep = total is not None
    _update(db, resident_id, actor_id,
            {BASELINE: str(total) if keep else None, BASELINE_BY: actor_id if keep else None,
             BASELINE_AT: now if keep else None,
             BASELINE_NOTE: note.strip() if keep else None}, "news2_baseline")
