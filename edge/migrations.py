"""Schema of the record, changed only through numbered migrations (sqlite-utils `Migrations`).

Each migration runs in one transaction with the record that it ran. Columns named in
`SEALED_COLUMNS` hold AES-GCM sealed values (`edge.encryption`); every other column is an opaque id,
a foreign key, a timestamp, a state or a kind that indexes need. Clinical and audit rows are
append-only: triggers refuse deleting them and changing anything but their sealed columns (which
key rotation re-encrypts); corrections are new rows that point at the row they amend.
"""

from __future__ import annotations

import sqlite3

import sqlite_utils
from sqlite_utils.migrations import Migrations

MIGRATIONS = Migrations("relais")

SEALED_COLUMNS: dict[str, tuple[str, ...]] = {
    "users": ("login", "display_name", "totp_secret"),
    "residents": ("identity", "room", "care_context"),
    "identity_events": ("evidence",),
    "observations": ("value", "reason"),
    "care_notes": ("body", "reason"),
    "documents": ("content", "metadata"),
    "outbox": ("payload",),
    "audit": ("details",),
    "web_sessions": ("pending_form",),
    "webauthn_credentials": ("label",),
    "alerts": ("details", "ack_note"),
    "devices": ("name",),
    "unassigned_readings": ("reading", "reason"),
    "receipts": ("raw",),
}
BLIND_INDEXED: dict[str, dict[str, str]] = {
    "users": {"login_bidx": "login"},
    "residents": {"matricule_bidx": "matricule", "name_bidx": "birth_family_name"},
}
APPEND_ONLY = ("identity_events", "observations", "care_notes", "audit")
APPEND_ONLY_SINCE_0002 = ("delivery_attempts",)

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE keyring (
    version INTEGER NOT NULL, purpose TEXT NOT NULL, kek_wrapped BLOB, recovery_wrapped BLOB,
    state TEXT NOT NULL, created_at TEXT NOT NULL, seal_count INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (version, purpose));
CREATE TABLE rotation_progress (
    target_version INTEGER NOT NULL, table_name TEXT NOT NULL, last_rowid INTEGER NOT NULL,
    done INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (target_version, table_name));
CREATE TABLE users (
    id TEXT PRIMARY KEY, login_bidx BLOB NOT NULL UNIQUE, login BLOB NOT NULL,
    display_name BLOB NOT NULL, role TEXT NOT NULL, active INTEGER NOT NULL DEFAULT 1,
    password_hash TEXT, pin_hash TEXT, totp_secret BLOB, created_at TEXT NOT NULL,
    disabled_at TEXT);
CREATE TABLE residents (
    id TEXT PRIMARY KEY, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    presence TEXT NOT NULL DEFAULT 'present', ins_status TEXT NOT NULL,
    identity BLOB NOT NULL, matricule_bidx BLOB, name_bidx BLOB NOT NULL,
    room BLOB, care_context BLOB);
CREATE UNIQUE INDEX residents_matricule ON residents(matricule_bidx)
    WHERE matricule_bidx IS NOT NULL;
CREATE INDEX residents_name ON residents(name_bidx);
CREATE TABLE identity_events (
    id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE,
    resident_id TEXT NOT NULL REFERENCES residents(id),
    at TEXT NOT NULL, actor_id TEXT, event TEXT NOT NULL, from_status TEXT,
    to_status TEXT NOT NULL, evidence BLOB);
CREATE INDEX identity_events_resident ON identity_events(resident_id, seq);
CREATE TABLE observations (
    id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE, resident_id TEXT REFERENCES residents(id),
    set_id TEXT, code TEXT NOT NULL, unit TEXT NOT NULL, value BLOB NOT NULL,
    method TEXT NOT NULL, device_id TEXT, device_time TEXT, observed_at TEXT NOT NULL,
    recorded_at TEXT NOT NULL, author_id TEXT, match_rule TEXT,
    amends_id TEXT REFERENCES observations(id), reason BLOB);
CREATE INDEX observations_resident ON observations(resident_id, code, observed_at);
CREATE INDEX observations_amends ON observations(amends_id) WHERE amends_id IS NOT NULL;
CREATE TABLE care_notes (
    id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE,
    resident_id TEXT NOT NULL REFERENCES residents(id), created_at TEXT NOT NULL,
    author_id TEXT NOT NULL, body BLOB NOT NULL, amends_id TEXT REFERENCES care_notes(id),
    reason BLOB);
CREATE INDEX care_notes_resident ON care_notes(resident_id, seq);
CREATE TABLE documents (
    id TEXT PRIMARY KEY, unique_id TEXT NOT NULL UNIQUE, resident_id TEXT REFERENCES residents(id),
    kind TEXT NOT NULL, created_at TEXT NOT NULL, author_id TEXT, media_type TEXT NOT NULL,
    content BLOB NOT NULL, metadata BLOB NOT NULL, replaces_id TEXT REFERENCES documents(id),
    version INTEGER NOT NULL DEFAULT 1);
CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
    document_id TEXT NOT NULL REFERENCES documents(id), destination TEXT NOT NULL,
    state INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at TEXT,
    claimed_at TEXT, claimed_by TEXT, last_error TEXT, blocked_reason TEXT, payload BLOB,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, UNIQUE (document_id, destination));
CREATE INDEX outbox_state ON outbox(state, next_attempt_at);
CREATE TABLE audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, actor_id TEXT,
    action TEXT NOT NULL, object_type TEXT NOT NULL, object_id TEXT, resident_id TEXT,
    outcome TEXT NOT NULL, details BLOB, mac BLOB NOT NULL);
CREATE INDEX audit_resident ON audit(resident_id, seq);
"""


_SCHEMA_0002 = """
CREATE TABLE web_sessions (
    id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id), created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL, locked_at TEXT, expires_at TEXT NOT NULL, second_factor TEXT,
    revoked_at TEXT, revoked_reason TEXT, csrf_secret BLOB NOT NULL, pending_form BLOB);
CREATE INDEX web_sessions_user ON web_sessions(user_id, revoked_at);
CREATE TABLE login_throttle (
    subject TEXT PRIMARY KEY, failures INTEGER NOT NULL DEFAULT 0, last_failure_at TEXT,
    locked_at TEXT);
CREATE TABLE webauthn_credentials (
    id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id),
    credential_id BLOB NOT NULL UNIQUE, public_key BLOB NOT NULL,
    sign_count INTEGER NOT NULL DEFAULT 0, label BLOB, created_at TEXT NOT NULL,
    last_used_at TEXT, revoked_at TEXT);
CREATE INDEX webauthn_credentials_user ON webauthn_credentials(user_id);
CREATE TABLE alerts (
    id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE,
    resident_id TEXT NOT NULL REFERENCES residents(id), opened_at TEXT NOT NULL,
    set_id TEXT, kind TEXT NOT NULL, score INTEGER, band TEXT NOT NULL, details BLOB NOT NULL,
    state TEXT NOT NULL, acknowledged_at TEXT, acknowledged_by TEXT REFERENCES users(id),
    action TEXT, ack_note BLOB);
CREATE INDEX alerts_open ON alerts(state, resident_id);
CREATE TABLE devices (
    id TEXT PRIMARY KEY, transport TEXT NOT NULL, protocol TEXT NOT NULL, address TEXT NOT NULL,
    name BLOB, state TEXT NOT NULL, binding TEXT NOT NULL DEFAULT 'shared',
    resident_id TEXT REFERENCES residents(id), manufacturer TEXT, model TEXT, serial_number TEXT,
    battery_percent INTEGER, battery_at TEXT, first_seen_at TEXT NOT NULL, last_seen_at TEXT,
    expected_interval_s INTEGER, frames_accepted INTEGER NOT NULL DEFAULT 0,
    frames_rejected INTEGER NOT NULL DEFAULT 0, last_reject_reason TEXT, paired_at TEXT,
    paired_by TEXT, UNIQUE (transport, address));
CREATE TABLE measurement_sessions (
    id TEXT PRIMARY KEY, resident_id TEXT NOT NULL REFERENCES residents(id),
    device_id TEXT REFERENCES devices(id), opened_by TEXT NOT NULL, opened_at TEXT NOT NULL,
    expires_at TEXT NOT NULL, closed_at TEXT);
CREATE INDEX measurement_sessions_open ON measurement_sessions(expires_at, closed_at);
CREATE TABLE unassigned_readings (
    id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE, device_id TEXT NOT NULL REFERENCES devices(id),
    received_at TEXT NOT NULL, device_time TEXT, reading BLOB NOT NULL, state TEXT NOT NULL,
    decided_at TEXT, decided_by TEXT, resident_id TEXT REFERENCES residents(id), set_id TEXT,
    reason BLOB);
CREATE INDEX unassigned_readings_state ON unassigned_readings(state, seq);
CREATE TABLE device_receipts (
    device_id TEXT NOT NULL REFERENCES devices(id), dedup_key TEXT NOT NULL,
    received_at TEXT NOT NULL, set_id TEXT, unassigned_id TEXT,
    PRIMARY KEY (device_id, dedup_key));
ALTER TABLE outbox ADD COLUMN remote_ref TEXT;
CREATE INDEX outbox_remote_ref ON outbox(remote_ref) WHERE remote_ref IS NOT NULL;
CREATE TABLE delivery_attempts (
    id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE, outbox_id TEXT NOT NULL REFERENCES outbox(id),
    started_at TEXT NOT NULL, finished_at TEXT NOT NULL, outcome TEXT NOT NULL, error_code TEXT,
    detail TEXT);
CREATE INDEX delivery_attempts_outbox ON delivery_attempts(outbox_id, seq);
CREATE TABLE receipts (
    id TEXT PRIMARY KEY, outbox_id TEXT REFERENCES outbox(id), kind TEXT NOT NULL,
    received_at TEXT NOT NULL, message_id TEXT UNIQUE, code TEXT, disposition TEXT, raw BLOB);
CREATE INDEX receipts_outbox ON receipts(outbox_id);
CREATE TABLE endpoint_probes (
    destination TEXT PRIMARY KEY, checked_at TEXT NOT NULL, reachable INTEGER NOT NULL,
    detail TEXT, certificate_expires_at TEXT);
