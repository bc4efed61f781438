"""Server-side sign-in sessions of the tablet application: opening, checking, locking, rotating, ending.

The browser holds a random token (256 bits); the record keeps only its SHA-256, so a copy of the
database does not give a usable session. A session is opened by the password, becomes a shift session
once the second factor is checked (with a new token: no fixation), locks after inactivity (PIN unlock,
new token again), and ends at the shift cap, at sign-out, or when the account is disabled. A form
being typed when the lock came is kept sealed in the session row until the PIN is given.

Times are passed in (`now`) so the rules are testable without waiting.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from edge.audit import AuditAction, AuditOutcome, append_audit
from edge.errors import NotFound
from edge.storage import Database, iso

_LOGGER = logging.getLogger(__name__)
PENDING_SECOND_FACTOR_MINUTES = 5
TOUCH_EVERY_SECONDS = 20
CSRF_CONTEXT = b"relais csrf v1"


class SessionState(StrEnum):
    """Where a session stands for the request being served."""

    NEEDS_SECOND_FACTOR = "needs_second_factor"
    ACTIVE = "active"
    LOCKED = "locked"
    ENDED = "ended"


class EndReason(StrEnum):
    """Why a session row no longer works (kept in ``revoked_reason``)."""

    SIGNED_OUT = "signed_out"
    ROTATED = "rotated"
    SHIFT_OVER = "shift_over"
    USER_DISABLED = "user_disabled"
    FACTORS_RESET = "factors_reset"
    PIN_FAILURES = "pin_failures"
    ADMIN = "admin"
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 - a reason, not a password
    TEMPORARY_PASSWORD = "temporary_password"  # noqa: S105 - a reason, not a password


@dataclass(frozen=True, slots=True)
class WebSession:
    """A session row as the web layer uses it (never the token itself)."""

    id: str
    user_id: str
    created_at: str
    last_seen_at: str
    locked_at: str | None
    expires_at: str
    second_factor: str | None
    revoked_at: str | None
    revoked_reason: str | None
    csrf_secret: bytes
    has_pending_form: bool

    def state(self, now: datetime, lock_after: timedelta) -> SessionState:
        """The state at ``now`` (pure): ended, waiting for a second factor, locked or active."""
        if self.revoked_at is not None or iso(now) >= self.expires_at:
            return SessionState.ENDED
        if self.second_factor is None:
            return SessionState.NEEDS_SECOND_FACTOR
        if self.locked_at is not None or iso(now - lock_after) > self.last_seen_at:
            return SessionState.LOCKED
        return SessionState.ACTIVE

    def csrf_token(self) -> str:
        """The anti-forgery token of this session (derived from its secret)."""
        return hmac.new(self.csrf_secret, CSRF_CONTEXT, hashlib.sha256).hexdigest()

    def csrf_matches(self, token: str) -> bool:
        return hmac.compare_digest(self.csrf_token(), token)


def token_hash(token: str) -> str:
    """The session id stored for a browser token (SHA-256, hex)."""
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def _row_to_session(row: sqlite3.Row) -> WebSession:
    return WebSession(
        id=row["id"], user_id=row["user_id"], created_at=row["created_at"],
        last_seen_at=row["last_seen_at"], locked_at=row["locked_at"], expires_at=row["expires_at"],
        second_factor=row["second_factor"], revoked_at=row["revoked_at"],
        revoked_reason=row["revoked_reason"], csrf_secret=bytes(row["csrf_secret"]),
        has_pending_form=row["pending_form"] is not None)


def _insert(conn: sqlite3.Connection, user_id: str, created_at: str, now: datetime,
            expires_at: str, second_factor: str | None) -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    session_id = token_hash(token)
    conn.execute(
        "INSERT INTO web_sessions (id, user_id, created_at, last_seen_at, expires_at, second_factor, "
        "csrf_secret) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (session_id, user_id, created_at, iso(now), expires_at, second_factor,
         secrets.token_bytes(32)))
    return token, session_id


def open_session(db: Database, user_id: str, now: datetime) -> str:
    """After a right password: a session waiting for the second factor; return its browser token."""
    expires = iso(now + timedelta(minutes=PENDING_SECOND_FACTOR_MINUTES))
    with db.write() as conn:
        token, session_id = _insert(conn, user_id, iso(now), now, expires, None)
    _LOGGER.info("session %s opened for user %s (second factor pending)", session_id[:8], user_id)
    return token


def find_session(db: Database, token: str) -> WebSession | None:
    """The session row of a browser token, or ``None`` (unknown token)."""
    if not token:
        return None
    rows = db.query("SELECT * FROM web_sessions WHERE id = ?", (token_hash(token),))
    return _row_to_session(rows[0]) if rows else None


def get_session(db: Database, session_id: str) -> WebSession:
    rows = db.query("SELECT * FROM web_sessions WHERE id = ?", (session_id,))
    if not rows:
        raise NotFound("no such session")
    return _row_to_session(rows[0])


def _move_pending_form(db: Database, conn: sqlite3.Connection, old_id: str, new_id: str) -> None:
    row = conn.execute("SELECT pending_form FROM web_sessions WHERE id = ?", (old_id,)).fetchone()
    if row is None or row["pending_form"] is None:
        return
    clear = db.keyring.open(bytes(row["pending_form"]), "web_sessions", "pending_form", old_id)
    conn.execute("UPDATE web_sessions SET pending_form = ? WHERE id = ?",
                 (db.keyring.seal(clear, "web_sessions", "pending_form", new_id), new_id))
    conn.execute("UPDATE web_sessions SET pending_form = NULL WHERE id = ?", (old_id,))


def _end(conn: sqlite3.Connection, session_id: str, now: datetime, reason: EndReason) -> None:
    conn.execute("UPDATE web_sessions SET revoked_at = ?, revoked_reason = ? "
                 "WHERE id = ? AND revoked_at IS NULL", (iso(now), reason.value, session_id))


def complete_second_factor(db: Database, session: WebSession, factor: str, now: datetime,
                           shift: timedelta) -> str:
    """The second factor was checked: replace the session by a shift session with a new token.

    A form kept in the user's latest session that ended at the shift cap is carried over, so
    nothing typed is lost when a shift session expires.
    """
    with db.write() as conn:
        token, new_id = _insert(conn, session.user_id, iso(now), now, iso(now + shift), factor)
        _end(conn, session.id, now, EndReason.ROTATED)
        kept = conn.execute(
            "SELECT id FROM web_sessions WHERE user_id = ? AND pending_form IS NOT NULL "
            "AND id != ? AND expires_at > ? ORDER BY last_seen_at DESC LIMIT 1",
            (session.user_id, new_id, iso(now - timedelta(hours=1)))).fetchone()
        if kept is not None:
            _move_pending_form(db, conn, kept["id"], new_id)
        append_audit(db, session.user_id, AuditAction.LOGIN, "web_session", new_id[:16],
                     details={"factor": factor}, conn=conn)
    return token


def touch_session(db: Database, session: WebSession, now: datetime) -> None:
    """Note activity (at most every few seconds, to spare the SD card)."""
    if iso(now - timedelta(seconds=TOUCH_EVERY_SECONDS)) < session.last_seen_at:
        return
    with db.write() as conn:
        conn.execute("UPDATE web_sessions SET last_seen_at = ? WHERE id = ? AND locked_at IS NULL",
                     (iso(now), session.id))


def lock_session(db: Database, session: WebSession, now: datetime,
                 pending_form: dict[str, Any] | None = None) -> None:
    """Lock after inactivity (or on request), keeping the form being typed sealed in the row."""
    with db.write() as conn:
        conn.execute("UPDATE web_sessions SET locked_at = COALESCE(locked_at, ?) WHERE id = ?",
                     (iso(now), session.id))
        if pending_form is not None:
            sealed = db.keyring.seal(json.dumps(pending_form).encode("utf-8"), "web_sessions",
                                     "pending_form", session.id)
            conn.execute("UPDATE web_sessions SET pending_form = ? WHERE id = ?",
                         (sealed, session.id))


def unlock_session(db: Database, session: WebSession, now: datetime) -> str:
    """The PIN was right: same shift, new token; the kept form follows the session."""
    with db.write() as conn:
        token, new_id = _insert(conn, session.user_id, session.created_at, now,
                                session.expires_at, session.second_factor)
        _move_pending_form(db, conn, session.id, new_id)
        _end(conn, session.id, now, EndReason.ROTATED)
        append_audit(db, session.user_id, AuditAction.LOGIN, "web_session", new_id[:16],
                     details={"factor": "pin"}, conn=conn)
    return token


def peek_pending_form(db: Database, session: WebSession) -> dict[str, Any] | None:
    """The kept form, left in place."""
    rows = db.query("SELECT pending_form FROM web_sessions WHERE id = ?", (session.id,))
    if not rows or rows[0]["pending_form"] is None:
        return None
    clear = db.keyring.open(bytes(rows[0]["pending_form"]), "web_sessions", "pending_form",
                            session.id)
    value = json.loads(clear)
    return value if isinstance(value, dict) else None


def take_pending_form(db: Database, session: WebSession) -> dict[str, Any] | None:
    """The kept form, once: it is cleared as it is read."""
    if not session.has_pending_form:
        return None
    with db.write() as conn:
        row = conn.execute("SELECT pending_form FROM web_sessions WHERE id = ?",
                           (session.id,)).fetchone()
        if row is None or row["pending_form"] is None:
            return None
        clear = db.keyring.open(bytes(row["pending_form"]), "web_sessions", "pending_form",
                                session.id)
        conn.execute("UPDATE web_sessions SET pending_form = NULL WHERE id = ?", (session.id,))
    value = json.loads(clear)
    return value if isinstance(value, dict) else None


def end_session(db: Database, session: WebSession, now: datetime, reason: EndReason) -> None:
    with db.write() as conn:
        _end(conn, session.id, now, reason)
        if reason is EndReason.SIGNED_OUT:
            append_audit(db, session.user_id, AuditAction.LOGOUT, "web_session",
                         session.id[:16], conn=conn)
        elif reason is EndReason.PIN_FAILURES:
            append_audit(db, session.user_id, AuditAction.LOGIN, "web_session", session.id[:16],
                         outcome=AuditOutcome.DENIED, details={"reason": reason.value},
                         conn=conn)


def end_user_sessions(db: Database, user_id: str, now: datetime, reason: EndReason,
                      conn: sqlite3.Connection | None = None, *,
                      keep_session_id: str | None = None) -> int:
    """End every open session of one account (disabling, factor reset, admin) except
    ``keep_session_id`` (the one changing its own password); return how many."""
    if conn is None:
        with db.write() as own:
            return end_user_sessions(db, user_id, now, reason, own,
                                     keep_session_id=keep_session_id)
    cursor = conn.execute(
        "UPDATE web_sessions SET revoked_at = ?, revoked_reason = ? "
        "WHERE user_id = ? AND revoked_at IS NULL AND id IS NOT ?",
        (iso(now), reason.value, user_id, keep_session_id))
    return cursor.rowcount


def purge_sessions(db: Database, now: datetime, keep: timedelta = timedelta(days=2)) -> int:
    """Delete session rows that ended long ago (they hold no clinical data)."""
    cutoff = iso(now - keep)
    with db.write() as conn:
        cursor = conn.execute(
            "DELETE FROM web_sessions WHERE (revoked_at IS NOT NULL AND revoked_at < ?) "
            "OR expires_at < ?", (cutoff, cutoff))
    return cursor.rowcount
