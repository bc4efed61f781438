"""The list of one resident's stored documents for the tablet: kind, date, version and where each
copy stands towards the national services. Reads clear columns only (nothing sealed is opened) and
audits the read.
"""

from __future__ import annotations

from dataclasses import dataclass

from edge.audit import AuditAction, append_audit
from edge.record import Destination, OutboxState
from edge.storage import Database

KIND_LABELS = {
    "DLU": "Dossier de liaison d'urgence (DLU)",
    "FLUDT": "Fiche de liaison d'urgence (transfert)",
    "N1": "Document joint",
}


@dataclass(frozen=True, slots=True)
class DocumentSummary:
    id: str
    kind: str
    created_at: str
    version: int
    replaced: bool
    deliveries: tuple[tuple[Destination, OutboxState], ...]

    @property
    def label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


def list_resident_documents(db: Database, resident_id: str,
                            actor_id: str | None) -> list[DocumentSummary]:
    """The resident's documents, newest first, with each destination's delivery state."""
    rows = db.query(
        "SELECT d.id, d.kind, d.created_at, d.version, "
        "EXISTS (SELECT 1 FROM documents n WHERE n.replaces_id = d.id) AS replaced "
        "FROM documents d WHERE d.resident_id = ? ORDER BY d.created_at DESC", (resident_id,))
    states: dict[str, list[tuple[Destination, OutboxState]]] = {}
    if rows:
        ids = [row["id"] for row in rows]
        for row in db.query(
                f"SELECT document_id, destination, state FROM outbox WHERE document_id IN "  # noqa: S608
                f"({','.join('?' * len(ids))}) ORDER BY destination", tuple(ids)):
            states.setdefault(row["document_id"], []).append(
                (Destination(row["destination"]), OutboxState(row["state"])))
    append_audit(db, actor_id, AuditAction.READ, "documents", None, resident_id=resident_id,
                 details={"count": len(rows)})
    return [DocumentSummary(row["id"], row["kind"], row["created_at"], row["version"],
                            bool(row["replaced"]), tuple(states.get(row["id"], ())))
            for row in rows]
