"""Decoding one Tanita CSV record (key, value pairs with a checksum) and its measurements."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from devices import codes
from devices.errors import FrameRejected, RejectReason
from devices.measurement import Context, Measurement, measure
from devices.tanita import const
from devices.units import lb_to_kg


@dataclass(frozen=True, slots=True)
class TanitaRecord:
    """One record: the model, the values the appliance uses, and every pair as sent."""

    model: str | None
    weight_kg: Decimal | None
    weight_lb: Decimal | None
    height_cm: Decimal | None
    fat_percent: Decimal | None
    bmi: Decimal | None
    fields: tuple[tuple[str, str], ...]


def parse_tanita(data: bytes) -> TanitaRecord:
    """Decode one record line (CR LF optional).

    :raises FrameRejected: NOT_THIS_DEVICE, BAD_FRAMING, BAD_CHECKSUM, IMPOSSIBLE_VALUE.
    """
    line = data.rstrip(b"\r\n")
    if not line.startswith(const.START):
        raise FrameRejected(RejectReason.NOT_THIS_DEVICE, "a Tanita record starts with '{'")
    marker = line.rfind(b",CS,")
    if marker < 0:
        raise FrameRejected(RejectReason.BAD_FRAMING, "Tanita record without its CS checksum")
    covered, sent = line[: marker + 1], line[marker + 4 :].strip()
    try:
        expected = int(sent.decode("ascii"), 16)
        text = covered.decode("ascii")
    except (UnicodeDecodeError, ValueError):
        raise FrameRejected(
            RejectReason.BAD_FRAMING, "Tanita record is not ASCII with a hex checksum"
        ) from None
    if len(sent) != 2 or sum(covered) & 0xFF != expected:
        raise FrameRejected(RejectReason.BAD_CHECKSUM, "Tanita checksum mismatch")
    tokens = [token.strip() for token in text[:-1].split(",")]
    if len(tokens) % 2:
        raise FrameRejected(RejectReason.BAD_FRAMING, "Tanita record has a key without a value")
    pairs = tuple(zip(tokens[::2], tokens[1::2], strict=True))
    values = dict(pairs)
    model = values.get(const.MODEL)
    return TanitaRecord(
        model=None if model is None else model.strip('"'),
        weight_kg=_number(values, const.WEIGHT_KG),
        weight_lb=_number(values, const.WEIGHT_LB),
        height_cm=_number(values, const.HEIGHT_CM),
        fat_percent=_number(values, const.FAT_PERCENT),
        bmi=_number(values, const.BMI),
        fields=pairs,
    )


def _number(values: dict[str, str], key: str) -> Decimal | None:
    text = values.get(key)
    if text is None:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise FrameRejected(RejectReason.IMPOSSIBLE_VALUE, f"Tanita {key} is not a number") from None
    if not number.is_finite():
        raise FrameRejected(RejectReason.IMPOSSIBLE_VALUE, f"Tanita {key} is not a number")
    return number


def tanita_measurements(record: TanitaRecord) -> tuple[Measurement, ...]:
    """Weight (kg), and height (cm), BMI and body fat (%) when present.

    :raises FrameRejected: NO_MEASUREMENT without a weight, IMPOSSIBLE_VALUE.
    """
    context = Context()
    if record.weight_kg is not None:
        result = [measure(codes.BODY_WEIGHT, record.weight_kg, context)]
    elif record.weight_lb is not None:
        pounds = record.weight_lb
        result = [measure(codes.BODY_WEIGHT, lb_to_kg(pounds), context, original=(pounds, "[lb_av]"))]
    else:
        raise FrameRejected(RejectReason.NO_MEASUREMENT, "Tanita record without a weight")
    if record.height_cm:
        result.append(measure(codes.BODY_HEIGHT, record.height_cm, context))
    if record.bmi:
        result.append(measure(codes.BMI, record.bmi, context))
    if record.fat_percent is not None:
        result.append(measure(codes.BODY_FAT, record.fat_percent, context))
    return tuple(result)
