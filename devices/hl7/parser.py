"""Decoding an HL7 v2 ORU^R01 (IHE PCD-01) message from a monitor, and its measurements.

Only what the appliance needs is kept: header fields for the answer and the device identity,
the observations, and the patient identifier the monitor sent (never names).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from devices.errors import FrameRejected, RejectReason
from devices.hl7 import const
from devices.hl7.segments import (
    Separators,
    decode_text,
    parse_time,
    read_separators,
    split_segments,
)
from devices.measurement import Context, Flag, Measurement, measure
from devices.units import fahrenheit_to_celsius, gram_to_kg, kpa_to_mmhg, lb_to_kg


@dataclass(frozen=True, slots=True)
class MessageHeader:
    """The MSH fields needed to identify a message and answer it."""

    separators: Separators
    sending_application: str
    sending_facility: str
    receiving_application: str
    receiving_facility: str
    message_time: datetime | None
    message_type: str
    control_id: str
    processing_id: str
    version: str

    @property
    def type_parts(self) -> tuple[str, ...]:
        """MSH-9 split into its components (e.g. ("ORU", "R01", "ORU_R01"))."""
        return tuple(self.message_type.split(self.separators.component))


@dataclass(frozen=True, slots=True)
class Observation:
    """One OBX segment, as sent (values unescaped)."""

    set_id: str
    value_type: str
    code: str
    code_text: str
    coding_system: str
    sub_id: str
    value: str
    unit: str
    status: str
    observed_at: datetime | None
    equipment: str


@dataclass(frozen=True, slots=True)
class OruMessage:
    """One decoded ORU^R01 message."""

    header: MessageHeader
    patient_identifier: str | None
    observation_time: datetime | None
    observations: tuple[Observation, ...]


def _field(fields: list[str], index: int) -> str:
    return fields[index] if index < len(fields) else ""


def _component(text: str, separators: Separators, index: int) -> str:
    parts = text.split(separators.repetition, maxsplit=1)[0].split(separators.component)
    return separators.unescape(parts[index]) if index < len(parts) else ""


def read_header(data: bytes) -> MessageHeader:
    """Read only the MSH segment: enough to answer a message whose body is unusable.

    :raises FrameRejected: BAD_FRAMING when there is no usable MSH or no control id.
    """
    segments = split_segments(decode_text(data))
    if not segments:
        raise FrameRejected(RejectReason.BAD_FRAMING, "empty HL7 message")
    return _header(segments[0])


def _header(msh: str) -> MessageHeader:
    separators = read_separators(msh)
    fields = msh.split(separators.field)
    # fields[1] is MSH-2; MSH-n is fields[n - 1] for n >= 2.
    control_id = separators.unescape(_field(fields, 9)).strip()
    if not control_id:
        raise FrameRejected(RejectReason.BAD_FRAMING, "HL7 MSH-10 (message control id) is empty")
    return MessageHeader(
        separators=separators,
        sending_application=_field(fields, 2),
        sending_facility=_field(fields, 3),
        receiving_application=_field(fields, 4),
        receiving_facility=_field(fields, 5),
        message_time=_lenient_time(_component(_field(fields, 6), separators, 0)),
        message_type=_field(fields, 8),
        control_id=control_id,
        processing_id=_field(fields, 10),
        version=_component(_field(fields, 11), separators, 0),
    )


def _lenient_time(text: str) -> datetime | None:
    """MSH-7 only informs; a bad one must not prevent answering the message."""
    try:
        return parse_time(text)
    except FrameRejected:
        return None


def parse_oru(data: bytes) -> OruMessage:
    """Decode an ORU^R01 message (bare or in its MLLP block).

    :raises FrameRejected: BAD_FRAMING, NOT_THIS_DEVICE (another message type),
        IMPOSSIBLE_VALUE (a malformed time stamp).
    """
    segments = split_segments(decode_text(data))
    if not segments:
        raise FrameRejected(RejectReason.BAD_FRAMING, "empty HL7 message")
    header = _header(segments[0])
    if header.type_parts[:2] != const.SUPPORTED_TYPE:
        raise FrameRejected(
            RejectReason.NOT_THIS_DEVICE, f"HL7 message type {header.message_type!r} is not ORU^R01"
        )
    separators = header.separators
    patient: str | None = None
    observation_time: datetime | None = None
    observations: list[Observation] = []
    for segment in segments[1:]:
        fields = segment.split(separators.field)
        kind = fields[0]
        if kind == "PID" and patient is None:
            patient = _component(_field(fields, 3), separators, 0) or None
        elif kind == "OBR" and observation_time is None:
            observation_time = parse_time(_component(_field(fields, 7), separators, 0))
        elif kind == "OBX":
            observations.append(_observation(fields, separators))
    return OruMessage(header, patient, observation_time, tuple(observations))


def _observation(fields: list[str], separators: Separators) -> Observation:
    identifier = _field(fields, 3)
    return Observation(
        set_id=_field(fields, 1),
        value_type=_field(fields, 2),
        code=_component(identifier, separators, 0),
        code_text=_component(identifier, separators, 1),
        coding_system=_component(identifier, separators, 2),
        sub_id=_field(fields, 4),
        value=separators.unescape(_field(fields, 5)),
        unit=_component(_field(fields, 6), separators, 0),
        status=_field(fields, 11).strip(),
        observed_at=parse_time(_component(_field(fields, 14), separators, 0)),
        equipment=_field(fields, 18),
    )


_CONVERSIONS = {
    ("mm[Hg]", "kPa"): (kpa_to_mmhg, "kPa"),
    ("Cel", "[degF]"): (fahrenheit_to_celsius, "[degF]"),
    ("kg", "[lb_av]"): (lb_to_kg, "[lb_av]"),
    ("kg", "g"): (gram_to_kg, "g"),
}


def oru_measurements(message: OruMessage) -> tuple[Measurement, ...]:
    """The vital signs of the message, one per OBX with a known MDC code and a numeric value.

    OBX with other codes, "not available" sentinels (negative values, 8388607) or a status of
    X/D/W/N are skipped.

    :raises FrameRejected: NO_MEASUREMENT when nothing is left, UNKNOWN_CODE for a unit that
        does not fit the code, IMPOSSIBLE_VALUE.
    """
    result = []
    for observation in message.observations:
        code = const.MDC_CODES.get(observation.code)
        if code is None or observation.status in const.SKIPPED_STATUSES:
            continue
        value = _value(observation.value)
        if value is None:
            continue
        unit = const.UNIT_CODES.get(observation.unit, observation.unit) if observation.unit else code.ucum
        flags = (Flag.PRELIMINARY,) if observation.status == "P" else ()
        moment = observation.observed_at or message.observation_time
        context = Context(device_time=moment, flags=flags)
        if unit == code.ucum:
            result.append(measure(code, value, context))
            continue
        conversion = _CONVERSIONS.get((code.ucum, unit))
        if conversion is None:
            raise FrameRejected(
                RejectReason.UNKNOWN_CODE, f"unit {observation.unit!r} does not fit {code.display}"
            )
        convert, original_unit = conversion
        result.append(measure(code, convert(value), context, original=(value, original_unit)))
    if not result:
        raise FrameRejected(RejectReason.NO_MEASUREMENT, "no vital sign the appliance stores in this message")
    return tuple(result)


def _value(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    if not value.is_finite() or value < 0 or value == const.NOT_AVAILABLE_SENTINEL:
        return None
    return value
