"""Tests of edge.news2: every boundary of every parameter, red score, totals, partial sets, bands,
response and monitoring, RESTORE2 baseline."""

from __future__ import annotations

import math
import re
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.errors import RecordRejected
from edge.news2 import (
    MAX_TOTAL,
    SET_WINDOW,
    Acvpu,
    BaselineChange,
    News2Baseline,
    News2InputRejected,
    News2Inputs,
    News2Parameter,
    Response,
    RiskBand,
    Scale2Target,
    Spo2Scale,
    compare_with_baseline,
    response_for,
    score_news2,
)

P = News2Parameter
NOW = datetime(2026, 11, 22, 3, 15)
TARGET = Scale2Target(set_by="medecin-7", set_at=datetime(2026, 10, 1, 10, 0))
NORMAL = News2Inputs(
    respiration_rate=16,
    spo2=97,
    supplemental_oxygen=False,
    systolic_bp=130,
    pulse=70,
    consciousness=Acvpu.ALERT,
    temperature=37.0,
)
SCALE_2 = {"scale2_target": TARGET}
SHARED = Path(__file__).resolve().parents[2].parent / "shared"

# CLINICAL.md §2.1 written as inclusive ranges (low, high, points), the way the chart reads.
INF = math.inf
RANGES = {
    "respiration_rate": [(0, 8, 3), (9, 11, 1), (12, 20, 0), (21, 24, 2), (25, INF, 3)],
    "spo2_scale_1": [(0, 91, 3), (92, 93, 2), (94, 95, 1), (96, 100, 0)],
    "spo2_scale_2_air": [(0, 83, 3), (84, 85, 2), (86, 87, 1), (88, 100, 0)],
    "spo2_scale_2_oxygen": [
        (0, 83, 3),
        (84, 85, 2),
        (86, 87, 1),
        (88, 92, 0),
        (93, 94, 1),
        (95, 96, 2),
        (97, 100, 3),
    ],
    "systolic_bp": [(0, 90, 3), (91, 100, 2), (101, 110, 1), (111, 219, 0), (220, INF, 3)],
    "pulse": [(0, 40, 3), (41, 50, 1), (51, 90, 0), (91, 110, 1), (111, 130, 2), (131, INF, 3)],
    "temperature": [
        (0, 35.0, 3),
        (35.1, 36.0, 1),
        (36.1, 38.0, 0),
        (38.1, 39.0, 1),
        (39.1, INF, 2),
    ],
}


def chart_points(ranges, value):
    matches = [points for low, high, points in ranges if low <= value <= high]
    assert len(matches) == 1, (value, matches)
    return matches[0]


def one(parameter, value, **others):
    """Score a set holding one parameter (and what it needs), return that parameter's points."""
    return score_news2(News2Inputs(**{parameter.value: value}, **others)).points(parameter)


# --- every boundary, both sides --------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "points"),
    [(0, 3), (8, 3), (9, 1), (11, 1), (12, 0), (20, 0), (21, 2), (24, 2), (25, 3), (60, 3)],
)
def test_respiration_rate_boundaries(value, points):
    assert one(P.RESPIRATION_RATE, value) == points


@pytest.mark.parametrize(
    ("value", "points"),
    [(0, 3), (91, 3), (92, 2), (93, 2), (94, 1), (95, 1), (96, 0), (100, 0)],
)
@pytest.mark.parametrize("oxygen", [False, True, None])
def test_spo2_scale_1_boundaries_do_not_depend_on_oxygen(value, points, oxygen):
    assert one(P.SPO2, value, supplemental_oxygen=oxygen) == points


@pytest.mark.parametrize(
    ("value", "points"),
    [(0, 3), (83, 3), (84, 2), (85, 2), (86, 1), (87, 1), (88, 0), (92, 0), (93, 0), (100, 0)],
)
def test_spo2_scale_2_boundaries_on_air(value, points):
    assert one(P.SPO2, value, supplemental_oxygen=False, scale2_target=TARGET) == points


