"""What a BLE session is told to do, and what it reports back: its plan, timing and outcome."""

from __future__ import annotations

from dataclasses import dataclass, field

from devices.ble import racp
from devices.ble.clock_setting import ClockResult
from devices.ble.profiles import Profile


@dataclass(frozen=True, slots=True)
class SessionTiming:
    """Retries and time limits of one session (seconds)."""

    connect_attempts: int = 4
    connect_timeout_s: float = 20.0
    backoff_first_s: float = 1.0
    backoff_max_s: float = 30.0
    racp_timeout_s: float = 30.0
    idle_timeout_s: float = 15.0
    clock_tolerance_s: int = 60


DEFAULT_TIMING = SessionTiming()


@dataclass(frozen=True, slots=True)
class SessionPlan:
    """What to do with one paired device on this connection.

    :param last_sequence: the highest sequence number already stored, for "from N + 1" fetches.
    :param set_clock: False while the appliance's own clock is not synchronised.
    :param delete_after_store: delete records from the device once they are all stored.
    """

    device_id: str
    profile: Profile
    connection_id: str
    last_sequence: int | None = None
    set_clock: bool = True
    delete_after_store: bool = False


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """What the device says about itself (Device Information and Battery services)."""

    battery_percent: int | None = None
    manufacturer: str | None = None
    model: str | None = None
    serial_number: str | None = None
    firmware: str | None = None


@dataclass(frozen=True, slots=True)
class SessionOutcome:
    """What one session did.

    :param completed: the device finished (RACP said so, or it had nothing more to send) rather
        than the link dropping mid-transfer.
    :param last_sequence: the cursor to use next time (unchanged if nothing sequenced was stored;
        lower than before, or None, after `cursor_reset`).
    :param cursor_reset: the device's numbering restarted below the cursor, so every stored
        record was asked for again.
    """

    completed: bool
    stored: int
    duplicates: int
    rejected: int
    last_sequence: int | None
    stored_on_device: int | None = None
    racp_result: racp.ResponseCode | None = None
    clock: ClockResult | None = None
    info: DeviceInfo = field(default_factory=DeviceInfo)
    cursor_reset: bool = False
