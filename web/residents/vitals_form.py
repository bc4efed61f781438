"""The vital-signs entry form: its fields (units, limits from `edge.VITAL_SIGNS`), and turning what
was typed into observations to store or into a French error beside each field, the typed values
kept; and one value typed to correct a stored one (`parse_value`), under the same limits. Pure:
takes the posted fields and the time, returns values.

A value outside the physiologically possible range (SpO2 140 %, 60 °C) is refused with the reason
given by `edge.check_value`; a plausible but alarming value is accepted (NEWS2 and alerts follow).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import edge

OXYGEN_CODE = edge.NEWS2_CODES[edge.News2Parameter.SUPPLEMENTAL_OXYGEN]
ACVPU_CODE = edge.NEWS2_CODES[edge.News2Parameter.CONSCIOUSNESS]
FUTURE_TOLERANCE = timedelta(minutes=5)
PAST_LIMIT = timedelta(days=7)
_NUMBER = re.compile(r"^-?\d{1,5}([.,]\d{1,3})?$")


@dataclass(frozen=True, slots=True)
class NumericField:
    """One numeric input of the form and the vital sign it records."""

    name: str
    code: str

    @property
    def sign(self) -> edge.VitalSign:
        return edge.VITAL_SIGNS[self.code]

    @property
    def step(self) -> str:
        return "1" if self.sign.decimals == 0 else "0." + "0" * (self.sign.decimals - 1) + "1"


NUMERIC_FIELDS: tuple[NumericField, ...] = (
    NumericField("respiration_rate", "9279-1"),
    NumericField("spo2", "2708-6"),
    NumericField("systolic", "8480-6"),
    NumericField("diastolic", "8462-4"),
    NumericField("pulse", "8867-4"),
    NumericField("temperature", "8310-5"),
    NumericField("weight", "29463-7"),
    NumericField("glycaemia", "2339-0"),
    NumericField("pain", "72514-3"),
)
OXYGEN_MODES = ("", "air", "oxygen")


@dataclass(frozen=True, slots=True)
class VitalsEntry:
    """The outcome of one submission: observations to store, or errors by field name."""

    observations: tuple[edge.NewObservation, ...] = ()
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def parse_number(text: str, decimals: int) -> float:
    """A number typed with a comma or a point. :raises ValueError: with the French reason."""
    cleaned = text.strip().replace(" ", "").replace("\u00a0", "")
    if not _NUMBER.match(cleaned):
        example = "37,5" if decimals else "72"
        raise ValueError(f"Saisissez un nombre (par exemple {example}).")
    fraction = cleaned.replace(",", ".").partition(".")[2]
    if len(fraction) > decimals:
        raise ValueError("Sans décimale." if decimals == 0 else
                         f"Au plus {decimals} décimale{'s' if decimals > 1 else ''} (ne pas arrondir "
                         "au-delà de la mesure).")
    return float(cleaned.replace(",", "."))


def _observed_at(text: str, now: datetime, errors: dict[str, str]) -> datetime:
    if not text.strip():
        return now
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        errors["observed_at"] = "Saisissez la date et l'heure de la mesure."
        return now
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=now.tzinfo)
    if moment > now + FUTURE_TOLERANCE:
        errors["observed_at"] = "L'heure de la mesure est dans le futur."
    elif moment < now - PAST_LIMIT:
        errors["observed_at"] = "Une mesure de plus de 7 jours se saisit comme une correction."
    return moment


def parse_vitals(form: Mapping[str, str], *, resident_id: str, author_id: str,
                 now: datetime) -> VitalsEntry:
    """Check every field; return the observations of one set, or the error of each bad field."""
    errors: dict[str, str] = {}
    values: list[tuple[str, str, float]] = []
    for item in NUMERIC_FIELDS:
        text = form.get(item.name, "")
        if not text.strip():
            continue
        try:
            value = parse_number(text, item.sign.decimals)
            values.append((item.name, item.code, edge.check_value(item.code, item.sign.unit,
                                                                  value)))
        except ValueError as exc:
            errors[item.name] = str(exc)
        except edge.RecordRejected as exc:
            errors[item.name] = str(exc)
    mode = form.get("oxygen", "")
    if mode not in OXYGEN_MODES:
        errors["oxygen"] = "Choisissez air ambiant ou oxygène."
    elif mode == "air":
        values.append(("oxygen", OXYGEN_CODE, 0.0))
    elif mode == "oxygen":
        try:
            if not form.get("oxygen_flow", "").strip():
                raise ValueError("Sous oxygène, indiquez le débit en L/min.")
            flow = parse_number(form.get("oxygen_flow", ""), 1)
            if flow <= 0:
                raise ValueError("Sous oxygène, indiquez le débit (plus de 0 L/min).")
            values.append(("oxygen", OXYGEN_CODE, edge.check_value(OXYGEN_CODE, "L/min", flow)))
        except (ValueError, edge.RecordRejected) as exc:
            errors["oxygen_flow"] = str(exc)
    level = form.get("consciousness", "")
    if level:
        ranks = {member.value: rank for rank, member in enumerate(edge.ACVPU_RANKS)}
        if level not in ranks:
            errors["consciousness"] = "Choisissez A, C, V, P ou U."
        else:
            values.append(("consciousness", ACVPU_CODE, float(ranks[level])))
    moment = _observed_at(form.get("observed_at", ""), now, errors)
    if not values and not errors:
        errors["form"] = "Saisissez au moins une mesure."
    if errors:
        return VitalsEntry(errors=errors)
    taken = moment.isoformat(timespec="microseconds")
    return VitalsEntry(observations=tuple(
        edge.NewObservation(code, edge.VITAL_SIGNS[code].unit, value, edge.CaptureMethod.TYPED,
                            taken, resident_id, author_id)
        for _name, code, value in values))


def parse_value(code: str, text: str) -> float:
    """One value typed to correct a stored ``code``: a number in the stored unit (oxygen as its
    flow, 0 for air) or an ACVPU letter, checked against the same limits as the entry form.

    :raises ValueError: with the French reason.
    """
    if not text.strip():
        raise ValueError("Saisissez la nouvelle valeur.")
    if code == ACVPU_CODE:
        ranks = {member.value: rank for rank, member in enumerate(edge.ACVPU_RANKS)}
        if text.strip() not in ranks:
            raise ValueError("Choisissez A, C, V, P ou U.")
        return float(ranks[text.strip()])
    sign = edge.VITAL_SIGNS[code]
    value = parse_number(text, sign.decimals)
    try:
        return edge.check_value(code, sign.unit, value)
    except edge.RecordRejected as exc:
        raise ValueError(str(exc)) from exc