@pytest.mark.parametrize(
    ("value", "points"),
    [
        (83, 3),
        (84, 2),
        (85, 2),
        (86, 1),
        (87, 1),
        (88, 0),
        (92, 0),
        (93, 1),
        (94, 1),
        (95, 2),
        (96, 2),
        (97, 3),
        (100, 3),
    ],
)
def test_spo2_scale_2_boundaries_supplemental_oxygen(value, points):
    assert one(P.SPO2, value, supplemental_oxygen=True, scale2_target=TARGET) == points


@pytest.mark.parametrize(("value", "points"), [(0, 3), (83, 3), (84, 2), (87, 1), (88, 0), (92, 0)])
def test_spo2_scale_2_up_to_92_is_scored_without_knowing_air_or_oxygen(value, points):
    assert one(P.SPO2, value, scale2_target=TARGET) == points


@pytest.mark.parametrize("value", [93, 96, 100])
def test_spo2_scale_2_from_93_is_unscored_without_knowing_air_or_oxygen(value):
    result = score_news2(News2Inputs(spo2=value, scale2_target=TARGET))
    assert result.points(P.SPO2) is None
    assert P.SPO2 in result.missing
    assert P.SUPPLEMENTAL_OXYGEN in result.missing


@pytest.mark.parametrize(("supplemental_oxygen", "points"), [(False, 0), (True, 2)])
def test_supplemental_oxygen_adds_2_on_either_scale(supplemental_oxygen, points):
    assert one(P.SUPPLEMENTAL_OXYGEN, supplemental_oxygen) == points
    assert one(P.SUPPLEMENTAL_OXYGEN, supplemental_oxygen, scale2_target=TARGET) == points


@pytest.mark.parametrize(
    ("value", "points"),
    [
        (0, 3),
        (90, 3),
        (91, 2),
        (100, 2),
        (101, 1),
        (110, 1),
        (111, 0),
        (219, 0),
        (220, 3),
        (300, 3),
    ],
)
def test_systolic_bp_boundaries(value, points):
    assert one(P.SYSTOLIC_BP, value) == points


@pytest.mark.parametrize(
    ("value", "points"),
    [
        (0, 3),
        (40, 3),
        (41, 1),
        (50, 1),
        (51, 0),
        (90, 0),
        (91, 1),
        (110, 1),
        (111, 2),
        (130, 2),
        (131, 3),
        (250, 3),
    ],
)
def test_pulse_boundaries(value, points):
    assert one(P.PULSE, value) == points


@pytest.mark.parametrize(
    ("value", "points"),
    [
        (30.0, 3),
        (35.0, 3),
        (35.1, 1),
        (36.0, 1),
        (36.1, 0),
        (38.0, 0),
        (38.1, 1),
        (39.0, 1),
        (39.1, 2),
        (42.0, 2),
    ],
)
def test_temperature_boundaries(value, points):
    assert one(P.TEMPERATURE, value) == points


@pytest.mark.parametrize(
    ("value", "points"),
    [
        (Acvpu.ALERT, 0),
        (Acvpu.NEW_CONFUSION, 3),
        (Acvpu.VOICE, 3),
        (Acvpu.PAIN, 3),
        (Acvpu.UNRESPONSIVE, 3),
    ],
)
def test_consciousness_alert_scores_0_and_cvpu_scores_3(value, points):
    assert one(P.CONSCIOUSNESS, value) == points


@pytest.mark.parametrize(
    ("parameter", "value", "points"),
    [
        (P.TEMPERATURE, 35.05, 1),
        (P.TEMPERATURE, 36.04, 0),
        (P.TEMPERATURE, 38.04, 1),
        (P.TEMPERATURE, 39.01, 2),
        (P.RESPIRATION_RATE, 8.5, 1),
        (P.PULSE, 130.5, 3),
    ],
)
def test_values_between_two_rows_are_never_rounded_down(parameter, value, points):
    assert one(parameter, value) == points


