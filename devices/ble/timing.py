"""How a BLE time stamp becomes the device time of a measurement, with its flags."""

from __future__ import annotations

from datetime import datetime

from devices.ieee11073 import DateTime
from devices.measurement import Flag

UNKNOWN_USER = 0xFF


def device_time(stamp: DateTime | None) -> tuple[datetime | None, tuple[Flag, ...]]:
    """The device time to store and the flag that says it was incomplete, if it was."""
    if stamp is None:
        return None, ()
    moment = stamp.to_datetime()
    if moment is None:
        return None, (Flag.DEVICE_TIME_INCOMPLETE,)
    return moment, ()


def known_user(user_id: int | None) -> int | None:
    """The user slot, or None when absent or "unknown user" (0xFF)."""
    return None if user_id is None or user_id == UNKNOWN_USER else user_id
