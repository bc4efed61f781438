"""NEWS2 (Royal College of Physicians, 2017): sub-scores, aggregate, risk band, response,
monitoring frequency, and the comparison with the resident's usual score (RESTORE2 baseline).

Pure: the caller gathers one set of observations taken within `SET_WINDOW` and passes it in.

- Thresholds are applied as inclusive upper bounds, so a value between two table rows (a
  temperature of 35.05 °C, a rate of 8.5/min) scores with the row above the bound it exceeds.
  Values are scored as given, never rounded.
- SpO2 uses Scale 2 only when a clinician recorded a 88–92 % target (`Scale2Target`, with who
  and when). On Scale 2 a saturation of 93 % or more scores by air or oxygen; if that is not
  known, SpO2 is left unscored.
- A partial set is scored as partial: the missing parameters are listed, the total is the sum of
  what was measured, `band` is None and `band_at_least`/`response` are lower bounds (a missing
  parameter can only add points).
- The baseline never changes the band: the change from it is shown beside the absolute band.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum, StrEnum

from edge.errors import RecordRejected

_LOGGER = logging.getLogger(__name__)

SET_WINDOW = timedelta(hours=1)
"""Observations further apart than this do not make one set."""

MAX_TOTAL = 20


class News2InputRejected(RecordRejected):
    """A value cannot be a measurement (negative, SpO2 above 100 %): correct it before scoring."""


class News2Parameter(StrEnum):
    """The seven NEWS2 parameters, in chart order."""

    RESPIRATION_RATE = "respiration_rate"
    SPO2 = "spo2"
    SUPPLEMENTAL_OXYGEN = "supplemental_oxygen"
    SYSTOLIC_BP = "systolic_bp"
    PULSE = "pulse"
    CONSCIOUSNESS = "consciousness"
    TEMPERATURE = "temperature"

    @property
    def label(self) -> str:
        return _PARAMETER_LABELS[self]


_PARAMETER_LABELS = {
    News2Parameter.RESPIRATION_RATE: "Fréquence respiratoire",
    News2Parameter.SPO2: "SpO2",
    News2Parameter.SUPPLEMENTAL_OXYGEN: "Oxygène (air ou oxygène)",
    News2Parameter.SYSTOLIC_BP: "Pression artérielle systolique",
    News2Parameter.PULSE: "Pouls",
    News2Parameter.CONSCIOUSNESS: "Conscience (ACVPU)",
    News2Parameter.TEMPERATURE: "Température",
}


class Acvpu(StrEnum):
    """Level of consciousness: Alert, new Confusion, Voice, Pain, Unresponsive."""

    ALERT = "A"
    NEW_CONFUSION = "C"
    VOICE = "V"
    PAIN = "P"
    UNRESPONSIVE = "U"

    @property
    def label(self) -> str:
        return _ACVPU_LABELS[self]


_ACVPU_LABELS = {
    Acvpu.ALERT: "Alerte",
    Acvpu.NEW_CONFUSION: "Confusion nouvelle",
    Acvpu.VOICE: "Réagit à la voix",
    Acvpu.PAIN: "Réagit à la douleur",
    Acvpu.UNRESPONSIVE: "Ne réagit pas",
}


class Spo2Scale(Enum):
    SCALE_1 = 1
    SCALE_2 = 2


@dataclass(frozen=True, slots=True)
class Scale2Target:
    """A clinician recorded a target saturation of 88–92 % for this resident (e.g. hypercapnia)."""

    set_by: str
    set_at: datetime

    def __post_init__(self) -> None:
        if not self.set_by.strip():
            raise News2InputRejected(
                "L'échelle 2 de SpO2 doit indiquer le clinicien qui l'a fixée."
            )


@dataclass(frozen=True, slots=True)
class News2Inputs:
    """One set of observations; None means not measured."""

    respiration_rate: float | None = None
    spo2: float | None = None
    supplemental_oxygen: bool | None = None
    systolic_bp: float | None = None
    pulse: float | None = None
    consciousness: Acvpu | None = None
    temperature: float | None = None
    scale2_target: Scale2Target | None = None

    def __post_init__(self) -> None:
        for name, label in _NUMERIC_LABELS.items():
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise TypeError(f"{name} must be a number")
            if not math.isfinite(value) or value < 0:
                raise News2InputRejected(f"{label} : {value} n'est pas une mesure possible.")
        if self.consciousness is not None and not isinstance(self.consciousness, Acvpu):
            raise TypeError("consciousness must be an Acvpu member")
        if self.supplemental_oxygen is not None and not isinstance(self.supplemental_oxygen, bool):
            raise TypeError("supplemental_oxygen must be a bool")
        if self.spo2 is not None and self.spo2 > 100:
            raise News2InputRejected(
                f"SpO2 : {self.spo2} % dépasse 100 %, ce n'est pas une mesure."
            )


_NUMERIC_LABELS = {
    "respiration_rate": "Fréquence respiratoire",
    "spo2": "SpO2",
    "systolic_bp": "Pression artérielle systolique",
    "pulse": "Pouls",
    "temperature": "Température",
}

# (inclusive upper bound, points) in increasing order, then the points above the last bound.
_Bands = tuple[tuple[tuple[float, int], ...], int]
_RESPIRATION: _Bands = (((8, 3), (11, 1), (20, 0), (24, 2)), 3)
_SPO2_SCALE_1: _Bands = (((91, 3), (93, 2), (95, 1)), 0)
_SPO2_SCALE_2: _Bands = (((83, 3), (85, 2), (87, 1)), 0)  # up to 92 %, whatever the air
_SPO2_SCALE_2_TOP = 92  # above it, Scale 2 scores 0 on air and these points on oxygen:
_SPO2_SCALE_2_ON_OXYGEN: _Bands = (((94, 1), (96, 2)), 3)
_SYSTOLIC: _Bands = (((90, 3), (100, 2), (110, 1), (219, 0)), 3)
_PULSE: _Bands = (((40, 3), (50, 1), (90, 0), (110, 1), (130, 2)), 3)
_TEMPERATURE: _Bands = (((35.0, 3), (36.0, 1), (38.0, 0), (39.0, 1)), 2)
_OXYGEN_POINTS = 2
_NOT_ALERT_POINTS = 3
RED_POINTS = 3


def _points(value: float, bands: _Bands) -> int:
    bounds, above = bands
    for upper, points in bounds:
        if value <= upper:
            return points
    return above


def _spo2_points(spo2: float, scale: Spo2Scale, supplemental_oxygen: bool | None) -> int | None:
    if scale is Spo2Scale.SCALE_1:
        return _points(spo2, _SPO2_SCALE_1)
    if spo2 <= _SPO2_SCALE_2_TOP:
        return _points(spo2, _SPO2_SCALE_2)
    if supplemental_oxygen is None:
        return None
    return _points(spo2, _SPO2_SCALE_2_ON_OXYGEN) if supplemental_oxygen else 0


class RiskBand(StrEnum):
    """Clinical risk (RCP chart 4)."""

    LOW = "low"
    LOW_MEDIUM = "low_medium"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def label(self) -> str:
        return _BAND_LABELS[self]


_BAND_LABELS = {
    RiskBand.LOW: "Faible",
    RiskBand.LOW_MEDIUM: "Faible à moyen (3 sur un paramètre)",
    RiskBand.MEDIUM: "Moyen",
    RiskBand.HIGH: "Élevé",
}


class Response(Enum):
    """The response to a score and the minimum monitoring frequency that goes with it."""

    ROUTINE = "routine"
    NURSE_ASSESSMENT = "nurse_assessment"
    MEDICAL_REVIEW = "medical_review"
    URGENT = "urgent"
    EMERGENCY = "emergency"

    @property
    def band(self) -> RiskBand:
        return _RESPONSES[self][0]

    @property
    def monitoring_interval(self) -> timedelta | None:
        """Longest gap before the next full set; None means continuous monitoring.

        For 1–4 the chart allows 4 to 6 hours: this is the stricter end, 4 hours.
        """
        return _RESPONSES[self][1]

    @property
    def monitoring_label(self) -> str:
        return _RESPONSES[self][2]

    @property
    def action(self) -> str:
        return _RESPONSES[self][3]

    def next_set_due(self, taken_at: datetime) -> datetime | None:
        """When the next full set is due after one taken at `taken_at` (None: continuous)."""
        interval = self.monitoring_interval
        return None if interval is None else taken_at + interval


_RESPONSES: dict[Response, tuple[RiskBand, timedelta | None, str, str]] = {
    Response.ROUTINE: (
        RiskBand.LOW,
        timedelta(hours=12),
        "toutes les 12 h au moins",
        "Poursuivre la surveillance habituelle.",
    ),
    Response.NURSE_ASSESSMENT: (
        RiskBand.LOW,
        timedelta(hours=4),
        "toutes les 4 à 6 h au moins",
        "Prévenir l'infirmier(e) : il ou elle évalue le résident et décide d'augmenter la "
        "surveillance ou d'alerter.",
    ),
    Response.MEDICAL_REVIEW: (
        RiskBand.LOW_MEDIUM,
        timedelta(hours=1),
        "toutes les heures au moins",
        "L'infirmier(e) prévient le médecin qui suit le résident ; le médecin évalue et décide "
        "s'il faut aller plus loin.",
    ),
    Response.URGENT: (
        RiskBand.MEDIUM,
        timedelta(hours=1),
        "toutes les heures au moins",
        "Réponse urgente : l'infirmier(e) prévient sans attendre le médecin et demande une "
        "évaluation urgente par un clinicien formé aux situations aiguës ; surveillance "
        "rapprochée.",
    ),
    Response.EMERGENCY: (
        RiskBand.HIGH,
        None,
        "en continu",
        "Réponse d'urgence : appel immédiat d'un médecin expérimenté et évaluation en urgence "
        "par une équipe formée aux soins critiques ; envisager un transfert en soins continus "
        "ou en réanimation.",
    ),
}


def response_for(total: int, red_score: bool) -> Response:
    """The response for an aggregate and whether one parameter scored 3 (RCP chart 4)."""
    if total >= 7:
        return Response.EMERGENCY
    if total >= 5:
        return Response.URGENT
    if red_score:
        return Response.MEDICAL_REVIEW
    if total >= 1:
        return Response.NURSE_ASSESSMENT
    return Response.ROUTINE


@dataclass(frozen=True, slots=True)
class SubScore:
    """One parameter's points; None when it was not measured or cannot be scored."""

    parameter: News2Parameter
    points: int | None


