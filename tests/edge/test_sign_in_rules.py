"""Sign-in rules kept in edge: throttle delays and lock, TOTP codes (RFC 6238) and replay, PIN rules,
session rotation with the kept form, factor reset and account disabling ending sessions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest

import edge
from edge.factors import check_pin_rules, totp_matching_step
from edge.throttle import decide, delay_after

T0 = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # base32 of "12345678901234567890"


def test_no_delay_before_the_fifth_failure_then_doubling() -> None:
    assert [delay_after(n).total_seconds() for n in range(1, 10)] == [0, 0, 0, 0, 5, 10, 20, 40, 80]


def test_an_attempt_too_soon_after_the_fifth_failure_must_wait() -> None:
    decision = decide(5, T0, None, T0 + timedelta(seconds=2), HOUR)
    assert decision.verdict is edge.Verdict.WAIT and decision.wait_seconds == 4
    assert decide(5, T0, None, T0 + timedelta(seconds=5), HOUR).verdict is edge.Verdict.ALLOWED


def test_a_lock_holds_for_its_time_then_lifts() -> None:
    assert decide(10, T0, T0, T0 + timedelta(minutes=59), HOUR).verdict is edge.Verdict.LOCKED
    assert decide(10, T0, T0, T0 + HOUR, HOUR).verdict is edge.Verdict.ALLOWED


def test_the_tenth_failure_locks_and_a_stale_lock_restarts_the_count(db: edge.Database) -> None:
    subject = edge.login_subject(db, "Quelqu.Un ")
    assert subject == edge.login_subject(db, "quelqu.un")
    assert "quelqu" not in subject
    for count in range(1, 11):
        assert edge.record_failure(db, subject, T0, HOUR) == count
    assert edge.check_throttle(db, subject, T0, HOUR).verdict is edge.Verdict.LOCKED
    assert edge.record_failure(db, subject, T0 + 2 * HOUR, HOUR) == 1


def test_totp_codes_match_rfc_6238_sha1_vectors() -> None:
    for unix, code in ((59, "287082"), (1111111109, "081804"), (1234567890, "005924"),
                       (2000000000, "279037")):
        assert edge.totp_code(RFC_SECRET, unix // 30) == code


def test_totp_codes_match_an_authenticator_app_library() -> None:
    secret = edge.new_totp_secret()
    now = datetime.now(UTC)
    assert edge.totp_code(secret, int(now.timestamp()) // 30) == pyotp.TOTP(secret).at(now)


def test_a_totp_code_is_accepted_once_and_within_one_step_of_drift(db: edge.Database,
                                                                   traits: object) -> None:
    secret = edge.new_totp_secret()
    step = int(T0.timestamp()) // 30
    assert totp_matching_step(secret, edge.totp_code(secret, step + 1), T0, None) == step + 1
    assert totp_matching_step(secret, edge.totp_code(secret, step + 2), T0, None) is None
    user_id = edge.add_user(db, None, "ide.test", "IDE Test", edge.Role.INFIRMIER,
                            "une phrase de passe longue")
    assert edge.enrol_totp(db, user_id, secret, edge.totp_code(secret, step - 1), T0)
    assert not edge.verify_totp(db, user_id, edge.totp_code(secret, step - 1), T0)
    assert edge.verify_totp(db, user_id, edge.totp_code(secret, step), T0)
    assert not edge.verify_totp(db, user_id, edge.totp_code(secret, step), T0)


@pytest.mark.parametrize("pin", ["123", "123456789", "12a4", "1111", "1234", "9876", "٣٤٥٦"])
def test_weak_or_malformed_pins_are_refused(pin: str) -> None:
    with pytest.raises(edge.RecordRejected):
        check_pin_rules(pin)


def test_a_pin_unlock_rotates_the_token_and_carries_the_kept_form(db: edge.Database) -> None:
    user_id = edge.add_user(db, None, "as.test", "AS Test", edge.Role.AIDE_SOIGNANT,
                            "une phrase de passe longue")
    edge.set_pin(db, user_id, "2580")
    pending = edge.open_session(db, user_id, T0)
    session = edge.find_session(db, pending)
    assert session is not None
    assert session.state(T0, timedelta(minutes=10)) is edge.SessionState.NEEDS_SECOND_FACTOR
    token = edge.complete_second_factor(db, session, "totp", T0, timedelta(hours=12))
    shift = edge.find_session(db, token)
    assert shift is not None and edge.find_session(db, pending).revoked_at is not None  # type: ignore[union-attr]
    form = {"page": "/residents/x", "action": "/residents/x", "fields": {"spo2": ["91"]}}
    edge.lock_session(db, shift, T0 + timedelta(minutes=11), form)
    raw = db.query("SELECT pending_form FROM web_sessions WHERE id = ?", (shift.id,))[0][0]
    assert b"spo2" not in bytes(raw)
    assert edge.verify_pin(db, user_id, "2580") and not edge.verify_pin(db, user_id, "2581")
    locked = edge.find_session(db, token)
    assert locked is not None
    new_token = edge.unlock_session(db, locked, T0 + timedelta(minutes=12))
    assert new_token != token and edge.find_session(db, token).revoked_at is not None  # type: ignore[union-attr]
    reopened = edge.find_session(db, new_token)
    assert reopened is not None and reopened.expires_at == shift.expires_at
    assert edge.take_pending_form(db, reopened) == form
    assert edge.take_pending_form(db, edge.find_session(db, new_token)) is None  # type: ignore[arg-type]


def test_disabling_or_resetting_an_account_ends_its_sessions(db: edge.Database) -> None:
    user_id = edge.add_user(db, None, "med.test", "Dr Test", edge.Role.MEDECIN,
                            "une phrase de passe longue")
    first = edge.open_session(db, user_id, T0)
    edge.reset_factors(db, "admin", user_id, T0)
    assert edge.find_session(db, first).revoked_reason == "factors_reset"  # type: ignore[union-attr]
    second = edge.open_session(db, user_id, T0)
    edge.disable_user(db, "admin", "med.test")
    assert edge.find_session(db, second).revoked_reason == "user_disabled"  # type: ignore[union-attr]
