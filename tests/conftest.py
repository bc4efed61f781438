"""Fixtures shared by every test: settings on temporary directories and an unlocked record."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from edge.config import Settings, load_settings
from edge.datadir import initialise, open_record
from edge.ins import IdentityTraits, validate_traits
from edge.storage import Database

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED = PROJECT_ROOT.parent / "shared"


def shared_path(*parts: str) -> Path:
    """A file of the reference documents beside the project; skip the test when they are absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"../shared/ is absent (needed: {'/'.join(parts)}): the reference documents "
                    "are not beside this clone")
    return path


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings({}, {"data_dir": tmp_path / "data", "key_file": tmp_path / "usb" / "k.key"})


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    initialise(settings)
    record = open_record(settings)
    yield record
    record.close()


@pytest.fixture
def traits() -> IdentityTraits:
    return validate_traits(birth_family_name="Dupont", birth_given_names="Marie Louise",
                           birth_date=date(1935, 3, 2), sex="F", birthplace="51215",
                           today=date(2026, 11, 22))


def relais_command() -> list[str]:
    return [sys.executable, "-m", "edge"]


def cli_env(settings: Settings) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("RELAIS_")}
    env.update({"RELAIS_DATA_DIR": str(settings.data_dir), "RELAIS_KEY_FILE": str(settings.key_file),
                "PYTHONPATH": str(PROJECT_ROOT)})
    return env
