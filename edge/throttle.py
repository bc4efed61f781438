"""Sign-in throttling: slower from the 5th consecutive failure, locked at the 10th.

Failures are counted per login *as typed*, whether or not an account has that login, under a keyed
hash (blind index) so the table names no one: the answer and the delays are the same for an existing
and an unknown login. A lock lifts after a set time (default one hour) or when an administrator
resets the account; with ten attempts per lock that keeps an attacker to about ten guesses per
account per hour. The PIN of a locked session counts under its own subject.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from edge.storage import Database, iso

SLOW_FROM_FAILURES = 5
LOCK_AT_FAILURES = 10
FIRST_DELAY_S = 5


class Verdict(StrEnum):
    ALLOWED = "allowed"
    WAIT = "wait"
    LOCKED = "locked"


@dataclass(frozen=True, slots=True)
class ThrottleDecision:
    """Whether an attempt may be checked now, and if not for how long to wait."""

    verdict: Verdict
    wait_seconds: int = 0


def delay_after(failures: int) -> timedelta:
    """The wait imposed after ``failures`` consecutive failures: none before the 5th, then 5 s
    doubling (5, 10, 20, 40, 80 s)."""
    if failures < SLOW_FROM_FAILURES:
        return timedelta(0)
    return timedelta(seconds=FIRST_DELAY_S * 2 ** (failures - SLOW_FROM_FAILURES))


def decide(failures: int, last_failure_at: datetime | None, locked_at: datetime | None,
           now: datetime, lock_for: timedelta) -> ThrottleDecision:
    """Pure rule: may an attempt be checked at ``now``?"""
    if locked_at is not None and now < locked_at + lock_for:
        return ThrottleDecision(Verdict.LOCKED, int((locked_at + lock_for - now).total_seconds()) + 1)
    if locked_at is None and last_failure_at is not None:
        ready_at = last_failure_at + delay_after(failures)
        if now < ready_at:
            return ThrottleDecision(Verdict.WAIT, int((ready_at - now).total_seconds()) + 1)
    return ThrottleDecision(Verdict.ALLOWED)


def login_subject(db: Database, login: str) -> str:
    """The throttle key of a typed login (keyed hash; no account look-up)."""
    return "login:" + db.keyring.blind_index("throttle_login", login.strip().lower()).hex()


def pin_subject(session_id: str) -> str:
    return "pin:" + session_id


def check_throttle(db: Database, subject: str, now: datetime, lock_for: timedelta) -> ThrottleDecision:
    rows = db.query("SELECT * FROM login_throttle WHERE subject = ?", (subject,))
    if not rows:
        return ThrottleDecision(Verdict.ALLOWED)
    row = rows[0]
    locked_at = datetime.fromisoformat(row["locked_at"]) if row["locked_at"] else None
    last = datetime.fromisoformat(row["last_failure_at"]) if row["last_failure_at"] else None
    return decide(int(row["failures"]), last, locked_at, now, lock_for)


def record_failure(db: Database, subject: str, now: datetime, lock_for: timedelta) -> int:
    """Count one failure (a lock that has run out starts a new count); return the count."""
    with db.write() as conn:
        row = conn.execute("SELECT failures, locked_at FROM login_throttle WHERE subject = ?",
                           (subject,)).fetchone()
        failures = int(row["failures"]) if row else 0
        if row and row["locked_at"] and now >= datetime.fromisoformat(row["locked_at"]) + lock_for:
            failures = 0
        failures += 1
        locked = iso(now) if failures >= LOCK_AT_FAILURES else None
        conn.execute(
            "INSERT INTO login_throttle (subject, failures, last_failure_at, locked_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT(subject) DO UPDATE SET failures = excluded.failures, "
            "last_failure_at = excluded.last_failure_at, locked_at = excluded.locked_at",
            (subject, failures, iso(now), locked))
    return failures


def clear_failures(db: Database, subject: str) -> None:
    with db.write() as conn:
        conn.execute("DELETE FROM login_throttle WHERE subject = ?", (subject,))
