"""Storage faults: a full disk refuses the write and keeps what was stored; a damaged file is named."""

from __future__ import annotations

import subprocess

import pytest

from edge.errors import StorageFailure
from edge.observations import NewObservation, list_observations, store_observations
from edge.record import CaptureMethod
from edge.residents import admit_resident
from tests.conftest import cli_env, relais_command


def test_a_full_disk_refuses_the_write_and_loses_nothing_stored(db, traits) -> None:  # type: ignore[no-untyped-def]
    resident = admit_resident(db, "u", traits)
    pages = db.reader().execute("PRAGMA page_count").fetchone()[0]
    db._writer.execute(f"PRAGMA max_page_count = {pages + 3}")  # SQLite's own "disk full"
    stored: list[str] = []
    with pytest.raises(StorageFailure, match="disk is full"):
        for _ in range(10_000):
            stored += store_observations(db, [NewObservation(
                "8867-4", "/min", 70, CaptureMethod.TYPED, db.now(), resident, "u")])
    assert stored
    assert {obs.id for obs in list_observations(db, resident, None)} == set(stored)
    assert db.reader().execute("PRAGMA integrity_check").fetchone()[0] == "ok"


@pytest.mark.integration
def test_a_damaged_database_file_is_reported_in_plain_words(settings, db, traits) -> None:  # type: ignore[no-untyped-def]
    for _ in range(3):
        admit_resident(db, "u", traits)
    db.close()
    with settings.database_path.open("r+b") as handle:
        handle.seek(0)
        handle.write(b"\x00" * 100)  # the header, as a failing SD card might leave it
    for suffix in ("-wal", "-shm"):
        (settings.data_dir / f"relais.db{suffix}").unlink(missing_ok=True)
    result = subprocess.run([*relais_command(), "users", "list"], env=cli_env(settings),
                            capture_output=True, text=True, check=False, timeout=60)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "damaged" in result.stderr or "not a Relais" in result.stderr or "no Relais" in result.stderr
