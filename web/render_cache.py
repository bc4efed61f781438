"""Rendered parts of pages (rows, lists, whole pages), kept by the key of everything they show.

A bounded least-recently-used map shared by the server's threads. Nothing expires by time: a key
names the data version, so a changed resident, set or alert simply asks for a new key, and the old
entry falls out once enough newer ones are used.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

DEFAULT_LIMIT = 4096
"""Rows kept: enough for every resident of a large home in both languages, several times over."""
Value = TypeVar("Value")


class RenderCache(Generic[Value]):
    """Values by key, at most ``limit`` of them, the least recently used dropped first."""

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self._limit = limit
        self._kept: OrderedDict[Hashable, Value] = OrderedDict()
        self._lock = threading.Lock()

    def peek(self, key: Hashable) -> Value | None:
        with self._lock:
            found = self._kept.get(key)
            if found is not None:
                self._kept.move_to_end(key)
            return found

    def put(self, key: Hashable, value: Value) -> None:
        with self._lock:
            self._kept[key] = value
            self._kept.move_to_end(key)
            while len(self._kept) > self._limit:
                self._kept.popitem(last=False)

    def get(self, key: Hashable, make: Callable[[], Value]) -> Value:
        """The value kept under ``key``, or ``make()`` now (outside the lock) and kept."""
        found = self.peek(key)
        if found is None:
            found = make()
            self.put(key, found)
        return found

    def __len__(self) -> int:
        with self._lock:
            return len(self._kept)
