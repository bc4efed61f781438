"""HL7 v2 from bedside monitors: ORU^R01 (IHE PCD-01) decoding, ACK/NAK building, MLLP framing."""

from __future__ import annotations

from devices.hl7.ack import AckCode, build_ack
from devices.hl7.mllp import MllpSplitter, unwrap, wrap
from devices.hl7.parser import (
    MessageHeader,
    Observation,
    OruMessage,
    oru_measurements,
    parse_oru,
    read_header,
)

__all__ = [
    "AckCode",
    "MessageHeader",
    "MllpSplitter",
    "Observation",
    "OruMessage",
    "build_ack",
    "oru_measurements",
    "parse_oru",
    "read_header",
    "unwrap",
    "wrap",
]
