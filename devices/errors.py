"""Errors of the devices package: one root, and the refusal of a bad frame with its reason."""

from __future__ import annotations

from enum import StrEnum


class RejectReason(StrEnum):
    """Why a frame or a reading was refused; stable strings for logs and per-device counters."""

    TRUNCATED = "truncated"
    BAD_CHECKSUM = "bad_checksum"
    BAD_FRAMING = "bad_framing"
    TOO_LONG = "too_long"
    UNKNOWN_FLAGS = "unknown_flags"
    UNKNOWN_CODE = "unknown_code"
    IMPOSSIBLE_VALUE = "impossible_value"
    SPECIAL_VALUE = "special_value"
    NO_MEASUREMENT = "no_measurement"
    NOT_STORABLE = "not_storable"
    NOT_THIS_DEVICE = "not_this_device"


class DeviceError(Exception):
    """Root of every error raised by the devices package."""


class FrameRejected(DeviceError):
    """The bytes are not a usable reading: drop the frame, count it, keep reading the stream.

    :param reason: machine-readable cause, for counters and tests.
    :param detail: one line for a person; never contains personal data or the raw payload.
    """

    def __init__(self, reason: RejectReason, detail: str) -> None:
        super().__init__(f"{reason.value}: {detail}")
        self.reason = reason
        self.detail = detail


def truncated(what: str, needed: int, got: int) -> FrameRejected:
    """Build the rejection for a value that ends before a field it announces."""
    return FrameRejected(RejectReason.TRUNCATED, f"{what}: needs {needed} bytes, got {got}")


class ReadingNotStored(DeviceError):
    """The record could not store a reading (disk full, database busy): do NOT acknowledge it.

    The device (or the monitor) will send it again; the transport keeps reading.
    """


class PortUnavailable(DeviceError):
    """A serial port cannot be opened or was unplugged: retry later with a back-off."""
