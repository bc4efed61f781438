"""The sink every transport hands its readings to: Measurement → `edge.DeviceReading` → the record.

`Ingestor.deliver` registers the device on first sight, converts the decoded measurements into
the edge's reading, calls `edge.ingest_reading` (de-duplication, matching, storage, counters) and
returns its outcome only after the commit — the transport acknowledges afterwards, and only a
committed outcome (`devices.transport.should_acknowledge`). With a `GroupCommitWriter` (the
devices process) the readings of every transport share transactions, each in its own savepoint;
`deliver_many` hands several readings of one transport in at once. Link reports write the
device's last-seen time at most every `SEEN_INTERVAL_S` (readings update it anyway).
De-duplication keys are built here too (`measurement_key`, `RepeatKeys`).
Logs carry device ids, statuses and reasons; never values or raw bytes above DEBUG.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from devices.errors import DeviceError, ReadingNotStored, RejectReason
from devices.group_commit import GroupCommitWriter
from devices.jsonable import number
from devices.measurement import Measurement
from devices.transport import Arrival, LinkState, Source
from edge import (
    Database,
    DeviceReading,
    DeviceValue,
    EdgeError,
    IngestOutcome,
    NotFound,
    StorageFailure,
    ingest_reading,
    record_battery,
    record_rejected_frame,
    record_seen,
    register_device,
)

_LOGGER = logging.getLogger(__name__)
REPEAT_GAP = timedelta(seconds=30)
"""Identical timeless readings closer than this are one reading shown again (a scale's display)."""
SEEN_INTERVAL_S = 5.0
"""A link report rewrites the device's last-seen time at most this often."""


def utc_iso(moment: datetime) -> str:
    """The record's time format: UTC ISO 8601 with microseconds (sorts as text)."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def to_value(measurement: Measurement) -> DeviceValue:
    """One decoded measurement as the edge stores it."""
    return DeviceValue(
        code=measurement.code, unit=measurement.unit, value=float(number(measurement.value)),
        original_value=(float(number(measurement.original_value))
                        if measurement.original_value is not None else None),
        original_unit=measurement.original_unit,
        device_time=measurement.device_time.isoformat() if measurement.device_time else None,
        flags=tuple(flag.value for flag in measurement.flags))


def to_reading(arrival: Arrival) -> DeviceReading:
    """The edge's reading for an arrival (pure)."""
    times = {m.device_time for m in arrival.measurements if m.device_time is not None}
    users = {m.device_user_id for m in arrival.measurements if m.device_user_id is not None}
    return DeviceReading(
        values=tuple(to_value(m) for m in arrival.measurements),
        received_at=utc_iso(arrival.received_at),
        observed_at=utc_iso(arrival.observed_at) if arrival.observed_at else None,
        device_time=min(times).isoformat() if times else None,
        device_user_id=users.pop() if len(users) == 1 else None)


def measurement_key(protocol: str, measurements: tuple[Measurement, ...]) -> str:
    """A key from what a reading says (codes, values, device times, record numbers): equal for
    every re-send of the same reading. Use it only for readings that carry a device time or a
    record number; without one, two real readings with equal values would collide."""
    parts = sorted(f"{m.code}|{m.unit}|{m.value}|{m.device_time}|{m.sequence_number}"
                   for m in measurements)
    digest = hashlib.sha256("\n".join([protocol, *parts]).encode()).hexdigest()
    return f"m:{digest[:32]}"


def carries_identity(measurements: tuple[Measurement, ...]) -> bool:
    """True when the reading has a device time or a record number to de-duplicate on."""
    return any(m.device_time is not None or m.sequence_number is not None for m in measurements)


@dataclass(slots=True)
class _Run:
    key: str
    values: str
    last_at: datetime


class RepeatKeys:
    """Keys for timeless readings (scales that show, and send, the same weight every second).

    The same values arriving again within `gap` of the previous one get the key of the first of
    the run, so they are stored once; a change of values or a pause starts a new reading.
    """

    def __init__(self, gap: timedelta = REPEAT_GAP) -> None:
        self._gap = gap
        self._runs: dict[str, _Run] = {}

    def key(self, address: str, measurements: tuple[Measurement, ...], at: datetime) -> str:
        """The key of this reading, `at` being when it arrived."""
        values = "\n".join(sorted(f"{m.code}|{m.unit}|{m.value}" for m in measurements))
        run = self._runs.get(address)
        if run is not None and run.values == values and at - run.last_at <= self._gap:
            run.last_at = at
            return run.key
        digest = hashlib.sha256(f"{address}\n{utc_iso(at)}\n{values}".encode()).hexdigest()
        self._runs[address] = _Run(f"r:{digest[:32]}", values, at)
        return self._runs[address].key


class Ingestor:
    """The `devices.transport.Sink` backed by the record; safe to share between transport threads."""

    def __init__(self, db: Database, *,
                 on_stored: Callable[[Arrival, IngestOutcome], None] | None = None,
                 writer: GroupCommitWriter | None = None,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._db = db
        self._ids: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()
        self._on_stored = on_stored
        self._writer = writer
        self._monotonic = monotonic
        self._seen: dict[str, tuple[float, int | None]] = {}

    def _run_all(self, works: Sequence[Callable[[], object]]) -> list[object]:
        """Each work's result or exception: through the writer (shared transactions) if any."""
        if self._writer is not None:
            return self._writer.run_all(works)
        results: list[object] = []
        for work in works:
            try:
                results.append(work())
            # Boundary, as in the writer: one reading's failure is returned, not raised through
            # the others; exception messages must stay free of personal data.
            except Exception as exc:  # handed back to the caller like the writer does
                results.append(exc)
        return results

    def _run(self, work: Callable[[], object]) -> object:
        [result] = self._run_all([work])
        if isinstance(result, BaseException):
            raise result
        return result

    def device_id(self, source: Source) -> str:
        """The registry id of a source, registering it on first sight.

        :raises ReadingNotStored: the registry could not be written.
        """
        key = (source.transport, source.address)
        with self._lock:
            known = self._ids.get(key)
        if known is not None:
            return known
        try:
            device = register_device(self._db, source.transport, source.protocol, source.address,
                                     manufacturer=source.manufacturer, model=source.model,
                                     serial_number=source.serial_number)
        except StorageFailure as exc:
            raise ReadingNotStored(f"device could not be registered: {exc}") from exc
        with self._lock:
            self._ids[key] = device.id
        _LOGGER.info("device %s on %s (%s) registered or known", device.id, source.transport,
                     source.protocol)
        return device.id

    def forget(self, source: Source) -> None:
        """Drop the cached id (after the registry entry was changed elsewhere)."""
        with self._lock:
            self._ids.pop((source.transport, source.address), None)

    def deliver(self, arrival: Arrival) -> IngestOutcome:
        """Store one reading; return after commit.

        :raises ReadingNotStored: nothing was stored; do not acknowledge.
        """
        [result] = self.deliver_many([arrival])
        if isinstance(result, ReadingNotStored):
            raise result
        return result

    def deliver_many(self, arrivals: Sequence[Arrival]
                     ) -> list[IngestOutcome | ReadingNotStored]:
        """Store several readings (in one transaction when they fit); return after the commit,
        in order, each reading's outcome — or the `ReadingNotStored` saying it must not be
        acknowledged. A reading refused or failing never undoes the others.
        """
        results: list[IngestOutcome | ReadingNotStored | None] = [None] * len(arrivals)
        works: list[Callable[[], object]] = []
        places: list[tuple[int, str, DeviceReading]] = []
        for index, arrival in enumerate(arrivals):
            try:
                device_id = self.device_id(arrival.source)
            except ReadingNotStored as exc:
                results[index] = exc
                continue
            reading = to_reading(arrival)
            works.append(_ingest_work(self._db, device_id, reading, arrival.dedup_key))
            places.append((index, device_id, reading))
        for (index, device_id, reading), result in zip(places, self._run_all(works), strict=True):
            results[index] = self._settle(arrivals[index], device_id, reading, result)
        return [result for result in results if result is not None]

    def _settle(self, arrival: Arrival, device_id: str, reading: DeviceReading,
                result: object) -> IngestOutcome | ReadingNotStored:
        if isinstance(result, NotFound):
            self.forget(arrival.source)
            return ReadingNotStored("the device is no longer in the registry")
        if isinstance(result, StorageFailure | ReadingNotStored):
            _LOGGER.warning("reading from device %s not stored: %s", device_id, result)
            return result if isinstance(result, ReadingNotStored) else ReadingNotStored(str(result))
        if isinstance(result, BaseException):
            raise result  # a bug: the transport crashes and is restarted, nothing acknowledged
        if not isinstance(result, IngestOutcome):  # a bug, handled like the exception above
            raise DeviceError(f"ingest work returned a {type(result).__name__}")
        outcome = result
        if outcome.committed:
            self._mark_seen(device_id, None)
            _LOGGER.debug("device %s: reading %s%s (%d values)", device_id, outcome.status.value,
                          " again (duplicate)" if outcome.duplicate else "", len(reading.values))
        else:
            _LOGGER.warning("device %s: reading refused: %s", device_id, outcome.reason)
        if self._on_stored is not None:
            self._on_stored(arrival, outcome)
        return outcome

    def _mark_seen(self, device_id: str, battery_percent: int | None) -> None:
        with self._lock:
            self._seen[device_id] = (self._monotonic(), battery_percent)

    def _seen_recently(self, device_id: str, battery_percent: int | None) -> bool:
        """True when the registry already says what this report would write (within the interval)."""
        with self._lock:
            seen = self._seen.get(device_id)
        if seen is None or self._monotonic() - seen[0] >= SEEN_INTERVAL_S:
            return False
        return battery_percent is None or battery_percent == seen[1]

    def refuse(self, source: Source, reason: RejectReason, detail: str, count: int = 1) -> None:
        """Count refused frames; a storage failure here is logged, never fatal."""
        _LOGGER.warning("%s %s: frame refused (%s): %s", source.transport, source.protocol,
                        reason.value, detail)
        db = self._db
        try:
            device_id = self.device_id(source)
            self._run(lambda: record_rejected_frame(db, device_id, reason.value, count))
        except (EdgeError, ReadingNotStored) as exc:
            _LOGGER.warning("could not count a refused frame: %s", exc)

    def report(self, source: Source, state: LinkState, battery_percent: int | None = None) -> None:
        """Note the link state (logged) and battery; the device counts as seen when connected."""
        _LOGGER.info("%s %s: link %s", source.transport, source.protocol, state.value)
        db = self._db
        try:
            device_id = self.device_id(source)
            if battery_percent is None and state is not LinkState.CONNECTED:
                return
            if self._seen_recently(device_id, battery_percent):
                return
            if battery_percent is not None:
                percent = battery_percent
                self._run(lambda: record_battery(db, device_id, percent))
            else:
                self._run(lambda: record_seen(db, device_id))
            self._mark_seen(device_id, battery_percent)
        except (EdgeError, ReadingNotStored) as exc:
            _LOGGER.warning("could not record a link change: %s", exc)


def _ingest_work(db: Database, device_id: str, reading: DeviceReading,
                 dedup_key: str) -> Callable[[], IngestOutcome]:
    def work() -> IngestOutcome:
        return ingest_reading(db, device_id, reading, dedup_key)
    return work
