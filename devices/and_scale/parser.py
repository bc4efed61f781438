"""Decoding one A&D-style weighing line and turning a stable body weight into a measurement."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from devices import codes
from devices.and_scale import const
from devices.errors import FrameRejected, RejectReason
from devices.measurement import Context, Flag, Measurement, measure
from devices.units import gram_to_kg, lb_to_kg

_LINE = re.compile(
    r"(?P<header>[A-Z]{2})"
    r"(?:,(?P<mode>[A-Z]{1,2}))?"
    r",\s*(?P<value>[+-]?\s*[0-9]*\.?[0-9]*|[+-]?\s*OL)"
    r"\s*,?\s*(?P<unit>[A-Za-z]{1,3})?\s*",
    re.ASCII,
)


@dataclass(frozen=True, slots=True)
class WeighingLine:
    """One indicator line: header (ST stable, US unstable, OL overload, QT count), mode, value."""

    header: str
    state: str
    mode: str | None
    value: Decimal | None
    unit: str | None


def parse_weighing_line(data: bytes) -> WeighingLine:
    """Decode one line (CR LF optional).

    :raises FrameRejected: NOT_THIS_DEVICE for a line of another shape, UNKNOWN_CODE for an
        unknown header, mode or unit.
    """
    try:
        text = data.decode("ascii").strip("\r\n")
    except UnicodeDecodeError:
        raise FrameRejected(RejectReason.NOT_THIS_DEVICE, "not an ASCII weighing line") from None
    match = _LINE.fullmatch(text)
    if match is None:
        raise FrameRejected(RejectReason.NOT_THIS_DEVICE, 'not an "ST,GS,…" weighing line')
    header, mode, unit = match["header"], match["mode"], match["unit"]
    if header not in const.HEADERS:
        raise FrameRejected(RejectReason.UNKNOWN_CODE, f"unknown weighing header {header}")
    if mode is not None and mode not in const.MODES:
        raise FrameRejected(RejectReason.UNKNOWN_CODE, f"unknown weighing mode {mode}")
    if unit is not None and unit not in const.UNITS:
        raise FrameRejected(RejectReason.UNKNOWN_CODE, f"unknown weighing unit {unit}")
    return WeighingLine(
        header=header,
        state=const.HEADERS[header],
        mode=None if mode is None else const.MODES[mode],
        value=_number(match["value"]),
        unit=unit,
    )


def _number(text: str) -> Decimal | None:
    compact = text.replace(" ", "")
    if not compact.strip("+-") or "OL" in compact:
        return None
    try:
        return Decimal(compact)
    except InvalidOperation:
        return None


def weighing_measurements(line: WeighingLine) -> tuple[Measurement, ...]:
    """The body weight in kg of a stable gross or net line.

    :raises FrameRejected: NO_MEASUREMENT (not stable, no value, a tare line), UNKNOWN_CODE (no
        unit), IMPOSSIBLE_VALUE.
    """
    if line.state != "stable":
        raise FrameRejected(RejectReason.NO_MEASUREMENT, f"scale reading is {line.state}, not stable")
    if line.mode == "tare":
        raise FrameRejected(RejectReason.NO_MEASUREMENT, "tare line, not a weight")
    if line.value is None:
        raise FrameRejected(RejectReason.NO_MEASUREMENT, "stable line without a weight")
    if line.value == 0:
        raise FrameRejected(RejectReason.NO_MEASUREMENT, "the scale reads zero: nobody on it")
    flags: tuple[Flag, ...] = ()
    if line.mode == "net":
        flags = (Flag.NET_WEIGHT,)
    elif line.mode == "gross":
        flags = (Flag.GROSS_WEIGHT,)
    context = Context(flags=flags)
    if line.unit == "kg":
        return (measure(codes.BODY_WEIGHT, line.value, context),)
    if line.unit == "lb":
        return (measure(codes.BODY_WEIGHT, lb_to_kg(line.value), context, original=(line.value, "[lb_av]")),)
    if line.unit == "g":
        return (measure(codes.BODY_WEIGHT, gram_to_kg(line.value), context, original=(line.value, "g")),)
    raise FrameRejected(RejectReason.UNKNOWN_CODE, "weighing line without a unit")