# --- whole ranges against the chart ----------------------------------------------------------


@pytest.mark.parametrize(
    ("parameter", "table", "values", "others"),
    [
        (P.RESPIRATION_RATE, "respiration_rate", range(0, 61), {}),
        (P.SPO2, "spo2_scale_1", range(0, 101), {}),
        (P.SPO2, "spo2_scale_2_air", range(0, 101), {"supplemental_oxygen": False, **SCALE_2}),
        (P.SPO2, "spo2_scale_2_oxygen", range(0, 101), {"supplemental_oxygen": True, **SCALE_2}),
        (P.SYSTOLIC_BP, "systolic_bp", range(0, 301), {}),
        (P.PULSE, "pulse", range(0, 251), {}),
        (P.TEMPERATURE, "temperature", [round(25 + i / 10, 1) for i in range(200)], {}),
    ],
)
def test_every_value_of_each_range_scores_as_the_chart(parameter, table, values, others):
    for value in values:
        assert one(parameter, value, **others) == chart_points(RANGES[table], value), value


def _spec_rows():
    path = SHARED / "specs" / "CLINICAL.md"
    if not path.is_file():
        pytest.skip("../shared/ is absent: the NEWS2 chart in CLINICAL.md cannot be cross-checked")
    rows = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 8:
            rows[cells[0]] = cells[1:]
    return rows


CELL = re.compile(r"(≤|≥)?(\d+(?:\.\d)?)(?:–(\d+(?:\.\d)?))?(?: on (air|O2))?")
CHART_POINTS = (3, 2, 1, 0, 1, 2, 3)


def _ranges_from_spec(cells, oxygen):
    """Turn one chart row into (low, high, points), keeping the parts valid for `oxygen`."""
    ranges = []
    for cell, points in zip(cells, CHART_POINTS, strict=True):
        for sign, first, second, air in CELL.findall(cell):
            if (air == "air" and oxygen) or (air == "O2" and not oxygen):
                continue
            low, high = float(first), float(second or first)
            if sign == "≤":
                low = 0.0
            elif sign == "≥":
                high = INF
            ranges.append((low, high, points))
    return ranges


@pytest.mark.parametrize(
    ("row", "parameter", "values", "others"),
    [
        ("Respiration rate (/min)", P.RESPIRATION_RATE, range(0, 61), {}),
        ("SpO2 **Scale 1** (%)", P.SPO2, range(0, 101), {}),
        ("SpO2 **Scale 2** (%)¹", P.SPO2, range(0, 101), {"supplemental_oxygen": False}),
        ("SpO2 **Scale 2** (%)¹", P.SPO2, range(0, 101), {"supplemental_oxygen": True}),
        ("Systolic BP (mmHg)", P.SYSTOLIC_BP, range(0, 301), {}),
        ("Pulse (/min)", P.PULSE, range(0, 251), {}),
        ("Temperature (°C)", P.TEMPERATURE, [round(25 + i / 10, 1) for i in range(200)], {}),
    ],
)
def test_scores_match_the_chart_in_the_clinical_spec(row, parameter, values, others):
    cells = _spec_rows()[row]
    ranges = _ranges_from_spec(cells, others.get("supplemental_oxygen", False))
    if "Scale 2" in row:
        others = {**others, "scale2_target": TARGET}
    for value in values:
        assert one(parameter, value, **others) == chart_points(ranges, value), value


# --- scale choice ----------------------------------------------------------------------------


def test_scale_1_applies_unless_a_clinician_set_the_scale_2_target():
    assert score_news2(News2Inputs(spo2=90)).scale is Spo2Scale.SCALE_1
    assert score_news2(News2Inputs(spo2=90)).points(P.SPO2) == 3
    result = score_news2(News2Inputs(spo2=90, scale2_target=TARGET))
    assert result.scale is Spo2Scale.SCALE_2
    assert result.points(P.SPO2) == 0
    assert result.inputs.scale2_target is not None
    assert result.inputs.scale2_target.set_by == "medecin-7"


