"""What every medium (serial, BLE, MLLP) implements, and what it hands its readings to.

A `Transport` runs in its own thread until a stop event is set. It splits and decodes what its
devices send and hands each decoded reading, as an `Arrival`, to a `Sink` (`devices.ingest`).
`Sink.deliver` returns only after the reading is committed (or refused), so the transport then
acknowledges to the device — MLLP ACK, RACP completion, a serial handshake — exactly when
`IngestOutcome.committed` is true, and never before: acknowledge only what is stored. If storage
fails, `deliver` raises `ReadingNotStored` and the transport must not acknowledge.
`Sink.deliver_many` does the same for several readings read at once (stored together).
Frames refused before decoding (garbage, bad checksum) go to `Sink.refuse`, link changes and
battery levels to `Sink.report`; both are counted per device in the registry.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from devices.errors import ReadingNotStored, RejectReason
from devices.measurement import Measurement
from edge import IngestOutcome


class LinkState(StrEnum):
    """What a transport knows about one device's link."""

    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    RETRYING = "retrying"


@dataclass(frozen=True, slots=True)
class Source:
    """Which device something came from.

    :param transport: `edge.DeviceTransport` value ("serial", "ble", "mllp").
    :param address: the port, BLE address or monitor identity; stable across restarts.
    :param protocol: the protocol name (`devices.decoding.PROTOCOLS` key, or a BLE profile).
    """

    transport: str
    address: str
    protocol: str
    manufacturer: str | None = None
    model: str | None = None
    serial_number: str | None = None


@dataclass(frozen=True, slots=True)
class Arrival:
    """One decoded reading, ready to be stored.

    :param received_at: appliance time (aware) when the frame's last byte arrived.
    :param dedup_key: the same for every re-send of this reading by this device.
    :param observed_at: when it was measured, only if the device clock is trusted for it.
    """

    source: Source
    measurements: tuple[Measurement, ...]
    dedup_key: str
    received_at: datetime
    observed_at: datetime | None = None


class Sink(Protocol):
    """Where transports hand what they read (implemented by `devices.ingest.Ingestor`)."""

    def deliver(self, arrival: Arrival) -> IngestOutcome:
        """Store (or refuse) a reading; returns after commit.

        :raises ReadingNotStored: nothing stored — do not acknowledge.
        """
        ...

    def deliver_many(self, arrivals: Sequence[Arrival]) -> list[IngestOutcome | ReadingNotStored]:
        """Store (or refuse) several readings; returns after commit, one result per arrival in
        order: its outcome, or the `ReadingNotStored` that says not to acknowledge it."""
        ...

    def refuse(self, source: Source, reason: RejectReason, detail: str, count: int = 1) -> None:
        """Count frames refused before they became a reading; logs the reason, never the bytes."""
        ...

    def report(self, source: Source, state: LinkState, battery_percent: int | None = None) -> None:
        """A device's link changed or it reported its battery."""
        ...


class Transport(Protocol):
    """One medium's listener. `name` is for logs and carries no personal data."""

    name: str

    def run(self, sink: Sink, stop: threading.Event) -> None:
        """Read until `stop` is set, then return. Recoverable faults (an unplugged port, a bad
        frame) are handled inside; an exception that escapes makes the supervisor restart it."""
        ...


def should_acknowledge(outcome: IngestOutcome) -> bool:
    """True when the device may be told the reading is safe (stored in the record or the inbox)."""
    return outcome.committed
