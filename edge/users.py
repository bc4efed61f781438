"""Staff accounts: creation, disabling, listing and password checks (argon2id).

Logins and display names are sealed; a blind index finds an account by login. Passwords are hashed
with argon2id at or above the OWASP ASVS parameters (m = 64 MiB, t = 3, p = 1) and must be at least
15 characters (CNIL's 80-bit case with NIST's length-based policy); they are never stored or logged
in clear.
"""

from __future__ import annotations

import logging
import re
import sqlite3

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from edge.audit import AuditAction, append_audit
from edge.errors import NotFound, RecordRejected
from edge.record import Role, StaffUser, new_id
from edge.sessions import EndReason, end_user_sessions
from edge.storage import Database

_LOGGER = logging.getLogger(__name__)
MIN_PASSWORD_CHARS = 15
_LOGIN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
HASHER = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=1)


def check_password_rules(password: str) -> None:
    """:raises RecordRejected: shorter than `MIN_PASSWORD_CHARS` (a French sentence for the person)."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise RecordRejected(
            f"Le mot de passe doit compter au moins {MIN_PASSWORD_CHARS} caractères "
            "(une phrase de plusieurs mots convient).")


def normalise_login(login: str) -> str:
    value = login.strip().lower()
    if not _LOGIN.match(value):
        raise RecordRejected(
            "L'identifiant doit compter 2 à 64 caractères : lettres minuscules sans accent, "
            "chiffres, point, tiret ou souligné.")
    return value


def add_user(db: Database, actor_id: str | None, login: str, display_name: str, role: Role,
             password: str) -> str:
    """Create an active account; return its id.

    :raises RecordRejected: bad login, empty name, short password or login already taken.
    """
    login = normalise_login(login)
    if not display_name.strip():
        raise RecordRejected("Le nom affiché est obligatoire.")
    check_password_rules(password)
    password_hash = HASHER.hash(password)
    user_id = new_id()
    with db.write() as conn:
        keyring = db.keyring
        bidx = keyring.blind_index("login", login)
        clause, params = keyring.match_clause("login_bidx", "login", login)
        if conn.execute(f"SELECT 1 FROM users WHERE {clause}", params).fetchone():  # noqa: S608
            raise RecordRejected(f"L'identifiant « {login} » est déjà utilisé.")
        conn.execute(
            "INSERT INTO users (id, login_bidx, login, display_name, role, active, password_hash, "
            "created_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?)",
            (user_id, bidx, keyring.seal_text(login, "users", "login", user_id),
             keyring.seal_text(display_name.strip(), "users", "display_name", user_id),
             role.value, password_hash, db.now()))
        append_audit(db, actor_id, AuditAction.USER_ADD, "user", user_id,
                     details={"role": role.value}, conn=conn)
    _LOGGER.info("user %s added with role %s", user_id, role.value)
    return user_id


def _row_to_user(db: Database, row: sqlite3.Row) -> StaffUser:
    keyring = db.keyring
    return StaffUser(
        id=row["id"], login=keyring.open_text(row["login"], "users", "login", row["id"]),
        display_name=keyring.open_text(row["display_name"], "users", "display_name", row["id"]),
        role=Role(row["role"]), active=bool(row["active"]), created_at=row["created_at"],
        disabled_at=row["disabled_at"])


def find_user(db: Database, login: str) -> StaffUser:
    """The account with this login; `NotFound` otherwise."""
    clause, params = db.match_clause("login_bidx", "login", login.strip().lower())
    rows = db.query(f"SELECT * FROM users WHERE {clause}", params)  # noqa: S608
    if not rows:
        raise NotFound("no account has this login")
    return _row_to_user(db, rows[0])


def get_user(db: Database, user_id: str) -> StaffUser:
    """The account with this id; `NotFound` otherwise."""
    rows = db.query("SELECT * FROM users WHERE id = ?", (user_id,))
    if not rows:
        raise NotFound("no such account")
    return _row_to_user(db, rows[0])


def list_users(db: Database) -> list[StaffUser]:
    users = [_row_to_user(db, row) for row in db.query("SELECT * FROM users")]
    return sorted(users, key=lambda user: user.login)


def disable_user(db: Database, actor_id: str | None, login: str) -> StaffUser:
    """Disable an account and end its sessions (the web also checks `active` on every request)."""
    user = find_user(db, login)
    with db.write() as conn:
        conn.execute("UPDATE users SET active = 0, disabled_at = ? WHERE id = ?",
                     (db.now(), user.id))
        end_user_sessions(db, user.id, db.clock(), EndReason.USER_DISABLED, conn)
        append_audit(db, actor_id, AuditAction.USER_DISABLE, "user", user.id, conn=conn)
    return find_user(db, login)


def password_matches(db: Database, user_id: str, password: str) -> bool:
    """Whether ``password`` is the account's current password (any state of the account)."""
    rows = db.query("SELECT password_hash FROM users WHERE id = ?", (user_id,))
    if not rows or not password:
        return False
    try:
        return bool(HASHER.verify(rows[0]["password_hash"], password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def verify_password(db: Database, login: str, password: str) -> StaffUser | None:
    """The active account whose password this is, or ``None`` (never says which part was wrong)."""
    try:
        user = find_user(db, login)
    except NotFound:
        HASHER.hash(password)  # same work whether or not the account exists
        return None
    stored = db.query("SELECT password_hash FROM users WHERE id = ?", (user.id,))[0][0]
    try:
        HASHER.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    return user if user.active else None