"""


def _append_only_triggers(table: str, sealed: tuple[str, ...], columns: list[str]) -> str:
    fixed = [c for c in columns if c not in sealed]
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in fixed)
    return f"""
CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
BEGIN SELECT RAISE(ABORT, '{table} is append-only: add an amendment instead'); END;
CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} WHEN {changed}
BEGIN SELECT RAISE(ABORT, '{table} is append-only: add an amendment instead'); END;
"""


@MIGRATIONS()
def m0001_record(db: sqlite_utils.Database) -> None:
    """The first schema: keys, staff, residents and identity, observations, notes, documents,
    outbox and audit."""
    conn: sqlite3.Connection = db.conn
    for statement in _SCHEMA.split(";\n"):
        if statement.strip():
            conn.execute(statement)
    for table in APPEND_ONLY:
        columns = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
        for statement in _append_only_triggers(table, SEALED_COLUMNS[table], columns).split(";\n"):
            if statement.strip():
                conn.execute(statement + (";" if not statement.rstrip().endswith(";") else ""))


@MIGRATIONS()
def m0002_tablet_devices_delivery(db: sqlite_utils.Database) -> None:
    """Tables for the tablet application (sessions, sign-in throttle, security keys, alerts), the
    devices process (registry, measurement sessions, unassigned readings, de-duplication) and
    delivery (attempts, receipts, endpoint probes, the remote reference of a sent row)."""
    conn: sqlite3.Connection = db.conn
    _run_script(conn, _SCHEMA_0002)
    for table in APPEND_ONLY_SINCE_0002:
        columns = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
        _run_script(conn, _append_only_triggers(table, SEALED_COLUMNS.get(table, ()), columns))


def _run_script(conn: sqlite3.Connection, script: str) -> None:
    for statement in script.split(";\n"):
        if statement.strip():
            conn.execute(statement + (";" if statement.rstrip().endswith("END") else ""))


def apply_migrations(conn: sqlite3.Connection) -> list[str]:
    """Apply pending migrations; return the names applied."""
    db = sqlite_utils.Database(conn)
    pending = [migration.name for migration in MIGRATIONS.pending(db)]
    MIGRATIONS.apply(db)
    return pending


@MIGRATIONS()
def m0003_sign_in_factors(db: sqlite_utils.Database) -> None:
    """The last TOTP time step accepted for each account, so a code cannot be replayed."""
    conn: sqlite3.Connection = db.conn
    conn.execute("ALTER TABLE users ADD COLUMN totp_last_step INTEGER")


@MIGRATIONS()
def m0004_password_change(db: sqlite_utils.Database) -> None:
    """Whether an account signed in with a temporary password set by an administrator must choose
    its own before doing anything else."""
    conn: sqlite3.Connection = db.conn
    conn.execute("ALTER TABLE users ADD COLUMN password_change_required INTEGER NOT NULL "
                 "DEFAULT 0")


_SCHEMA_0005 = """
CREATE TABLE record_changes (topic TEXT PRIMARY KEY, counter INTEGER NOT NULL);
INSERT INTO record_changes (topic, counter) VALUES ('residents', 0), ('alerts', 0);
CREATE TRIGGER residents_changed_on_insert AFTER INSERT ON residents
BEGIN UPDATE record_changes SET counter = counter + 1 WHERE topic = 'residents'; END;
CREATE TRIGGER residents_changed_on_update AFTER UPDATE ON residents
BEGIN UPDATE record_changes SET counter = counter + 1 WHERE topic = 'residents'; END;
CREATE TRIGGER residents_changed_on_delete AFTER DELETE ON residents
BEGIN UPDATE record_changes SET counter = counter + 1 WHERE topic = 'residents'; END;
CREATE TRIGGER alerts_changed_on_insert AFTER INSERT ON alerts
BEGIN UPDATE record_changes SET counter = counter + 1 WHERE topic = 'alerts'; END;
CREATE TRIGGER alerts_changed_on_update AFTER UPDATE ON alerts
BEGIN UPDATE record_changes SET counter = counter + 1 WHERE topic = 'alerts'; END;
CREATE TRIGGER alerts_changed_on_delete AFTER DELETE ON alerts
BEGIN UPDATE record_changes SET counter = counter + 1 WHERE topic = 'alerts'; END;
"""


@MIGRATIONS()
def m0005_change_counters(db: sqlite_utils.Database) -> None:
    """A counter per mutable table the Résidents list shows (residents, alerts), raised by a
    trigger in the same transaction as any change, so a reader learns in one row whether anything
    it keeps is stale, whichever process wrote."""
    _run_script(db.conn, _SCHEMA_0005)


@MIGRATIONS()
def m0006_racp_cursor(db: sqlite_utils.Database) -> None:
    """The highest stored-record sequence number already stored for each device that keeps its
    records (glucose meters), so the devices process asks only for newer records after a restart."""
    conn: sqlite3.Connection = db.conn
    conn.execute("ALTER TABLE devices ADD COLUMN racp_last_sequence INTEGER")
