"""De-duplication keys for BLE records, from the device's own identity of a record.

A device re-sends a record whose indication was not confirmed before the link dropped, and a
RACP fetch may return records already stored. The key is, in order of preference:

- the record's sequence number with its device time (a meter whose memory was reset restarts its
  numbering, and the time tells the new record 12 from the old one);
- the device time stamp with the decoded values (re-sent bytes decode to the same values; the
  same reading may be encoded with another exponent, so raw bytes are not compared);
- without either, the decoded values within one connection only: two identical readings without
  a time stamp on two connections are two readings.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from devices.measurement import Measurement

KEY_PREFIX = "ble"
_DIGEST_CHARS = 20


def content_digest(measurements: Sequence[Measurement]) -> str:
    """A short stable digest of the decoded values (code, unit, normalised value, flags)."""
    parts = [
        "|".join(
            (
                item.code,
                item.unit,
                format(item.value.normalize(), "f"),
                ",".join(flag.value for flag in item.flags),
                "" if item.device_user_id is None else str(item.device_user_id),
            )
        )
        for item in measurements
    ]
    return hashlib.sha256("\n".join(sorted(parts)).encode()).hexdigest()[:_DIGEST_CHARS]


def dedup_key(characteristic: int, measurements: Sequence[Measurement], connection_id: str) -> str:
    """The key under which the record is stored once.

    :param characteristic: the 16-bit UUID the record came from.
    :param measurements: the record's measurements (at least one).
    :param connection_id: an identifier of the current connection, used only for records with
        neither a sequence number nor a device time.
    :raises ValueError: for an empty record (a programming error).
    """
    if not measurements:
        raise ValueError("a record without measurements has no de-duplication key")
    first = measurements[0]
    stamp = "-" if first.device_time is None else first.device_time.isoformat()
    head = f"{KEY_PREFIX}:{characteristic:04x}"
    if first.sequence_number is not None:
        return f"{head}:seq:{first.sequence_number}:{stamp}"
    if first.device_time is not None:
        return f"{head}:time:{stamp}:{content_digest(measurements)}"
    return f"{head}:conn:{connection_id}:{content_digest(measurements)}"
