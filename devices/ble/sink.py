"""What a BLE session hands its records to, and what it reports about the device it talks to.

The session stays free of storage: `devices.ble.transport` implements both interfaces over the
appliance's record (through the devices ingest sink and the device registry); tests may do the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from devices.errors import RejectReason
from devices.measurement import Measurement


class StoreResult(StrEnum):
    """What the sink did with a record; each means "it is dealt with, move on"."""

    STORED = "stored"
    DUPLICATE = "duplicate"
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class BleRecord:
    """One decoded record from one characteristic value.

    :param dedup_key: the device's own identity of the record (see `devices.ble.dedup`).
    :param received_at: the appliance's time when the value arrived (aware).
    :param observed_at: the device's time stamp in the appliance's zone, only when the device
        clock is trusted (it was found right at connection and the record has no time fault).
    """

    device_id: str
    characteristic: int
    measurements: tuple[Measurement, ...]
    dedup_key: str
    received_at: datetime
    observed_at: datetime | None = None


class RecordSink(Protocol):
    """Stores a record durably before returning (the commit happened, or it raises).

    REFUSED means the record will never be stored (an impossible value, a retired device): it
    was counted and the session moves on.
    """

    def store(self, record: BleRecord) -> StoreResult: ...


class SessionEvents(Protocol):
    """Where the session reports the device's health for the registry."""

    def device_connected(self, device_id: str, battery_percent: int | None,
                         manufacturer: str | None, model: str | None,
                         serial_number: str | None) -> None: ...

    def frame_rejected(self, device_id: str, reason: RejectReason) -> None: ...
