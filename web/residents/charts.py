"""Trend charts drawn on the server as inline SVG: one chart per NEWS2 parameter over a day, a week
or a month, with the NEWS2 bands behind the points. Pure geometry; the template draws it.

The bands come from scoring values with `edge.score_news2` (the single source of the thresholds),
so the chart cannot disagree with the score.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import edge

WIDTH = 640
HEIGHT = 170
LEFT = 44
RIGHT = 8
TOP = 8
BOTTOM = 22
RANGES = {"day": timedelta(days=1), "week": timedelta(days=7), "month": timedelta(days=30)}
_TICKS = {"day": timedelta(hours=6), "week": timedelta(days=1), "month": timedelta(days=7)}


@dataclass(frozen=True, slots=True)
class ChartSpec:
    parameter: edge.News2Parameter
    code: str
    low: float
    high: float
    step: float


SPECS: tuple[ChartSpec, ...] = (
    ChartSpec(edge.News2Parameter.RESPIRATION_RATE, "9279-1", 0, 40, 1),
    ChartSpec(edge.News2Parameter.SPO2, "2708-6", 70, 100, 1),
    ChartSpec(edge.News2Parameter.SYSTOLIC_BP, "8480-6", 60, 240, 1),
    ChartSpec(edge.News2Parameter.PULSE, "8867-4", 30, 170, 1),
    ChartSpec(edge.News2Parameter.TEMPERATURE, "8310-5", 34, 41, 0.1),
)


@dataclass(frozen=True, slots=True)
class Band:
    y: float
    height: float
    points: int


@dataclass(frozen=True, slots=True)
class Point:
    x: float
    y: float
    value: float
    at: datetime
    clipped: bool


@dataclass(frozen=True, slots=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True, slots=True)
class Chart:
    spec: ChartSpec
    unit: str
    bands: tuple[Band, ...]
    points: tuple[Point, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def polyline(self) -> str:
        return " ".join(f"{point.x:.1f},{point.y:.1f}" for point in self.points)

    @property
    def last(self) -> Point | None:
        return self.points[-1] if self.points else None


def _one(parameter: edge.News2Parameter, value: float) -> dict[str, Any]:
    return {parameter.value: value}


def _points_at(parameter: edge.News2Parameter, value: float, scale2: bool) -> int:
    target = edge.Scale2Target("chart", datetime(2000, 1, 1)) if scale2 else None
    inputs = dataclasses.replace(edge.News2Inputs(supplemental_oxygen=False, scale2_target=target),
                                 **_one(parameter, value))
    points = edge.score_news2(inputs).points(parameter)
    return points if points is not None else 0


@functools.lru_cache(maxsize=16)
def band_runs(spec: ChartSpec, scale2: bool = False) -> tuple[tuple[float, float, int], ...]:
    """(low, high, points) runs over the chart's range; edges fall halfway between two steps."""
    runs: list[list[float]] = []  # [low, high, points]
    count = round((spec.high - spec.low) / spec.step)
    for index in range(count + 1):
        value = round(spec.low + index * spec.step, 6)
        points = _points_at(spec.parameter, value, scale2)
        if runs and runs[-1][2] == points:
            runs[-1][1] = value
        else:
            runs.append([value, value, points])
    half = spec.step / 2
    result: list[tuple[float, float, int]] = []
    for index, (low, high, run_points) in enumerate(runs):
        result.append((spec.low if index == 0 else low - half,
                       spec.high if index == len(runs) - 1 else high + half, int(run_points)))
    return tuple(result)


def _y(spec: ChartSpec, value: float) -> float:
    span = spec.high - spec.low
    plot = HEIGHT - TOP - BOTTOM
    clamped = min(max(value, spec.low), spec.high)
    return TOP + plot * (spec.high - clamped) / span


def build_chart(spec: ChartSpec, samples: list[tuple[datetime, float]], start: datetime,
                end: datetime, range_name: str, *, scale2: bool = False,
                tick_label: str = "%d/%m") -> Chart:
    """Place ``samples`` (time, value) between ``start`` and ``end`` over the NEWS2 bands."""
    span = (end - start).total_seconds() or 1.0
    plot_width = WIDTH - LEFT - RIGHT
    bands = tuple(Band(_y(spec, high), _y(spec, low) - _y(spec, high), points)
                  for low, high, points in band_runs(spec, scale2))
    points = tuple(
        Point(LEFT + plot_width * (at - start).total_seconds() / span, _y(spec, value), value, at,
              not spec.low <= value <= spec.high)
        for at, value in sorted(samples) if start <= at <= end)
    ticks: list[Tick] = []
    step = _TICKS[range_name]
    moment = end - step
    while moment > start:
        label = moment.strftime("%H:%M" if range_name == "day" else tick_label)
        ticks.append(Tick(LEFT + plot_width * (moment - start).total_seconds() / span, label))
        moment -= step
    y_ticks = tuple(Tick(_y(spec, value), f"{value:g}") for value in
                    (spec.low, (spec.low + spec.high) / 2, spec.high))
    return Chart(spec, edge.VITAL_SIGNS[spec.code].unit_label, bands, points,
                 tuple(reversed(ticks)), y_ticks)
