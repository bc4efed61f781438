"""The records of the care record as the rest of Relais sees them: frozen dataclasses and their states."""

from __future__ import annotations

import secrets
import sqlite3
from dataclasses import dataclass
from enum import IntEnum, StrEnum


class Role(StrEnum):
    """Staff roles; the permission matrix is in the README."""

    AIDE_SOIGNANT = "aide-soignant"
    INFIRMIER = "infirmier"
    MEDECIN = "medecin"
    ADMINISTRATEUR = "administrateur"

    @property
    def label_fr(self) -> str:
        return _ROLE_LABELS[self]


_ROLE_LABELS = {
    Role.AIDE_SOIGNANT: "Aide-soignant(e)",
    Role.INFIRMIER: "Infirmier(e)",
    Role.MEDECIN: "Médecin",
    Role.ADMINISTRATEUR: "Administrateur",
}


class CaptureMethod(StrEnum):
    """How a value reached the record."""

    DEVICE = "device"
    TYPED = "typed"


class Presence(StrEnum):
    PRESENT = "present"
    HOSPITALISED = "hospitalised"
    LEFT = "left"
    DECEASED = "deceased"


class OutboxState(IntEnum):
    """Life of one document towards one destination (DESIGN §6)."""

    QUEUED = 0
    SENDING = 1
    DELIVERED = 2
    ACKNOWLEDGED = 3
    WAITING = 4
    BLOCKED = 5
    DEAD = 6


class Destination(StrEnum):
    DMP = "dmp"
    MSSANTE = "mssante"


@dataclass(frozen=True, slots=True)
class StaffUser:
    id: str
    login: str
    display_name: str
    role: Role
    active: bool
    created_at: str
    disabled_at: str | None


@dataclass(frozen=True, slots=True)
class Observation:
    """One measured or typed value, as it stands after its amendments."""

    id: str
    resident_id: str | None
    code: str
    unit: str
    value: float
    method: CaptureMethod
    observed_at: str
    recorded_at: str
    author_id: str | None
    device_id: str | None = None
    device_time: str | None = None
    match_rule: str | None = None
    set_id: str | None = None
    original_value: float | None = None
    original_unit: str | None = None
    amends_id: str | None = None
    amended_by: str | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class CareNote:
    """A transmission ciblée: a target (cible) and its Données / Actions / Résultats."""

    id: str
    resident_id: str
    created_at: str
    author_id: str
    cible: str
    donnees: str
    actions: str
    resultats: str
    amends_id: str | None = None
    amended_by: str | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class OutboxRow:
    seq: int
    id: str
    document_id: str
    destination: Destination
    state: OutboxState
    attempts: int
    next_attempt_at: str | None
    last_error: str | None
    blocked_reason: str | None
    created_at: str
    updated_at: str


def new_id() -> str:
    """An opaque, unguessable record id (128 random bits, hex)."""
    return secrets.token_hex(16)


def next_seq(conn: sqlite3.Connection, table: str) -> int:
    """The next insertion sequence number of ``table`` (ordering never relies on the clock)."""
    row = conn.execute(f"SELECT COALESCE(MAX(seq), 0) + 1 FROM {table}").fetchone()  # noqa: S608
    return int(row[0])
