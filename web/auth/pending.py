"""Short-lived server-side values of a sign-in step (WebAuthn challenges, a TOTP secret being
enrolled), keyed by session id. They live in this process's memory only and expire after a few
minutes; the tablet application runs as one process, so nothing needs sharing."""

from __future__ import annotations

import threading
import time
from typing import Any

TTL_SECONDS = 300
MAX_ENTRIES = 10_000


class PendingValues:
    """A small thread-safe store with expiry (monotonic clock, injectable for tests)."""

    def __init__(self, ttl_seconds: float = TTL_SECONDS,
                 clock: Any = time.monotonic) -> None:
        self._ttl = ttl_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._values: dict[tuple[str, str], tuple[float, Any]] = {}

    def put(self, session_id: str, kind: str, value: Any) -> None:
        now = self._clock()
        with self._lock:
            if len(self._values) >= MAX_ENTRIES:
                self._values = {k: v for k, v in self._values.items() if v[0] > now}
            self._values[(session_id, kind)] = (now + self._ttl, value)

    def get(self, session_id: str, kind: str) -> Any:
        with self._lock:
            entry = self._values.get((session_id, kind))
        if entry is None or entry[0] <= self._clock():
            return None
        return entry[1]

    def take(self, session_id: str, kind: str) -> Any:
        with self._lock:
            entry = self._values.pop((session_id, kind), None)
        if entry is None or entry[0] <= self._clock():
            return None
        return entry[1]


PENDING = PendingValues()
