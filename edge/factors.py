"""Second factors and the PIN of staff accounts: TOTP (RFC 6238), security keys (WebAuthn), unlock PIN.

The TOTP secret is sealed in ``users.totp_secret``; the last accepted time step is kept so a code is
never accepted twice. Security-key credentials (public keys only) live in ``webauthn_credentials``.
The PIN is a short code for unlocking inside a shift, hashed with argon2id like passwords; three wrong
PINs end the session (the caller counts them). Resetting an account's factors clears all three and
ends its sessions, so the next sign-in enrols again.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import sqlite3
import struct
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, urlencode

from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from edge.audit import AuditAction, AuditOutcome, append_audit
from edge.errors import CurrentSecretRejected, NotFound, RecordRejected
from edge.record import new_id
from edge.sessions import EndReason, end_user_sessions
from edge.storage import Database, iso
from edge.users import HASHER, password_matches

TOTP_PERIOD_S = 30
TOTP_DIGITS = 6
TOTP_DRIFT_STEPS = 1
PIN_MIN_DIGITS = 4
PIN_MAX_DIGITS = 8
PIN_MAX_FAILURES = 3


@dataclass(frozen=True, slots=True)
class FactorStatus:
    """Which sign-in factors an account has enrolled."""

    totp: bool
    security_keys: int
    pin: bool

    @property
    def has_second_factor(self) -> bool:
        return self.totp or self.security_keys > 0


@dataclass(frozen=True, slots=True)
class SecurityKey:
    """A registered WebAuthn credential (public part only)."""

    id: str
    user_id: str
    credential_id: bytes
    public_key: bytes
    sign_count: int
    label: str
    created_at: str
    last_used_at: str | None


def factor_status(db: Database, user_id: str) -> FactorStatus:
    rows = db.query("SELECT totp_secret IS NOT NULL AS totp, pin_hash IS NOT NULL AS pin, "
                    "(SELECT COUNT(*) FROM webauthn_credentials WHERE user_id = users.id "
                    "AND revoked_at IS NULL) AS keys FROM users WHERE id = ?", (user_id,))
    if not rows:
        raise NotFound("no such account")
    return FactorStatus(totp=bool(rows[0]["totp"]), security_keys=int(rows[0]["keys"]),
                        pin=bool(rows[0]["pin"]))


# -- TOTP ---------------------------------------------------------------------------------------

def new_totp_secret() -> str:
    """A fresh TOTP secret (160 random bits, base32 as authenticator apps expect)."""
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii")


def totp_code(secret: str, step: int) -> str:
    """The RFC 6238 (HMAC-SHA1, 6 digits) code of one time step."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**TOTP_DIGITS).zfill(TOTP_DIGITS)


def totp_step(moment: datetime) -> int:
    return int(moment.timestamp()) // TOTP_PERIOD_S


def totp_matching_step(secret: str, code: str, now: datetime, after_step: int | None) -> int | None:
    """The time step (now ± drift, later than ``after_step``) whose code is ``code``; else None."""
    code = code.strip().replace(" ", "")
    if len(code) != TOTP_DIGITS or not code.isdigit():
        return None
    current = totp_step(now)
    for step in range(current - TOTP_DRIFT_STEPS, current + TOTP_DRIFT_STEPS + 1):
        if after_step is not None and step <= after_step:
            continue
        if hmac.compare_digest(totp_code(secret, step), code):
            return step
    return None


def totp_uri(secret: str, account: str, issuer: str) -> str:
    """The ``otpauth://`` address an authenticator app reads from a QR code."""
    label = quote(f"{issuer}:{account}")
    return f"otpauth://totp/{label}?" + urlencode({"secret": secret, "issuer": issuer,
                                                   "digits": TOTP_DIGITS, "period": TOTP_PERIOD_S})


def enrol_totp(db: Database, user_id: str, secret: str, code: str, now: datetime) -> bool:
    """Keep ``secret`` for the account if ``code`` proves the app has it; False otherwise."""
    step = totp_matching_step(secret, code, now, None)
    if step is None:
        return False
    with db.write() as conn:
        conn.execute("UPDATE users SET totp_secret = ?, totp_last_step = ? WHERE id = ?",
                     (db.keyring.seal_text(secret, "users", "totp_secret", user_id), step, user_id))
        append_audit(db, user_id, AuditAction.UPDATE, "user", user_id,
                     details={"factor": "totp", "change": "enrolled"}, conn=conn)
    return True


def verify_totp(db: Database, user_id: str, code: str, now: datetime) -> bool:
    """Check a code against the account's secret; a code (time step) is accepted only once."""
    with db.write() as conn:
        row = conn.execute("SELECT totp_secret, totp_last_step FROM users WHERE id = ?",
                           (user_id,)).fetchone()
        if row is None or row["totp_secret"] is None:
            return False
        secret = db.keyring.open_text(bytes(row["totp_secret"]), "users", "totp_secret", user_id)
        step = totp_matching_step(secret, code, now, row["totp_last_step"])
        if step is None:
            return False
        conn.execute("UPDATE users SET totp_last_step = ? WHERE id = ?", (step, user_id))
    return True


# -- security keys (WebAuthn) -------------------------------------------------------------------

def _key(db: Database, row: sqlite3.Row) -> SecurityKey:
    label = (db.keyring.open_text(bytes(row["label"]), "webauthn_credentials", "label", row["id"])
             if row["label"] is not None else "")
    return SecurityKey(id=row["id"], user_id=row["user_id"],
                       credential_id=bytes(row["credential_id"]),
                       public_key=bytes(row["public_key"]), sign_count=int(row["sign_count"]),
                       label=label, created_at=row["created_at"], last_used_at=row["last_used_at"])