@pytest.mark.parametrize("who", ["", "  "])
def test_a_scale_2_target_must_name_the_clinician(who):
    with pytest.raises(News2InputRejected, match="clinicien"):
        Scale2Target(set_by=who, set_at=NOW)


# --- totals, red score, bands ----------------------------------------------------------------


def test_a_normal_complete_set_scores_0_low_risk_every_12_hours():
    result = score_news2(NORMAL)
    assert result.complete
    assert result.missing == ()
    assert result.total == 0
    assert result.band is RiskBand.LOW
    assert result.response is Response.ROUTINE
    assert result.response.monitoring_interval == timedelta(hours=12)
    assert result.red_parameters == ()


def test_the_worst_set_scores_the_maximum_of_20():
    worst = News2Inputs(
        respiration_rate=30,
        spo2=85,
        supplemental_oxygen=True,
        systolic_bp=80,
        pulse=140,
        consciousness=Acvpu.UNRESPONSIVE,
        temperature=34.0,
    )
    result = score_news2(worst)
    assert result.total == MAX_TOTAL == 20
    assert result.band is RiskBand.HIGH
    assert result.response.monitoring_interval is None


def test_the_total_is_the_sum_of_the_sub_scores_shown():
    result = score_news2(
        News2Inputs(
            respiration_rate=22,  # 2
            spo2=95,  # 1
            supplemental_oxygen=True,  # 2
            systolic_bp=105,  # 1
            pulse=95,  # 1
            consciousness=Acvpu.ALERT,  # 0
            temperature=38.5,  # 1
        )
    )
    assert [sub.points for sub in result.subscores] == [2, 1, 2, 1, 1, 0, 1]
    assert [sub.parameter for sub in result.subscores] == list(News2Parameter)
    assert result.total == 8
    assert result.band is RiskBand.HIGH


def test_a_single_3_with_a_low_total_is_the_low_medium_band_hourly():
    result = score_news2(replace(NORMAL, pulse=38))
    assert result.total == 3
    assert result.red_parameters == (P.PULSE,)
    assert result.band is RiskBand.LOW_MEDIUM
    assert result.response is Response.MEDICAL_REVIEW
    assert result.response.monitoring_interval == timedelta(hours=1)


def test_new_confusion_alone_is_a_red_score():
    result = score_news2(replace(NORMAL, consciousness=Acvpu.NEW_CONFUSION))
    assert result.total == 3
    assert result.red_parameters == (P.CONSCIOUSNESS,)
    assert result.band is RiskBand.LOW_MEDIUM


def test_a_total_of_4_without_a_3_is_low_and_with_a_3_low_medium():
    without = score_news2(replace(NORMAL, respiration_rate=22, systolic_bp=95))
    assert (without.total, without.red_parameters) == (4, ())
    assert without.band is RiskBand.LOW
    assert without.response is Response.NURSE_ASSESSMENT
    assert without.response.monitoring_interval == timedelta(hours=4)
    with_red = score_news2(replace(NORMAL, respiration_rate=10, systolic_bp=85))
    assert (with_red.total, with_red.red_parameters) == (4, (P.SYSTOLIC_BP,))
    assert with_red.band is RiskBand.LOW_MEDIUM


def _fields(inputs):
    return {name: getattr(inputs, name) for name in News2Inputs.__dataclass_fields__}


def oracle_band(total, red):
    """CLINICAL.md §2.2, read row by row; the higher band wins."""
    if total >= 7:
        return RiskBand.HIGH
    if 5 <= total <= 6:
        return RiskBand.MEDIUM
    if red:
        return RiskBand.LOW_MEDIUM
    return RiskBand.LOW


@pytest.mark.parametrize(
    ("total", "red"),
    [(total, red) for total in range(0, 21) for red in (False, True) if total >= 3 or not red],
)
def test_band_and_monitoring_for_every_total(total, red):
    response = response_for(total, red)
    assert response.band is oracle_band(total, red)
    hours = {RiskBand.HIGH: None, RiskBand.MEDIUM: 1, RiskBand.LOW_MEDIUM: 1}.get(response.band)
    if response.band is RiskBand.LOW:
        hours = 12 if total == 0 else 4
    expected = None if hours is None else timedelta(hours=hours)
    assert response.monitoring_interval == expected


