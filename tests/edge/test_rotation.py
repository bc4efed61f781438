"""Key rotation: everything re-encrypted, resumable after an interruption or a kill -9."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from edge.datadir import open_record
from edge.keys import read_key_file
from edge.notes import add_note, list_notes
from edge.observations import NewObservation, list_observations, store_observations
from edge.record import CaptureMethod
from edge.residents import admit_resident, find_by_matricule
from edge.rotation import rotate_keys, values_under_old_keys
from tests.conftest import PROJECT_ROOT


def _fill(db, traits, count: int = 60) -> str:  # type: ignore[no-untyped-def]
    from edge.ins_status import InsiResult, InsiReturnCode

    resident = admit_resident(db, "u", traits, room="7")
    from edge.ins import matricule_key

    body = "2350351215123"
    from edge.residents import record_identity_event

    record_identity_event(db, resident, "u", InsiResult(InsiReturnCode.FOUND,
                                                        body + matricule_key(body),
                                                        "1.2.250.1.213.1.4.10", True))
    for index in range(count):
        store_observations(db, [NewObservation("8867-4", "/min", 60 + index % 30,
                                               CaptureMethod.TYPED, db.now(), resident, "u")])
    add_note(db, resident, "u", "Sommeil", "Nuit calme")
    return body + matricule_key(body)


def test_an_interrupted_rotation_resumes_and_finishes(settings, db, traits) -> None:  # type: ignore[no-untyped-def]
    matricule = _fill(db, traits)
    kek = read_key_file(settings.key_file)
    polls = iter(range(1000))
    first = rotate_keys(db, kek, "u", batch=10, stop=lambda: next(polls) >= 3)
    assert first.retired_versions == []
    assert values_under_old_keys(db, 2) > 0
    resident = find_by_matricule(db, matricule, "u")  # readable mid-rotation
    second = rotate_keys(db, kek, "u", batch=10)
    assert second.resumed and second.version == 2 and second.retired_versions == [1]
    assert values_under_old_keys(db, 2) == 0
    assert len(list_observations(db, resident.id, "u")) == 60
    assert list_notes(db, resident.id, "u")[0].donnees == "Nuit calme"


def test_another_process_keeps_working_across_a_rotation(settings, db, traits) -> None:  # type: ignore[no-untyped-def]
    matricule = _fill(db, traits, count=5)
    other = open_record(settings)
    try:
        rotate_keys(db, read_key_file(settings.key_file), "u")
        resident = find_by_matricule(other, matricule, "u")
        store_observations(other, [NewObservation("8867-4", "/min", 71, CaptureMethod.TYPED,
                                                  other.now(), resident.id, "u")])
        assert other.keyring.active_version == 2
    finally:
        other.close()
    assert values_under_old_keys(db, 2) == 0


ROTATOR = """
import sys
from pathlib import Path
from edge.config import load_settings
from edge.datadir import open_record
from edge.keys import read_key_file
from edge.rotation import rotate_keys
settings = load_settings({}, {"data_dir": Path(sys.argv[1]), "key_file": Path(sys.argv[2])})
db = open_record(settings)
rotate_keys(db, read_key_file(settings.key_file), "u", batch=5)
"""


@pytest.mark.fault
def test_rotation_killed_at_random_moments_loses_nothing(settings, db, traits) -> None:  # type: ignore[no-untyped-def]
    matricule = _fill(db, traits, count=300)
    db.close()
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    cycles = max(5, int(os.environ.get("RELAIS_FAULT_CYCLES", "200")) // 20)
    for cycle in range(cycles):
        child = subprocess.Popen([sys.executable, "-c", ROTATOR, str(settings.data_dir),
                                  str(settings.key_file)], env=env, stderr=subprocess.DEVNULL)
        time.sleep(0.35 + 0.05 * (cycle % 7))
        child.send_signal(signal.SIGKILL)
        child.wait()
    final = open_record(settings)
    try:
        rotate_keys(final, read_key_file(settings.key_file), "u", batch=50)
        target = final.keyring.active_version
        assert values_under_old_keys(final, target) == 0
        resident = find_by_matricule(final, matricule, "u")
        assert len(list_observations(final, resident.id, "u")) == 300
    finally:
        final.close()
