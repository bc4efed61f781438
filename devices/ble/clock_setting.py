"""Setting a BLE device's clock: Current Time (0x2A2B) or the profile's Date Time (0x2A08).

Device time stamps are local wall time with no zone, so the clock is set to the appliance's local
time. When the device's clock can be read first, its offset is kept (it tells how far readings
stored before the fix may be off) and a clock already within the tolerance is left alone.
The caller does not set clocks while the appliance's own clock is not synchronised.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from devices.ble import const
from devices.ble.clock import encode_current_time, encode_date_time, parse_current_time
from devices.ble.gatt import GattCharacteristic, GattClient
from devices.ble.profiles import ClockWrite, Profile
from devices.errors import FrameRejected
from devices.ieee11073 import decode_date_time

_LOGGER = logging.getLogger(__name__)

_UUIDS = {ClockWrite.CURRENT_TIME: const.CURRENT_TIME, ClockWrite.DATE_TIME: const.DATE_TIME}


@dataclass(frozen=True, slots=True)
class ClockResult:
    """What was done to the device clock.

    :param offset_s: device clock minus appliance clock before the write, when it could be read.
    """

    via: ClockWrite
    written: bool
    offset_s: int | None


def clock_offset_s(characteristic: ClockWrite, value: bytes, now: datetime) -> int | None:
    """Seconds the device clock is ahead of `now` (negative: behind); None if unreadable."""
    try:
        if characteristic is ClockWrite.CURRENT_TIME:
            stamp = parse_current_time(value).date_time
        else:
            stamp = decode_date_time(value)
    except FrameRejected:
        return None
    moment = stamp.to_datetime()
    if moment is None:
        return None
    return round((moment - now.replace(tzinfo=None, microsecond=0)).total_seconds())


def clock_value(characteristic: ClockWrite, now: datetime) -> bytes:
    """The bytes that set the device clock to the local wall time `now`."""
    if characteristic is ClockWrite.CURRENT_TIME:
        return encode_current_time(now)
    return encode_date_time(now)


async def set_device_clock(client: GattClient, characteristics: dict[int, GattCharacteristic],
                           profile: Profile, now: datetime, tolerance_s: int) -> ClockResult | None:
    """Set the clock through the first of the profile's clock characteristics the device has
    writable; None when it has none.

    :param now: the appliance's local wall time.
    """
    for via in profile.clock_writes:
        char = characteristics.get(_UUIDS[via])
        if char is None or not char.writable:
            continue
        offset = None
        if char.readable:
            offset = clock_offset_s(via, await client.read(char.uuid), now)
            if offset is not None and abs(offset) <= tolerance_s:
                return ClockResult(via, False, offset)
        await client.write(char.uuid, clock_value(via, now))
        _LOGGER.info("BLE device clock set through %s (offset before: %s s)", via.value, offset)
        return ClockResult(via, True, offset)
    return None