@pytest.mark.parametrize(
    ("total", "response"),
    [
        (0, Response.ROUTINE),
        (1, Response.NURSE_ASSESSMENT),
        (4, Response.NURSE_ASSESSMENT),
        (5, Response.URGENT),
        (6, Response.URGENT),
        (7, Response.EMERGENCY),
    ],
)
def test_band_thresholds_at_1_5_and_7(total, response):
    assert response_for(total, red_score=False) is response


def test_responses_carry_french_actions_and_monitoring_labels():
    assert "12 h" in Response.ROUTINE.monitoring_label
    assert "4 à 6 h" in Response.NURSE_ASSESSMENT.monitoring_label
    assert "continu" in Response.EMERGENCY.monitoring_label
    assert "urgente" in Response.URGENT.action
    assert all(r.action.endswith(".") for r in Response)
    assert all(band.label for band in RiskBand)


def test_the_next_set_is_due_after_the_monitoring_interval():
    assert Response.ROUTINE.next_set_due(NOW) == NOW + timedelta(hours=12)
    assert Response.URGENT.next_set_due(NOW) == NOW + timedelta(hours=1)
    assert Response.EMERGENCY.next_set_due(NOW) is None


def test_the_set_window_is_one_hour():
    assert SET_WINDOW == timedelta(hours=1)


numbers = st.one_of(st.none(), st.integers(min_value=0, max_value=300))
inputs_strategy = st.builds(
    News2Inputs,
    respiration_rate=numbers,
    spo2=st.one_of(st.none(), st.integers(min_value=0, max_value=100)),
    supplemental_oxygen=st.one_of(st.none(), st.booleans()),
    systolic_bp=numbers,
    pulse=numbers,
    consciousness=st.one_of(st.none(), st.sampled_from(Acvpu)),
    temperature=st.one_of(st.none(), st.floats(min_value=25, max_value=45)),
    scale2_target=st.one_of(st.none(), st.just(TARGET)),
)


@given(inputs_strategy)
def test_totals_missing_and_red_parameters_agree_with_the_sub_scores(inputs):
    result = score_news2(inputs)
    scored = [sub for sub in result.subscores if sub.points is not None]
    assert result.total == sum(sub.points for sub in scored)
    assert 0 <= result.total <= MAX_TOTAL
    assert result.missing == tuple(sub.parameter for sub in result.subscores if sub.points is None)
    assert result.red_parameters == tuple(sub.parameter for sub in scored if sub.points == 3)
    assert result.response is response_for(result.total, bool(result.red_parameters))
    assert result.band == (result.band_at_least if result.complete else None)


# --- partial sets ----------------------------------------------------------------------------


def test_a_partial_set_lists_what_is_missing_and_has_no_band():
    result = score_news2(News2Inputs(pulse=120, temperature=38.5))
    assert not result.complete
    assert result.missing == (
        P.RESPIRATION_RATE,
        P.SPO2,
        P.SUPPLEMENTAL_OXYGEN,
        P.SYSTOLIC_BP,
        P.CONSCIOUSNESS,
    )
    assert result.points(P.PULSE) == 2
    assert result.points(P.TEMPERATURE) == 1
    assert result.points(P.SPO2) is None
    assert result.total == 3
    assert result.band is None
    assert result.band_at_least is RiskBand.LOW


def test_a_partial_set_already_at_7_is_at_least_high():
    inputs = News2Inputs(respiration_rate=30, systolic_bp=85, consciousness=Acvpu.VOICE)
    result = score_news2(inputs)
    assert result.total == 9
    assert result.band is None
    assert result.band_at_least is RiskBand.HIGH
    assert result.response is Response.EMERGENCY


