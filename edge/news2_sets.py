"""A resident's latest NEWS2 set read back from the stored observations, and the clinician's NEWS2
settings kept in the sealed care context (SpO2 Scale 2 target, RESTORE2 baseline).

A set is, for each of the seven parameters, the newest current (not amended) value, kept when it
was observed within `SET_WINDOW` of the newest of them; anything older makes the set partial. The
score is recomputed every time from the stored values (scores are derived data, never stored).
"""

from __future__ import annotations

import json
import logging
import sqlite3
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from edge.news2 import (
    SET_WINDOW,
    Acvpu,
    BaselineChange,
    News2Baseline,
    News2Inputs,
    News2Parameter,
    News2Score,
    Scale2Target,
    compare_with_baseline,
    score_news2,
)
from edge.storage import Database

_LOGGER = logging.getLogger(__name__)

NEWS2_CODES: dict[News2Parameter, str] = {
    News2Parameter.RESPIRATION_RATE: "9279-1",
    News2Parameter.SPO2: "2708-6",
    News2Parameter.SUPPLEMENTAL_OXYGEN: "3151-8",
    News2Parameter.SYSTOLIC_BP: "8480-6",
    News2Parameter.PULSE: "8867-4",
    News2Parameter.CONSCIOUSNESS: "80288-4",
    News2Parameter.TEMPERATURE: "8310-5",
}
"""The LOINC code stored for each parameter (oxygen as its flow, 0 L/min = air)."""

ACVPU_RANKS: tuple[Acvpu, ...] = (Acvpu.ALERT, Acvpu.NEW_CONFUSION, Acvpu.VOICE, Acvpu.PAIN,
                                  Acvpu.UNRESPONSIVE)
"""ACVPU levels by the rank stored as the observation's value."""

SCALE2_BY = "news2_scale2_set_by"
SCALE2_AT = "news2_scale2_set_at"
BASELINE = "news2_baseline"
BASELINE_BY = "news2_baseline_set_by"
BASELINE_AT = "news2_baseline_set_at"
BASELINE_NOTE = "news2_baseline_note"


def parse_time(text: str) -> datetime:
    """An ISO 8601 timestamp as an aware datetime (naive text is taken as UTC)."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def acvpu_from_rank(rank: float) -> Acvpu:
    return ACVPU_RANKS[int(round(rank))]


@dataclass(frozen=True, slots=True)
class News2Settings:
    """What a clinician set for one resident; None when not set."""

    scale2_target: Scale2Target | None
    baseline: News2Baseline | None


def settings_from_context(context: dict[str, Any]) -> News2Settings:
    """The NEWS2 settings held in an opened care context."""
    target = None
    if context.get(SCALE2_BY):
        target = Scale2Target(set_by=context[SCALE2_BY], set_at=parse_time(context[SCALE2_AT]))
    baseline = None
    if context.get(BASELINE) not in (None, "") and context.get(BASELINE_BY):
        baseline = News2Baseline(total=int(context[BASELINE]), set_by=context[BASELINE_BY],
                                 set_at=parse_time(context[BASELINE_AT]),
                                 note=context.get(BASELINE_NOTE, ""))
    return News2Settings(target, baseline)


def read_settings(db: Database, conn: sqlite3.Connection, resident_id: str) -> News2Settings:
    row = conn.execute("SELECT care_context FROM residents WHERE id = ?",
                       (resident_id,)).fetchone()
    if row is None or row["care_context"] is None:
        return News2Settings(None, None)
    context = db.keyring.open_json(row["care_context"], "residents", "care_context", resident_id)
    return settings_from_context(context)


@dataclass(frozen=True, slots=True)
class SetValue:
    """One stored value used in a set."""

    parameter: News2Parameter
    observation_id: str
    seq: int
    value: float
    unit: str
    observed_at: str

    @property
    def display(self) -> str:
        """The value as a nurse reads it (ACVPU letter, "air" or the oxygen flow)."""
        if self.parameter is News2Parameter.CONSCIOUSNESS:
            return acvpu_from_rank(self.value).value
        if self.parameter is News2Parameter.SUPPLEMENTAL_OXYGEN:
            return "air" if self.value == 0 else f"O2 {self.value:g} L/min"
        return f"{self.value:g}"


@dataclass(frozen=True, slots=True)
class ScoredSet:
    """A resident's latest set, its score and the change from the usual score."""

    resident_id: str
    values: tuple[SetValue, ...]
    window_start: str
    window_end: str
    score: News2Score
    baseline: BaselineChange | None
    last_seq: int

    @property
    def partial(self) -> bool:
        return not self.score.complete

    def value(self, parameter: News2Parameter) -> SetValue | None:
        return next((item for item in self.values if item.parameter is parameter), None)


