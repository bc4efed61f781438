"""Tests of the server-drawn trend charts: the NEWS2 bands behind each chart follow the scoring
thresholds exactly, points are placed in time and clipped at the chart's edges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import edge
from web.residents.charts import SPECS, band_runs, build_chart

SPEC = {spec.parameter: spec for spec in SPECS}
P = edge.News2Parameter
END = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def edges(parameter, scale2=False):
    return [(round(low, 2), round(high, 2), points)
            for low, high, points in band_runs(SPEC[parameter], scale2)]


def test_pulse_bands_change_exactly_at_the_news2_thresholds():
    assert edges(P.PULSE) == [(30, 40.5, 3), (40.5, 50.5, 1), (50.5, 90.5, 0), (90.5, 110.5, 1),
                              (110.5, 130.5, 2), (130.5, 170, 3)]


def test_temperature_bands_use_tenths():
    assert edges(P.TEMPERATURE) == [(34, 35.05, 3), (35.05, 36.05, 1), (36.05, 38.05, 0),
                                    (38.05, 39.05, 1), (39.05, 41, 2)]


def test_spo2_bands_follow_the_scale_in_use():
    assert edges(P.SPO2)[-1] == (95.5, 100, 0) and edges(P.SPO2)[0] == (70, 91.5, 3)
    assert edges(P.SPO2, scale2=True)[-1] == (87.5, 100, 0)


def test_points_are_placed_in_time_and_clipped_at_the_edges():
    start = END - timedelta(days=7)
    chart = build_chart(SPEC[P.PULSE], [(END - timedelta(days=1), 72.0), (END, 250.0),
                                        (start - timedelta(hours=1), 80.0)], start, END, "week")
    assert [point.value for point in chart.points] == [72.0, 250.0]
    assert chart.points[1].clipped and chart.points[1].y == 8
    assert chart.points[0].x < chart.points[1].x == 632
    assert len(chart.x_ticks) == 6 and chart.last.value == 250.0
