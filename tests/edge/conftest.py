"""Fixtures of the edge tests beyond the project-wide ones: a settable clock and a fresh record that
uses it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from edge import Database
from edge.config import Settings
from edge.datadir import initialise, open_record

START = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


class Clock:
    """The record's clock, moved by the test through ``now``."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def record(settings: Settings, clock: Clock) -> Iterator[Database]:
    initialise(settings)
    db = open_record(settings, clock=clock)
    yield db
    db.close()
