"""The devices process: pure decoders for medical-device protocols and (later) their transports.

Decoders take bytes and return frozen dataclasses; `Measurement` is what the rest of the
appliance stores. Nothing here does I/O.
"""

from __future__ import annotations

from devices.errors import DeviceError, FrameRejected, RejectReason
from devices.framing import Frame, FrameSplitter, Garbage
from devices.ieee11073 import DateTime, Number, SpecialValue
from devices.measurement import Flag, Measurement

__all__ = [
    "DateTime",
    "DeviceError",
    "Flag",
    "Frame",
    "FrameRejected",
    "FrameSplitter",
    "Garbage",
    "Measurement",
    "Number",
    "RejectReason",
    "SpecialValue",
]