def add_security_key(db: Database, user_id: str, credential_id: bytes, public_key: bytes,
                     sign_count: int, label: str) -> str:
    """Register a verified WebAuthn credential for the account; return its row id."""
    key_id = new_id()
    with db.write() as conn:
        if conn.execute("SELECT 1 FROM webauthn_credentials WHERE credential_id = ?",
                        (credential_id,)).fetchone():
            raise RecordRejected("Cette clé de sécurité est déjà enregistrée.")
        conn.execute(
            "INSERT INTO webauthn_credentials (id, user_id, credential_id, public_key, sign_count, "
            "label, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (key_id, user_id, credential_id, public_key, sign_count,
             db.keyring.seal_text(label, "webauthn_credentials", "label", key_id), db.now()))
        append_audit(db, user_id, AuditAction.UPDATE, "user", user_id,
                     details={"factor": "webauthn", "change": "enrolled"}, conn=conn)
    return key_id


def list_security_keys(db: Database, user_id: str) -> list[SecurityKey]:
    rows = db.query("SELECT * FROM webauthn_credentials WHERE user_id = ? AND revoked_at IS NULL "
                    "ORDER BY created_at", (user_id,))
    return [_key(db, row) for row in rows]


def note_security_key_use(db: Database, key: SecurityKey, sign_count: int, now: datetime) -> None:
    with db.write() as conn:
        conn.execute("UPDATE webauthn_credentials SET sign_count = ?, last_used_at = ? WHERE id = ?",
                     (sign_count, iso(now), key.id))


# -- PIN ----------------------------------------------------------------------------------------

def check_pin_rules(pin: str) -> None:
    """:raises RecordRejected: not 4–8 digits, one repeated digit, or a run like 1234 / 9876."""
    if not (PIN_MIN_DIGITS <= len(pin) <= PIN_MAX_DIGITS and pin.isascii() and pin.isdigit()):
        raise RecordRejected(f"Le code PIN compte {PIN_MIN_DIGITS} à {PIN_MAX_DIGITS} chiffres.")
    steps = {int(b) - int(a) for a, b in zip(pin, pin[1:], strict=False)}
    if steps in ({0}, {1}, {-1}):
        raise RecordRejected("Ce code PIN est trop facile à deviner (chiffres répétés ou suivis).")


def set_pin(db: Database, user_id: str, pin: str) -> None:
    check_pin_rules(pin)
    with db.write() as conn:
        conn.execute("UPDATE users SET pin_hash = ? WHERE id = ?", (HASHER.hash(pin), user_id))
        append_audit(db, user_id, AuditAction.UPDATE, "user", user_id,
                     details={"factor": "pin", "change": "set"}, conn=conn)


def verify_pin(db: Database, user_id: str, pin: str) -> bool:
    rows = db.query("SELECT pin_hash FROM users WHERE id = ? AND active = 1", (user_id,))
    if not rows or rows[0]["pin_hash"] is None:
        return False
    try:
        return bool(HASHER.verify(rows[0]["pin_hash"], pin))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def change_pin(db: Database, user_id: str, proof: str, new_pin: str) -> None:
    """The owner changes their PIN, proving it is them with the current PIN or, if they forgot
    it, their password (a PIN is 4–8 digits and a password 15 characters or more, so ``proof``
    is checked against one of them only).

    :raises CurrentSecretRejected: ``proof`` is neither (audited as denied); nothing changed.
    :raises RecordRejected: ``new_pin`` breaks the PIN rules.
    """
    looks_like_pin = len(proof) <= PIN_MAX_DIGITS and proof.isascii() and proof.isdigit()
    proved = (verify_pin(db, user_id, proof) if looks_like_pin
              else password_matches(db, user_id, proof))
    if not proved:
        append_audit(db, user_id, AuditAction.UPDATE, "user", user_id,
                     outcome=AuditOutcome.DENIED,
                     details={"factor": "pin", "change": "changed", "reason": "current_secret"})
        raise CurrentSecretRejected("Le code PIN actuel ou le mot de passe est incorrect.")
    check_pin_rules(new_pin)
    with db.write() as conn:
        conn.execute("UPDATE users SET pin_hash = ? WHERE id = ?", (HASHER.hash(new_pin), user_id))
        append_audit(db, user_id, AuditAction.UPDATE, "user", user_id,
                     details={"factor": "pin", "change": "changed",
                              "proof": "pin" if looks_like_pin else "password"}, conn=conn)


# -- reset ---------------------------------------------------------------------------------------

def reset_factors(db: Database, actor_id: str, user_id: str, now: datetime) -> None:
    """Clear the TOTP secret, the security keys and the PIN, end the sessions: the account enrols
    again at its next sign-in (after a lost badge or phone)."""
    with db.write() as conn:
        if conn.execute("SELECT 1 FROM users WHERE id = ?", (user_id,)).fetchone() is None:
            raise NotFound("no such account")
        conn.execute("UPDATE users SET totp_secret = NULL, totp_last_step = NULL, pin_hash = NULL "
                     "WHERE id = ?", (user_id,))
        conn.execute("UPDATE webauthn_credentials SET revoked_at = ? WHERE user_id = ? "
                     "AND revoked_at IS NULL", (iso(now), user_id))
        end_user_sessions(db, user_id, now, EndReason.FACTORS_RESET, conn)
        append_audit(db, actor_id, AuditAction.UPDATE, "user", user_id,
                     details={"change": "factors_reset"}, conn=conn)
