"""Tests of correcting a stored vital sign (edge.observations.amend_observation) and reading the
history back (edge.observation_history): who/when/why kept, the original kept, the carer's own-entry
rule, the score preview and recomputation, and the alert after a correction that scores higher or
lower."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from edge import (
    MAX_REASON_CHARS,
    AlertAction,
    AlertState,
    AuditAction,
    CaptureMethod,
    NewObservation,
    News2Parameter,
    NotOwnEntry,
    RecordRejected,
    RiskBand,
    Role,
    acknowledge_alert,
    add_user,
    admit_resident,
    amend_observation,
    amended_among,
    latest_set,
    list_alerts,
    list_audit,
    observation_history,
    observation_origins,
    observation_versions,
    preview_correction,
    store_observations,
)
from tests.edge.vital_samples import CODES, NORMAL

T0 = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


@pytest.fixture
def nurse(db):
    return add_user(db, None, "ide.martin", "Claire Martin", Role.INFIRMIER, "un mot de passe long")


@pytest.fixture
def carer(db):
    return add_user(db, None, "as.durand", "Léa Durand", Role.AIDE_SOIGNANT,
                    "un mot de passe long")


@pytest.fixture
def resident(db, traits):
    return admit_resident(db, None, traits, room="12")


def store(db, resident_id, at=T0, author=None, **values):
    return store_observations(db, [
        NewObservation(CODES[key][0], CODES[key][1], float(value), CaptureMethod.TYPED,
                       at.isoformat(), resident_id, author) for key, value in values.items()])


def pulse_of(ids):
    return ids[list(NORMAL).index("pulse")]


def test_a_correction_keeps_the_original_and_records_who_when_and_why(db, resident, carer,
                                                                     nurse):
    pulse = pulse_of(store(db, resident, author=carer, **{**NORMAL, "pulse": 19}))
    new = amend_observation(db, pulse, nurse, 91, "  erreur de frappe (91)  ")
    versions = observation_versions(db, pulse, nurse)
    assert versions.corrected and versions.current.id == new
    assert (versions.original.id, versions.original.value, versions.original.author_id) == (
        pulse, 19, carer)
    assert versions.original.amended_by == new
    current = versions.current
    assert (current.value, current.author_id, current.reason, current.amends_id) == (
        91, nurse, "erreur de frappe (91)", pulse)
    assert current.observed_at == versions.original.observed_at
    assert current.recorded_at and current.method is CaptureMethod.TYPED
    [entry] = [e for e in list_audit(db, limit=1000) if e.action == AuditAction.AMEND.value]
    assert (entry.actor_id, entry.object_id, entry.resident_id) == (nurse, new, resident)
    assert entry.details == {"amends": pulse, "code": "8867-4"}


def test_a_second_correction_follows_the_chain_and_the_old_version_is_refused(db, resident,
                                                                             nurse):
    pulse = pulse_of(store(db, resident, author=nurse, **NORMAL))
    second = amend_observation(db, pulse, nurse, 80, "mauvais résident")
    third = amend_observation(db, second, nurse, 82, "relu sur l'appareil")
    with pytest.raises(RecordRejected, match="déjà été corrigée"):
        amend_observation(db, pulse, nurse, 60, "encore")
    versions = observation_versions(db, second, nurse)
    assert [obs.value for obs in versions.earlier] == [70, 80]
    assert versions.current.id == third and versions.current.value == 82


@pytest.mark.parametrize(("value", "reason", "message"), [
    (140.0, "erreur", "impossible"),
    (91.0, "   ", "raison de la correction"),
    (91.0, "x" * (MAX_REASON_CHARS + 1), "limitée à 500"),
])
def test_an_impossible_value_or_a_bad_reason_is_refused_and_nothing_is_stored(
        db, resident, nurse, value, reason, message):
    spo2 = store(db, resident, author=nurse, **NORMAL)[1]
    with pytest.raises(RecordRejected, match=message):
        amend_observation(db, spo2, nurse, value, reason)
    assert not observation_versions(db, spo2, nurse).corrected


def test_a_carer_corrects_only_what_they_entered_themselves(db, resident, carer, nurse):
    own = pulse_of(store(db, resident, author=carer, **NORMAL))
    other = pulse_of(store(db, resident, at=T0 + timedelta(hours=2), author=nurse, **NORMAL))
    with pytest.raises(NotOwnEntry, match="quelqu'un d'autre"):
        amend_observation(db, other, carer, 75, "erreur", own_only=True)
    fixed = amend_observation(db, own, carer, 75, "erreur", own_only=True)
    assert observation_origins(db, [fixed])[fixed].corrects == own
    origins = observation_origins(db, [own, other])
    assert {key: origin.author_id for key, origin in origins.items()} == {own: carer, other: nurse}
    assert amended_among(db, [own, other]) == frozenset({own})


def test_the_preview_scores_the_latest_set_with_the_corrected_value_without_storing(
        db, resident, nurse):
    pulse = pulse_of(store(db, resident, author=nurse, **{**NORMAL, "pulse": 19}))
    before, after = preview_correction(db, resident, pulse, 91)
    assert before.score.points(News2Parameter.PULSE) == 3
    assert after.score.points(News2Parameter.PULSE) == 1 and after.score.total == 1
    assert latest_set(db, resident).value(News2Parameter.PULSE).value == 19
    old = pulse_of(store(db, resident, at=T0 - timedelta(days=1), author=nurse, **NORMAL))
    assert preview_correction(db, resident, old, 150) == (before, before)


def test_a_correction_that_scores_worse_opens_an_escalating_alert(db, resident, nurse):
    ids = store(db, resident, author=nurse, **{**NORMAL, "spo2": 91})
    [first] = list_alerts(db, None, resident_id=resident)
    assert first.band is RiskBand.LOW_MEDIUM
    amend_observation(db, pulse_of(ids), nurse, 135, "relu sur le scope")
    scored = latest_set(db, resident)
    assert scored.score.total == 6 and scored.value(News2Parameter.PULSE).value == 135
    [alert] = list_alerts(db, None, resident_id=resident)
    assert alert.band is RiskBand.MEDIUM and alert.escalated_from == first.id
    assert alert.values[list(NORMAL).index("pulse")].observation_id != pulse_of(ids)


def test_a_correction_that_scores_lower_leaves_the_open_alert_for_a_person_to_acknowledge(
        db, resident, nurse):
    ids = store(db, resident, author=nurse, **{**NORMAL, "pulse": 19})
    [alert] = list_alerts(db, None, resident_id=resident)
    pulse = pulse_of(ids)
    assert pulse in {value.observation_id for value in alert.values}
    amend_observation(db, pulse, nurse, 91, "erreur de frappe")
    assert latest_set(db, resident).score.total == 1
    [still] = list_alerts(db, None, resident_id=resident)
    assert still.id == alert.id and still.state is AlertState.OPEN
    assert amended_among(db, [value.observation_id for value in still.values]) == {pulse}
    acknowledge_alert(db, alert.id, nurse, AlertAction.ENTRY_ERROR)
    assert list_alerts(db, None, resident_id=resident) == []


def test_the_history_lists_sets_newest_first_page_by_page_with_their_versions(
        db, resident, carer, nurse):
    sets = [store(db, resident, at=T0 + timedelta(hours=hour), author=carer, **NORMAL)
            for hour in range(5)]
    alone = store(db, resident, at=T0 + timedelta(hours=5), author=carer, temp=37.2)[0]
    amend_observation(db, alone, nurse, 37.4, "thermomètre mal placé")
    amend_observation(db, pulse_of(sets[3]), nurse, 88, "erreur de frappe")
    first = observation_history(db, resident, nurse, page=1, page_size=3)
    assert first.has_more and first.page == 1
    assert [len(group.values) for group in first.groups] == [1, 7, 7]
    [single] = first.groups[0].values
    assert single.current.value == 37.4 and single.original.value == 37.2
    corrected = [item for item in first.groups[2].values if item.corrected]
    assert [(item.original.value, item.current.value) for item in corrected] == [(70, 88)]
    second = observation_history(db, resident, nurse, page=2, page_size=3)
    assert not second.has_more and len(second.groups) == 3
    assert second.groups[0].observed_at > second.groups[-1].observed_at
    reads = [e for e in list_audit(db, limit=1000)
             if e.action == "read" and e.object_type == "observations"]
    assert [(e.actor_id, e.resident_id, e.details["page"]) for e in reads] == [
        (nurse, resident, 2), (nurse, resident, 1)]  # newest first
