"""Changing passwords: by their owner (current password required), and temporary ones an
administrator gives to a person who forgot theirs.

A temporary password marks the account ``password_change_required``: after signing in with it (and
the second factor as usual) the person must choose their own before anything else. Every change
ends the account's other sessions (a temporary password ends all of them, and lifts a sign-in lock),
and writes an audit entry that never holds a password.
"""

from __future__ import annotations

import logging

from edge.audit import AuditAction, AuditOutcome, append_audit
from edge.errors import CurrentSecretRejected, NoTemporaryPassword, NotFound, RecordRejected
from edge.sessions import EndReason, end_user_sessions
from edge.storage import Database
from edge.throttle import clear_failures, login_subject
from edge.users import HASHER, check_password_rules, get_user, password_matches

_LOGGER = logging.getLogger(__name__)


def password_change_required(db: Database, user_id: str) -> bool:
    """Whether the account signed in with a temporary password and must choose its own."""
    rows = db.query("SELECT password_change_required FROM users WHERE id = ?", (user_id,))
    if not rows:
        raise NotFound("no such account")
    return bool(rows[0]["password_change_required"])


def _store(db: Database, actor_id: str | None, user_id: str, new: str, *, required: bool,
           change: str, reason: EndReason, keep_session_id: str | None) -> int:
    password_hash = HASHER.hash(new)
    with db.write() as conn:
        cursor = conn.execute(
            "UPDATE users SET password_hash = ?, password_change_required = ? WHERE id = ?",
            (password_hash, int(required), user_id))
        if cursor.rowcount != 1:
            raise NotFound("no such account")
        ended = end_user_sessions(db, user_id, db.clock(), reason, conn,
                                  keep_session_id=keep_session_id)
        append_audit(db, actor_id, AuditAction.UPDATE, "user", user_id,
                     details={"change": change, "sessions_ended": ended}, conn=conn)
    _LOGGER.info("password of user %s: %s (%d other sessions ended)", user_id, change, ended)
    return ended


def _refuse_current(db: Database, user_id: str, change: str) -> CurrentSecretRejected:
    append_audit(db, user_id, AuditAction.UPDATE, "user", user_id, outcome=AuditOutcome.DENIED,
                 details={"change": change, "reason": "current_secret"})
    return CurrentSecretRejected("Le mot de passe actuel est incorrect.")


def change_password(db: Database, user_id: str, current: str, new: str, *,
                    keep_session_id: str | None = None) -> int:
    """The owner replaces their password; their other sessions end (``keep_session_id`` stays).

    :returns: how many other sessions were ended.
    :raises CurrentSecretRejected: ``current`` is not the account's password (audited as denied).
    :raises RecordRejected: ``new`` breaks the rules or is the current password again.
    """
    if not password_matches(db, user_id, current):
        raise _refuse_current(db, user_id, "password_changed")
    check_password_rules(new)
    if new == current:
        raise RecordRejected("Le nouveau mot de passe doit être différent de l'actuel.")
    return _store(db, user_id, user_id, new, required=False, change="password_changed",
                  reason=EndReason.PASSWORD_CHANGED, keep_session_id=keep_session_id)


def choose_new_password(db: Database, user_id: str, new: str, *,
                        keep_session_id: str | None = None) -> int:
    """Right after signing in with a temporary password: the person sets their own (the sign-in
    just proved the temporary one, so it is not asked again).

    :raises NoTemporaryPassword: the account is not waiting for a change; use `change_password`.
    :raises RecordRejected: ``new`` breaks the rules or is the temporary password again.
    """
    if not password_change_required(db, user_id):
        raise NoTemporaryPassword("this account has no temporary password to replace")
    check_password_rules(new)
    if password_matches(db, user_id, new):
        raise RecordRejected("Choisissez un mot de passe différent du mot de passe provisoire.")
    return _store(db, user_id, user_id, new, required=False, change="temporary_password_replaced",
                  reason=EndReason.PASSWORD_CHANGED, keep_session_id=keep_session_id)


def set_temporary_password(db: Database, admin_id: str | None, user_id: str, new: str) -> int:
    """An administrator gives the account a temporary password (to hand over in person): all its
    sessions end, its sign-in lock lifts, and it must choose its own password at the next sign-in.
    Its second factors and PIN are kept (reset them separately after a lost badge or phone).

    :returns: how many sessions were ended.
    :raises RecordRejected: ``new`` breaks the password rules.
    :raises NotFound: no such account.
    """
    check_password_rules(new)
    user = get_user(db, user_id)
    ended = _store(db, admin_id, user.id, new, required=True, change="temporary_password_set",
                   reason=EndReason.TEMPORARY_PASSWORD, keep_session_id=None)
    clear_failures(db, login_subject(db, user.login))
    return ended