@dataclass(frozen=True, slots=True)
class News2Score:
    """A scored set, with everything a nurse needs to check it."""

    inputs: News2Inputs
    scale: Spo2Scale
    subscores: tuple[SubScore, ...]
    total: int
    missing: tuple[News2Parameter, ...]
    red_parameters: tuple[News2Parameter, ...]
    response: Response

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def band_at_least(self) -> RiskBand:
        return self.response.band

    @property
    def band(self) -> RiskBand | None:
        """The clinical risk band, only for a complete set."""
        return self.response.band if self.complete else None

    def points(self, parameter: News2Parameter) -> int | None:
        return next(sub.points for sub in self.subscores if sub.parameter is parameter)


def score_news2(inputs: News2Inputs) -> News2Score:
    """Score a set of observations (complete or partial)."""
    scale = Spo2Scale.SCALE_1 if inputs.scale2_target is None else Spo2Scale.SCALE_2
    points: dict[News2Parameter, int | None] = {
        News2Parameter.RESPIRATION_RATE: _maybe(inputs.respiration_rate, _RESPIRATION),
        News2Parameter.SPO2: None
        if inputs.spo2 is None
        else _spo2_points(inputs.spo2, scale, inputs.supplemental_oxygen),
        News2Parameter.SUPPLEMENTAL_OXYGEN: None
        if inputs.supplemental_oxygen is None
        else (_OXYGEN_POINTS if inputs.supplemental_oxygen else 0),
        News2Parameter.SYSTOLIC_BP: _maybe(inputs.systolic_bp, _SYSTOLIC),
        News2Parameter.PULSE: _maybe(inputs.pulse, _PULSE),
        News2Parameter.CONSCIOUSNESS: None
        if inputs.consciousness is None
        else (0 if inputs.consciousness is Acvpu.ALERT else _NOT_ALERT_POINTS),
        News2Parameter.TEMPERATURE: _maybe(inputs.temperature, _TEMPERATURE),
    }
    red = tuple(parameter for parameter, value in points.items() if value == RED_POINTS)
    total = sum(value for value in points.values() if value is not None)
    return News2Score(
        inputs=inputs,
        scale=scale,
        subscores=tuple(SubScore(parameter, value) for parameter, value in points.items()),
        total=total,
        missing=tuple(parameter for parameter, value in points.items() if value is None),
        red_parameters=red,
        response=response_for(total, bool(red)),
    )


