"""Tests of edge.alerts and its hook in edge.observations: which sets open an alert, one alert per
episode, escalation, acknowledgement, partial sets, Scale 2 and baseline from the care context,
monitoring frequency and the live-changes cursor."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from edge import (
    AlertAction,
    AlertKind,
    AlertNotOpen,
    AlertState,
    CaptureMethod,
    Cursor,
    NewObservation,
    News2Parameter,
    RecordRejected,
    Response,
    RiskBand,
    Role,
    acknowledge_alert,
    add_user,
    admit_resident,
    amend_observation,
    changes_since,
    current_cursor,
    get_alert,
    latest_set,
    list_alerts,
    list_audit,
    observations_due,
    set_news2_baseline,
    set_scale2_target,
    store_observations,
    update_care_context,
)
from edge.datadir import open_record
from tests.edge.vital_samples import CODES, NORMAL

T0 = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


@pytest.fixture
def nurse(db):
    return add_user(db, None, "ide.martin", "Claire Martin", Role.INFIRMIER, "un mot de passe long")


@pytest.fixture
def resident(db, traits):
    return admit_resident(db, None, traits, room="12")


def store(db, resident_id, at=T0, author=None, **values):
    news = [NewObservation(CODES[key][0], CODES[key][1], float(value), CaptureMethod.TYPED,
                           at.isoformat(), resident_id, author) for key, value in values.items()]
    return store_observations(db, news)


def open_alerts(db, resident_id=None):
    return list_alerts(db, None, resident_id=resident_id)


def test_a_normal_complete_set_opens_no_alert(db, resident):
    store(db, resident, **NORMAL)
    assert open_alerts(db) == []
    scored = latest_set(db, resident)
    assert scored.score.total == 0 and scored.score.complete


def test_a_score_of_7_opens_a_high_alert_with_the_values_that_caused_it(db, resident):
    store(db, resident, **{**NORMAL, "rr": 25, "spo2": 91, "pulse": 131})  # 3 + 3 + 3
    [alert] = open_alerts(db)
    assert (alert.band, alert.score, alert.kind, alert.state) == (
        RiskBand.HIGH, 9, AlertKind.NEWS2, AlertState.OPEN)
    shown = {value.parameter: (value.display, value.points) for value in alert.values}
    assert shown[News2Parameter.RESPIRATION_RATE] == ("25", 3)
    assert shown[News2Parameter.SPO2] == ("91", 3)
    assert shown[News2Parameter.SUPPLEMENTAL_OXYGEN] == ("air", 0)
    assert shown[News2Parameter.CONSCIOUSNESS] == ("A", 0)
    assert alert.missing == () and alert.scale == 1


@pytest.mark.parametrize(("values", "band"), [
    ({"pulse": 131}, RiskBand.LOW_MEDIUM),                       # a single 3, total 3
    ({"rr": 21, "pulse": 111, "temp": 39.1}, RiskBand.MEDIUM),   # 2 + 2 + 2 = 6... key threshold
    ({"rr": 21, "pulse": 111, "temp": 38.1}, RiskBand.MEDIUM),   # 5
    ({"rr": 21, "pulse": 111, "temp": 39.1, "o2": 2}, RiskBand.HIGH),  # 8
])
def test_trigger_bands(db, resident, values, band):
    store(db, resident, **{**NORMAL, **values})
    assert [alert.band for alert in open_alerts(db)] == [band]


@pytest.mark.parametrize("values", [
    {"pulse": 91},                              # 1
    {"rr": 21, "pulse": 111},                   # 4 without a 3
])
def test_a_total_of_1_to_4_without_a_3_opens_no_alert(db, resident, values):
    store(db, resident, **{**NORMAL, **values})
    assert open_alerts(db) == []
    assert latest_set(db, resident).score.response is Response.NURSE_ASSESSMENT


def test_the_same_episode_opens_one_alert_only(db, resident):
    store(db, resident, **{**NORMAL, "pulse": 131})
    store(db, resident, at=T0 + timedelta(hours=1), **{**NORMAL, "pulse": 135})
    store(db, resident, at=T0 + timedelta(hours=2), **{**NORMAL, "pulse": 20 + 111})
    assert len(open_alerts(db)) == 1


def test_an_acknowledged_episode_does_not_reopen_at_the_same_band(db, resident, nurse):
    store(db, resident, **{**NORMAL, "rr": 21, "pulse": 111, "temp": 38.1})
    [alert] = open_alerts(db)
    acknowledge_alert(db, alert.id, nurse, AlertAction.CALLED_MEDECIN)
    store(db, resident, at=T0 + timedelta(hours=1), **{**NORMAL, "rr": 22, "pulse": 112,
                                                        "temp": 38.2})
    assert open_alerts(db) == []


def test_a_worse_band_escalates_and_names_the_alert_it_replaces(db, resident, nurse):
    store(db, resident, **{**NORMAL, "pulse": 131})
    [first] = open_alerts(db)
    store(db, resident, at=T0 + timedelta(minutes=30), **{**NORMAL, "pulse": 131, "rr": 25,
                                                           "acvpu": 2})
    [second] = open_alerts(db)
    assert second.band is RiskBand.HIGH and second.escalated_from == first.id
    assert get_alert(db, first.id, nurse).state is AlertState.ESCALATED
    with pytest.raises(AlertNotOpen, match="plus grave"):
        acknowledge_alert(db, first.id, nurse, AlertAction.CALLED_IDE)


def test_a_normal_complete_set_ends_the_episode_and_the_next_trigger_opens_a_new_alert(
        db, resident, nurse):
    store(db, resident, **{**NORMAL, "pulse": 131})
    [first] = open_alerts(db)
    acknowledge_alert(db, first.id, nurse, AlertAction.REMEASURED)
    store(db, resident, at=T0 + timedelta(hours=2), **NORMAL)
    assert get_alert(db, first.id, nurse).state is AlertState.RESOLVED
    store(db, resident, at=T0 + timedelta(hours=4), **{**NORMAL, "pulse": 131})
    [second] = open_alerts(db)
    assert second.id != first.id


def test_an_unacknowledged_alert_stays_open_after_the_values_return_to_normal(db, resident):
    store(db, resident, **{**NORMAL, "pulse": 131})
    store(db, resident, at=T0 + timedelta(hours=1), **NORMAL)
    assert [alert.state for alert in open_alerts(db)] == [AlertState.OPEN]


def test_acknowledging_records_who_when_the_action_and_a_sealed_note(db, resident, nurse):
    store(db, resident, **{**NORMAL, "rr": 30})
    [alert] = open_alerts(db)
    acknowledge_alert(db, alert.id, nurse, AlertAction.CALLED_SAMU, "  SAMU prévenu, départ  ")
    done = get_alert(db, alert.id, nurse)
    assert (done.state, done.acknowledged_by, done.action, done.ack_note) == (
        AlertState.ACKNOWLEDGED, nurse, AlertAction.CALLED_SAMU, "SAMU prévenu, départ")
    assert done.acknowledged_at is not None
    raw = sqlite3.connect(db.path).execute("SELECT ack_note FROM alerts").fetchone()[0]
    assert b"SAMU" not in raw
    with pytest.raises(AlertNotOpen, match="déjà"):
        acknowledge_alert(db, alert.id, nurse, AlertAction.CALLED_IDE)
    entries = [entry for entry in list_audit(db) if entry.object_type == "alert"]
    assert any(entry.actor_id == nurse and entry.resident_id == resident for entry in entries)


def test_an_acknowledgement_needs_a_known_action_and_a_short_note(db, resident, nurse):
    store(db, resident, **{**NORMAL, "rr": 30})
    [alert] = open_alerts(db)
    with pytest.raises(RecordRejected):
        acknowledge_alert(db, alert.id, nurse, "called_ide")  # type: ignore[arg-type]
    with pytest.raises(RecordRejected, match="limitée"):
        acknowledge_alert(db, alert.id, nurse, AlertAction.CALLED_IDE, "x" * 2001)


def test_a_partial_set_reaching_a_trigger_opens_a_partial_alert(db, resident):
    store(db, resident, spo2=88, pulse=72)  # device spot check: SpO2 scores 3
    [alert] = open_alerts(db)
    assert alert.kind is AlertKind.NEWS2_PARTIAL and alert.partial
    assert alert.band is RiskBand.LOW_MEDIUM
    assert News2Parameter.TEMPERATURE in alert.missing


def test_a_partial_set_below_the_triggers_neither_alerts_nor_ends_an_episode(db, resident, nurse):
    store(db, resident, **{**NORMAL, "pulse": 131})
    [alert] = open_alerts(db)
    acknowledge_alert(db, alert.id, nurse, AlertAction.CALLED_IDE)
    store(db, resident, at=T0 + timedelta(hours=3), temp=37.0)
    assert get_alert(db, alert.id, nurse).state is AlertState.ACKNOWLEDGED


def test_values_further_apart_than_the_window_do_not_make_one_set(db, resident):
    store(db, resident, **{**NORMAL, "pulse": 131})
    store(db, resident, at=T0 + timedelta(hours=1, seconds=1), temp=37.0)
    scored = latest_set(db, resident)
    assert [value.parameter for value in scored.values] == [News2Parameter.TEMPERATURE]
    assert scored.partial


def test_values_within_the_window_combine_into_one_set(db, resident):
    store(db, resident, **{key: value for key, value in NORMAL.items() if key != "temp"})
    store(db, resident, at=T0 + timedelta(minutes=59), temp=39.5)
    scored = latest_set(db, resident)
    assert scored.score.complete and scored.score.total == 2


def test_a_device_reading_stored_through_the_same_path_opens_the_alert(db, resident):
    news = [NewObservation("2708-6", "%", 85.0, CaptureMethod.DEVICE, T0.isoformat(), resident,
                           device_id=None)]
    store_observations(db, news)
    assert [alert.band for alert in open_alerts(db)] == [RiskBand.LOW_MEDIUM]


def test_an_amendment_is_scored_in_place_of_the_value_it_corrects(db, resident, nurse):
    ids = store(db, resident, author=nurse, **NORMAL)
    pulse_id = ids[list(NORMAL).index("pulse")]
    amend_observation(db, pulse_id, nurse, 135.0, "erreur de saisie")
    [alert] = open_alerts(db)
    assert alert.band is RiskBand.LOW_MEDIUM
    assert latest_set(db, resident).value(News2Parameter.PULSE).value == 135.0


def test_a_rejected_batch_stores_no_alert(db, resident):
    with pytest.raises(RecordRejected):
        store(db, resident, spo2=140, rr=40)
    assert open_alerts(db) == []


def test_scale_2_applies_only_once_a_clinician_set_it(db, resident, nurse):
    store(db, resident, **{**NORMAL, "spo2": 89})
    assert latest_set(db, resident).score.points(News2Parameter.SPO2) == 3
    set_scale2_target(db, resident, nurse, True)
    scored = latest_set(db, resident)
    assert scored.score.points(News2Parameter.SPO2) == 0
    assert scored.score.inputs.scale2_target.set_by == nurse
    set_scale2_target(db, resident, nurse, False)
    assert latest_set(db, resident).score.points(News2Parameter.SPO2) == 3


def test_scale_2_on_oxygen_scores_high_saturations(db, resident, nurse):
    set_scale2_target(db, resident, nurse, True)
    store(db, resident, **{**NORMAL, "spo2": 97, "o2": 2})
    scored = latest_set(db, resident)
    assert scored.score.points(News2Parameter.SPO2) == 3
    assert scored.score.points(News2Parameter.SUPPLEMENTAL_OXYGEN) == 2


def test_the_baseline_is_shown_beside_the_band_and_survives_a_care_context_edit(
        db, resident, nurse):
    set_news2_baseline(db, resident, nurse, 2, "BPCO connue")
    update_care_context(db, resident, nurse, context={"medecin_traitant": "Dr Exemple"})
    store(db, resident, **{**NORMAL, "rr": 21, "pulse": 111, "temp": 38.1})
    scored = latest_set(db, resident)
    assert scored.baseline is not None and scored.baseline.delta == 3
    assert "+3" in scored.baseline.label
    [alert] = open_alerts(db)
    assert alert.baseline_label == scored.baseline.label
    with pytest.raises(RecordRejected):
        set_news2_baseline(db, resident, nurse, 21)


@pytest.mark.parametrize(("values", "hours", "response"), [
    (NORMAL, 12, Response.ROUTINE),
    ({**NORMAL, "pulse": 91}, 4, Response.NURSE_ASSESSMENT),
    ({**NORMAL, "pulse": 131}, 1, Response.MEDICAL_REVIEW),
    ({**NORMAL, "rr": 21, "pulse": 111, "temp": 38.1}, 1, Response.URGENT),
])
def test_the_next_set_is_due_after_the_monitoring_interval(db, resident, values, hours, response):
    store(db, resident, **values)
    scored = latest_set(db, resident)
    due = observations_due(resident, scored, T0 + timedelta(hours=hours) - timedelta(seconds=1))
    assert due.response is response and not due.overdue
    assert due.due_at == (T0 + timedelta(hours=hours)).isoformat()
    assert observations_due(resident, scored, T0 + timedelta(hours=hours)).overdue


def test_a_high_score_means_continuous_monitoring_and_no_set_means_due_now(db, resident):
    assert observations_due(resident, None, T0).overdue
    store(db, resident, **{**NORMAL, "rr": 25, "spo2": 91, "pulse": 131})
    due = observations_due(resident, latest_set(db, resident), T0)
    assert due.continuous and due.overdue and due.due_at is None


def test_changes_since_a_cursor_see_a_write_made_through_another_record_handle(
        db, resident, settings):
    start = current_cursor(db)
    other = open_record(settings)  # what the devices process holds
    try:
        store(other, resident, **{**NORMAL, "rr": 30})
    finally:
        other.close()
    changes = changes_since(db, start)
    assert len(changes.observations) == 7 and len(changes.alerts) == 1
    assert changes.residents == (resident,) and changes.open_alerts == 1
    assert changes_since(db, changes.cursor).observations == ()
    assert Cursor.parse(str(changes.cursor)) == changes.cursor
    with pytest.raises(RecordRejected):
        Cursor.parse("1;DROP")
