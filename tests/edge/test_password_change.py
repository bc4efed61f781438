"""Changing passwords and PINs: the owner proves the current secret, the rules of a new password
hold, other sessions end, a temporary password forces a change, and the audit never holds a secret."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

import edge
from edge.password_change import password_change_required
from edge.sessions import get_session

OLD = "une vieille phrase de passe"
NEW = "un tout nouveau mot de passe"
TEMPORARY = "provisoire remis en main propre"
SHIFT = timedelta(hours=12)


def _account(db: edge.Database, login: str = "ide.change") -> str:
    return edge.add_user(db, None, login, "IDE Change", edge.Role.INFIRMIER, OLD)


def _shift_session(db: edge.Database, user_id: str) -> edge.WebSession:
    token = edge.open_session(db, user_id, db.clock())
    pending = edge.find_session(db, token)
    assert pending is not None
    full = edge.find_session(db, edge.complete_second_factor(db, pending, "totp", db.clock(), SHIFT))
    assert full is not None
    return full


def _still_open(db: edge.Database, session: edge.WebSession) -> bool:
    return get_session(db, session.id).revoked_at is None


def _audit_text(db: edge.Database) -> str:
    return json.dumps([entry.details for entry in edge.list_audit(db, limit=1000)])


def test_a_wrong_current_password_is_refused_and_changes_nothing(db: edge.Database) -> None:
    user_id = _account(db)
    with pytest.raises(edge.CurrentSecretRejected):
        edge.change_password(db, user_id, "pas le bon mot de passe", NEW)
    assert edge.verify_password(db, "ide.change", OLD) is not None
    assert edge.verify_password(db, "ide.change", NEW) is None
    denied = edge.list_audit(db, outcome="denied", limit=5)
    assert denied[0].object_id == user_id
    assert denied[0].details == {"change": "password_changed", "reason": "current_secret"}


def test_a_new_password_follows_the_account_rules_and_differs_from_the_current(
        db: edge.Database) -> None:
    user_id = _account(db)
    with pytest.raises(edge.RecordRejected, match="au moins 15 caractères"):
        edge.change_password(db, user_id, OLD, "trop court")
    with pytest.raises(edge.RecordRejected, match="différent"):
        edge.change_password(db, user_id, OLD, OLD)
    edge.change_password(db, user_id, OLD, NEW)
    assert edge.verify_password(db, "ide.change", NEW) is not None
    assert edge.verify_password(db, "ide.change", OLD) is None


def test_changing_ones_password_ends_the_other_sessions_but_not_this_one(
        db: edge.Database) -> None:
    user_id = _account(db)
    other_id = _account(db, "as.other")
    here, elsewhere = _shift_session(db, user_id), _shift_session(db, user_id)
    colleague = _shift_session(db, other_id)
    assert edge.change_password(db, user_id, OLD, NEW, keep_session_id=here.id) == 1
    assert _still_open(db, here) and _still_open(db, colleague)
    assert not _still_open(db, elsewhere)
    assert get_session(db, elsewhere.id).revoked_reason == edge.EndReason.PASSWORD_CHANGED


def test_every_change_is_audited_without_the_secret(db: edge.Database) -> None:
    user_id = _account(db)
    admin_id = edge.add_user(db, None, "admin.t", "Admin", edge.Role.ADMINISTRATEUR, OLD)
    edge.set_pin(db, user_id, "2580")
    edge.change_password(db, user_id, OLD, NEW)
    edge.set_temporary_password(db, admin_id, user_id, TEMPORARY)
    edge.choose_new_password(db, user_id, NEW + " encore")
    edge.change_pin(db, user_id, "2580", "7391")
    with pytest.raises(edge.CurrentSecretRejected):
        edge.change_pin(db, user_id, "0000", "4826")
    entries = [e for e in edge.list_audit(db, limit=100) if e.object_id == user_id]
    changes = [(e.actor_id, (e.details or {}).get("change"), e.outcome) for e in entries]
    assert (user_id, "password_changed", "ok") in changes
    assert (admin_id, "temporary_password_set", "ok") in changes
    assert (user_id, "temporary_password_replaced", "ok") in changes
    assert (user_id, "changed", "ok") in changes and (user_id, "changed", "denied") in changes
    text = _audit_text(db)
    for secret in (OLD, NEW, TEMPORARY, "7391", "0000", "2580"):
        assert secret not in text
    assert edge.verify_audit(db).intact


def test_a_temporary_password_ends_every_session_and_forces_a_change(db: edge.Database) -> None:
    user_id = _account(db)
    admin_id = edge.add_user(db, None, "admin.t", "Admin", edge.Role.ADMINISTRATEUR, OLD)
    sessions = [_shift_session(db, user_id), _shift_session(db, user_id)]
    subject = edge.login_subject(db, "ide.change")
    for _ in range(10):
        edge.record_failure(db, subject, db.clock(), timedelta(hours=1))
    assert not password_change_required(db, user_id)
    assert edge.set_temporary_password(db, admin_id, user_id, TEMPORARY) == 2
    assert not any(_still_open(db, session) for session in sessions)
    assert password_change_required(db, user_id)
    assert edge.verify_password(db, "ide.change", TEMPORARY) is not None
    assert edge.check_throttle(db, subject, db.clock(), timedelta(hours=1)).verdict is \
        edge.Verdict.ALLOWED
    with pytest.raises(edge.RecordRejected, match="provisoire"):
        edge.choose_new_password(db, user_id, TEMPORARY)
    assert password_change_required(db, user_id)
    here = _shift_session(db, user_id)
    edge.choose_new_password(db, user_id, NEW, keep_session_id=here.id)
    assert not password_change_required(db, user_id) and _still_open(db, here)
    assert edge.verify_password(db, "ide.change", NEW) is not None
    with pytest.raises(edge.NoTemporaryPassword):
        edge.choose_new_password(db, user_id, NEW + " bis")


def test_a_temporary_password_follows_the_rules_and_needs_an_account(db: edge.Database) -> None:
    user_id = _account(db)
    with pytest.raises(edge.RecordRejected):
        edge.set_temporary_password(db, None, user_id, "court")
    assert not password_change_required(db, user_id)
    with pytest.raises(edge.NotFound):
        edge.set_temporary_password(db, None, "no-such-account", TEMPORARY)


def test_the_pin_is_changed_with_the_current_pin_or_the_password(db: edge.Database) -> None:
    user_id = _account(db)
    edge.set_pin(db, user_id, "2580")
    with pytest.raises(edge.CurrentSecretRejected):
        edge.change_pin(db, user_id, "1357", "4826")
    with pytest.raises(edge.CurrentSecretRejected):
        edge.change_pin(db, user_id, "pas le bon mot de passe", "4826")
    assert edge.verify_pin(db, user_id, "2580")
    with pytest.raises(edge.RecordRejected, match="trop facile"):
        edge.change_pin(db, user_id, "2580", "1234")
    edge.change_pin(db, user_id, "2580", "4826")
    assert edge.verify_pin(db, user_id, "4826") and not edge.verify_pin(db, user_id, "2580")
    edge.change_pin(db, user_id, OLD, "9173")  # forgot the PIN: the password proves it
    assert edge.verify_pin(db, user_id, "9173")
