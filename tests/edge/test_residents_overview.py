"""Tests of edge.residents_overview and edge.news2_sets.latest_sets: the Résidents list's data read
set-based and cached, and every change made through another connection to the record (another
process) showing on the very next read, even under a clock that does not move."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from edge import (
    AlertAction,
    CaptureMethod,
    Database,
    NewObservation,
    OverviewCache,
    RiskBand,
    Role,
    acknowledge_alert,
    add_user,
    admit_resident,
    amend_observation,
    latest_set,
    list_alerts,
    set_scale2_target,
    store_observations,
    update_care_context,
)
from edge.config import Settings
from edge.datadir import open_record
from edge.ins import validate_traits
from edge.news2_sets import latest_sets, settings_from_context
from edge.residents import get_resident
from tests.edge.vital_samples import CODES, NORMAL

T0 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
HIGH = {**NORMAL, "rr": 25, "spo2": 91, "pulse": 131}


@pytest.fixture
def fixed_db(db: Database) -> Database:
    db.clock = lambda: T0  # nothing here may rely on time moving
    return db


@pytest.fixture
def other(settings: Settings, fixed_db: Database) -> Iterator[Database]:
    """A second handle on the same record, as another process (devices, a second tablet) has."""
    second = open_record(settings)
    second.clock = lambda: T0
    yield second
    second.close()


def admit(db: Database, family: str, room: str) -> str:
    traits = validate_traits(birth_family_name=family, birth_given_names="Marie",
                             birth_date=date(1935, 3, 2), sex="F", birthplace="51215",
                             today=date(2026, 11, 22))
    return admit_resident(db, None, traits, room=room)


def store(db: Database, resident_id: str, at: datetime = T0, **values: float) -> list[str]:
    return store_observations(db, [
        NewObservation(CODES[key][0], CODES[key][1], float(value), CaptureMethod.TYPED,
                       at.isoformat(), resident_id, None) for key, value in values.items()])


def entry_of(cache: OverviewCache, db: Database, resident_id: str):  # noqa: ANN201 - test helper
    return next(e for e in cache.read(db).entries if e.resident.id == resident_id)


def test_the_overview_lists_present_residents_by_room_with_their_latest_set(fixed_db):
    later = admit(fixed_db, "Bernard", "12")
    first = admit(fixed_db, "Martin", "3")
    store(fixed_db, later, **NORMAL)
    overview = OverviewCache().read(fixed_db)
    assert [e.resident.room for e in overview.entries] == ["12", "3"]  # rooms sort as text
    by_id = {e.resident.id: e for e in overview.entries}
    assert by_id[later].scored == latest_set(fixed_db, later)
    assert by_id[first].scored is None and by_id[first].overdue(T0)
    assert by_id[later].due_at == T0 + timedelta(hours=12) and not by_id[later].overdue(T0)


def test_an_unchanged_record_gives_the_same_overview_signature_and_entries(fixed_db):
    resident = admit(fixed_db, "Martin", "3")
    store(fixed_db, resident, **NORMAL)
    cache = OverviewCache()
    first, second = cache.read(fixed_db), cache.read(fixed_db)
    assert first.signature == second.signature and first.entries is second.entries


def test_a_reading_stored_by_another_connection_shows_on_the_next_read(fixed_db, other):
    resident = admit(fixed_db, "Martin", "3")
    store(fixed_db, resident, **NORMAL)
    cache = OverviewCache()
    before = cache.read(fixed_db)
    store(other, resident, at=T0 + timedelta(minutes=5), pulse=131)
    after = cache.read(fixed_db)
    entry = next(e for e in after.entries if e.resident.id == resident)
    assert after.signature != before.signature
    assert entry.scored == latest_set(fixed_db, resident)
    assert entry.scored is not None and entry.scored.score.total == 3
    assert after.cursor.observations > before.cursor.observations


def test_an_amended_value_is_scored_again(fixed_db, other):
    resident = admit(fixed_db, "Martin", "3")
    ids = store(fixed_db, resident, **NORMAL)
    cache = OverviewCache()
    version = entry_of(cache, fixed_db, resident).version
    nurse = add_user(other, None, "ide.martin", "Claire Martin", Role.INFIRMIER,
                     "un mot de passe long")
    pulse_id = ids[list(NORMAL).index("pulse")]
    amend_observation(other, pulse_id, nurse, 135, "erreur de saisie")
    entry = entry_of(cache, fixed_db, resident)
    assert entry.version != version and entry.scored == latest_set(fixed_db, resident)
    assert entry.scored is not None and entry.scored.score.total == 3


def test_a_room_or_scale_change_shows_although_the_clock_did_not_move(fixed_db, other):
    resident = admit(fixed_db, "Martin", "3")
    store(fixed_db, resident, **{**NORMAL, "spo2": 89})
    cache = OverviewCache()
    assert entry_of(cache, fixed_db, resident).scored.score.total == 3
    doctor = add_user(other, None, "dr.roux", "Dr Roux", Role.MEDECIN, "un mot de passe long")
    update_care_context(other, resident, doctor, room="14")
    assert entry_of(cache, fixed_db, resident).resident.room == "14"
    set_scale2_target(other, resident, doctor, True)
    entry = entry_of(cache, fixed_db, resident)
    assert entry.scored == latest_set(fixed_db, resident)
    assert entry.scored.score.total == 0  # 89 % is on target under Scale 2


def test_alerts_opened_and_acknowledged_elsewhere_show_on_the_next_read(fixed_db, other):
    resident = admit(fixed_db, "Martin", "3")
    cache = OverviewCache()
    assert cache.read(fixed_db).open_alerts == {}
    store(other, resident, **HIGH)
    opened = cache.read(fixed_db)
    [alert] = opened.open_alerts[resident]
    assert alert.band is RiskBand.HIGH
    nurse = add_user(other, None, "ide.martin", "Claire Martin", Role.INFIRMIER,
                     "un mot de passe long")
    acknowledge_alert(other, alert.id, nurse, AlertAction.CALLED_MEDECIN)
    closed = cache.read(fixed_db)
    assert closed.open_alerts == {} and closed.signature != opened.signature
    assert list_alerts(fixed_db, None) == []


def test_a_resident_admitted_elsewhere_joins_the_list(fixed_db, other):
    admit(fixed_db, "Martin", "3")
    cache = OverviewCache()
    assert len(cache.read(fixed_db).entries) == 1
    newcomer = admit(other, "Bernard", "4")
    entries = cache.read(fixed_db).entries
    assert [e.resident.id for e in entries][-1] == newcomer
    assert entries[-1].resident == get_resident(fixed_db, newcomer, None)


def test_many_residents_are_scored_in_one_query_as_one_by_one(fixed_db):
    residents = [admit(fixed_db, name, str(room))
                 for room, name in enumerate(("Martin", "Bernard", "Petit", "Durand"))]
    store(fixed_db, residents[0], **NORMAL)
    store(fixed_db, residents[1], **HIGH)
    store(fixed_db, residents[1], at=T0 + timedelta(hours=3), pulse=60)  # partial newer value
    store(fixed_db, residents[2], at=T0 - timedelta(days=1), **NORMAL)
    store(fixed_db, residents[2], rr=22)  # the older values fall outside the set window
    same_time = store(fixed_db, residents[0], temp=38.5)  # same observed_at: the newer seq wins
    many = latest_sets(fixed_db, fixed_db.reader(), {
        rid: settings_from_context(get_resident(fixed_db, rid, None).care_context)
        for rid in residents})
    for rid in residents:
        assert many[rid] == latest_set(fixed_db, rid), rid
    assert many[residents[3]] is None
    assert many[residents[0]] is not None
    assert same_time[0] in {item.observation_id for item in many[residents[0]].values}