def test_an_empty_set_misses_all_seven_parameters():
    result = score_news2(News2Inputs())
    assert result.missing == tuple(News2Parameter)
    assert result.total == 0
    assert result.band is None


@pytest.mark.parametrize("parameter", list(News2Parameter))
def test_leaving_out_any_one_parameter_makes_the_set_partial(parameter):
    fields = _fields(NORMAL)
    fields[parameter.value] = None
    result = score_news2(News2Inputs(**fields))
    assert not result.complete
    assert result.missing == (parameter,)


# --- impossible inputs -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("respiration_rate", -1),
        ("pulse", -0.5),
        ("systolic_bp", math.nan),
        ("temperature", math.inf),
        ("spo2", 101),
        ("spo2", -1),
    ],
)
def test_values_that_cannot_be_measurements_are_refused(field, value):
    with pytest.raises(News2InputRejected) as caught:
        News2Inputs(**{field: value})
    assert isinstance(caught.value, RecordRejected)


@pytest.mark.parametrize("value", [True, "12"])
def test_a_non_number_is_a_programming_error(value):
    with pytest.raises(TypeError):
        News2Inputs(pulse=value)


@pytest.mark.parametrize(
    ("field", "value"), [("consciousness", "A"), ("supplemental_oxygen", 1), ("temperature", "37")]
)
def test_untyped_values_are_refused_rather_than_scored(field, value):
    with pytest.raises(TypeError):
        News2Inputs(**{field: value})


def test_labels_are_french():
    assert P.SYSTOLIC_BP.label == "Pression artérielle systolique"
    assert Acvpu.NEW_CONFUSION.label == "Confusion nouvelle"
    assert all(p.label for p in News2Parameter)
    assert [a.value for a in Acvpu] == ["A", "C", "V", "P", "U"]


# --- RESTORE2 baseline -----------------------------------------------------------------------


def baseline(total):
    return News2Baseline(total=total, set_by="medecin-co", set_at=NOW - timedelta(days=30))


def test_the_change_from_the_baseline_is_shown_beside_an_unchanged_band():
    current = score_news2(replace(NORMAL, supplemental_oxygen=True, pulse=95))
    change = compare_with_baseline(current, baseline(2))
    assert change == BaselineChange(baseline=2, current=3, delta=1, at_least=False)
    assert change.label == "+1 par rapport au NEWS2 habituel (2)"
    assert current.band is RiskBand.LOW


def test_a_score_below_or_equal_to_the_baseline_is_said_so():
    assert compare_with_baseline(score_news2(NORMAL), baseline(2)).label == (
        "−2 par rapport au NEWS2 habituel (2)"
    )
    assert compare_with_baseline(score_news2(NORMAL), baseline(0)).label == (
        "égal au NEWS2 habituel (0)"
    )


def test_a_high_usual_score_does_not_lower_the_band():
    worst = score_news2(
        replace(NORMAL, respiration_rate=26, supplemental_oxygen=True, systolic_bp=95)
    )
    change = compare_with_baseline(worst, baseline(7))
    assert change.delta == 0
    assert worst.band is RiskBand.HIGH


def test_the_change_from_a_partial_set_is_a_lower_bound():
    change = compare_with_baseline(score_news2(News2Inputs(pulse=120)), baseline(1))
    assert change.at_least
    assert change.label == "au moins +1 par rapport au NEWS2 habituel (1)"
    zero = compare_with_baseline(score_news2(News2Inputs(pulse=70)), baseline(0))
    assert zero.label == "au moins 0 par rapport au NEWS2 habituel (0)"


@pytest.mark.parametrize("total", [-1, 21, True])
def test_a_baseline_outside_0_to_20_is_refused(total):
    with pytest.raises(News2InputRejected, match="entre 0 et 20"):
        baseline(total)


def test_a_baseline_must_say_who_set_it():
    with pytest.raises(News2InputRejected, match="qui"):
        News2Baseline(total=2, set_by=" ", set_at=NOW)