# The newest current value of one (resident, code): its time is found by walking the index
# (resident_id, code, observed_at) backwards; only rows at that very time are then sorted by seq.
# (Ordering by "observed_at DESC, seq DESC" in one step made SQLite sort every row of the pair.)
_LATEST_SQL = """
SELECT o.id, o.seq, o.unit, o.value, o.observed_at FROM observations o
WHERE o.resident_id = ?1 AND o.code = ?2
  AND NOT EXISTS (SELECT 1 FROM observations a WHERE a.amends_id = o.id)
  AND o.observed_at = (
    SELECT n.observed_at FROM observations n WHERE n.resident_id = ?1 AND n.code = ?2
      AND NOT EXISTS (SELECT 1 FROM observations a WHERE a.amends_id = n.id)
    ORDER BY n.observed_at DESC LIMIT 1)
ORDER BY o.seq DESC LIMIT 1"""
# The same for every (resident, code) pair of two JSON arrays, in one statement.
_LATEST_MANY_SQL = """
SELECT r.value AS resident_id, o.id, o.seq, o.code, o.unit, o.value, o.observed_at
FROM json_each(?1) r, json_each(?2) c JOIN observations o ON o.id = (
  SELECT o2.id FROM observations o2 WHERE o2.resident_id = r.value AND o2.code = c.value
    AND NOT EXISTS (SELECT 1 FROM observations a WHERE a.amends_id = o2.id)
    AND o2.observed_at = (
      SELECT n.observed_at FROM observations n WHERE n.resident_id = r.value AND n.code = c.value
        AND NOT EXISTS (SELECT 1 FROM observations a WHERE a.amends_id = n.id)
      ORDER BY n.observed_at DESC LIMIT 1)
  ORDER BY o2.seq DESC LIMIT 1)"""
_PARAMETER_BY_CODE = {code: parameter for parameter, code in NEWS2_CODES.items()}
_PARAMETER_ORDER = {parameter: index for index, parameter in enumerate(NEWS2_CODES)}


def inputs_from_values(values: tuple[SetValue, ...], settings: News2Settings) -> News2Inputs:
    """The scoring inputs for the values of a set."""
    by_parameter = {item.parameter: item.value for item in values}
    consciousness = by_parameter.get(News2Parameter.CONSCIOUSNESS)
    oxygen = by_parameter.get(News2Parameter.SUPPLEMENTAL_OXYGEN)
    return News2Inputs(
        respiration_rate=by_parameter.get(News2Parameter.RESPIRATION_RATE),
        spo2=by_parameter.get(News2Parameter.SPO2),
        supplemental_oxygen=None if oxygen is None else oxygen > 0,
        systolic_bp=by_parameter.get(News2Parameter.SYSTOLIC_BP),
        pulse=by_parameter.get(News2Parameter.PULSE),
        consciousness=None if consciousness is None else acvpu_from_rank(consciousness),
        temperature=by_parameter.get(News2Parameter.TEMPERATURE),
        scale2_target=settings.scale2_target,
    )


def score_values(resident_id: str, newest: list[SetValue],
                 settings: News2Settings) -> ScoredSet | None:
    """Score the newest value of each parameter (pure): keep those inside the set window."""
    if not newest:
        return None
    end = max(parse_time(item.observed_at) for item in newest)
    start = end - SET_WINDOW
    values = tuple(sorted((item for item in newest if parse_time(item.observed_at) >= start),
                          key=lambda item: _PARAMETER_ORDER[item.parameter]))
    score = score_news2(inputs_from_values(values, settings))
    change = compare_with_baseline(score, settings.baseline) if settings.baseline else None
    return ScoredSet(resident_id, values, start.isoformat(), end.isoformat(), score, change,
                     max(item.seq for item in values))


def _set_value(db: Database, parameter: News2Parameter, row: sqlite3.Row) -> SetValue:
    value = db.keyring.open_json(row["value"], "observations", "value", row["id"])["v"]
    return SetValue(parameter, row["id"], row["seq"], float(value), row["unit"],
                    row["observed_at"])


def _newest_values(db: Database, conn: sqlite3.Connection, resident_id: str) -> list[SetValue]:
    newest: list[SetValue] = []
    for parameter, code in NEWS2_CODES.items():
        row = conn.execute(_LATEST_SQL, (resident_id, code)).fetchone()
        if row is not None:
            newest.append(_set_value(db, parameter, row))
    return newest


def latest_set(db: Database, resident_id: str,
               conn: sqlite3.Connection | None = None) -> ScoredSet | None:
    """Score the resident's latest set; None when no NEWS2 parameter was ever recorded.

    :param conn: read inside this connection (the write transaction that just stored values).
    """
    conn = conn if conn is not None else db.reader()
    return score_values(resident_id, _newest_values(db, conn, resident_id),
                        read_settings(db, conn, resident_id))


def replace_value(newest: list[SetValue], observation_id: str, value: float) -> list[SetValue]:
    """The same values with one of them corrected (pure; unchanged when it is not among them)."""
    return [replace(item, value=value) if item.observation_id == observation_id else item
            for item in newest]


def preview_correction(db: Database, resident_id: str, observation_id: str,
                       value: float) -> tuple[ScoredSet | None, ScoredSet | None]:
    """The latest set as scored now, and as it would score once ``observation_id`` is corrected
    to ``value`` (nothing is stored). Both are the same when that value is not in the latest set.
    """
    conn = db.reader()
    newest = _newest_values(db, conn, resident_id)
    settings = read_settings(db, conn, resident_id)
    return (score_values(resident_id, newest, settings),
            score_values(resident_id, replace_value(newest, observation_id, value), settings))


def latest_sets(db: Database, conn: sqlite3.Connection,
                settings: dict[str, News2Settings]) -> dict[str, ScoredSet | None]:
    """The latest set of many residents (the keys of ``settings``) in one statement.

    Each (resident, code) is still found through the index, but in one query instead of seven per
    resident.
    """
    ids = sorted(settings)
    newest: dict[str, list[SetValue]] = {resident_id: [] for resident_id in ids}
    if ids:
        codes = json.dumps(list(_PARAMETER_BY_CODE))
        for row in conn.execute(_LATEST_MANY_SQL, (json.dumps(ids), codes)):
            newest[row["resident_id"]].append(_set_value(db, _PARAMETER_BY_CODE[row["code"]], row))
    return {resident_id: score_values(resident_id, values, settings[resident_id])
            for resident_id, values in newest.items()}