def _maybe(value: float | None, bands: _Bands) -> int | None:
    return None if value is None else _points(value, bands)


# --- RESTORE2 baseline -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class News2Baseline:
    """The resident's usual NEWS2, agreed by the care team on admission and revised after a
    lasting improvement or a non-acute decline (RESTORE2)."""

    total: int
    set_by: str
    set_at: datetime
    note: str = ""

    def __post_init__(self) -> None:
        if isinstance(self.total, bool) or not 0 <= self.total <= MAX_TOTAL:
            raise News2InputRejected(f"Le NEWS2 habituel est compris entre 0 et {MAX_TOTAL}.")
        if not self.set_by.strip():
            raise News2InputRejected("Le NEWS2 habituel doit indiquer qui l'a fixé.")


@dataclass(frozen=True, slots=True)
class BaselineChange:
    """How a score compares with the resident's usual NEWS2.

    For a partial set `at_least` is True: the real change is `delta` or more.
    """

    baseline: int
    current: int
    delta: int
    at_least: bool

    @property
    def label(self) -> str:
        prefix = "au moins " if self.at_least else ""
        if self.delta == 0 and not self.at_least:
            return f"égal au NEWS2 habituel ({self.baseline})"
        sign = "+" if self.delta > 0 else ("−" if self.delta < 0 else "")
        return f"{prefix}{sign}{abs(self.delta)} par rapport au NEWS2 habituel ({self.baseline})"


def compare_with_baseline(score: News2Score, baseline: News2Baseline) -> BaselineChange:
    """The change from the resident's usual NEWS2, to show beside the absolute band."""
    return BaselineChange(
        baseline=baseline.total,
        current=score.total,
        delta=score.total - baseline.total,
        at_least=not score.complete,
    )
