"""A read cursor over one characteristic value: little-endian fields, never past the end."""

from __future__ import annotations

from devices.errors import truncated
from devices.ieee11073 import (
    DATE_TIME_SIZE,
    DateTime,
    Number,
    decode_date_time,
    float_from_int,
    sfloat_from_int,
)


class Cursor:
    """Reads fields in order from `data`; every read raises FrameRejected(TRUNCATED) if short."""

    def __init__(self, data: bytes, what: str) -> None:
        self._data = data
        self._offset = 0
        self._what = what

    @property
    def remaining(self) -> int:
        """How many bytes are left."""
        return len(self._data) - self._offset

    def take(self, size: int, field: str) -> bytes:
        """Return the next `size` bytes."""
        if self.remaining < size:
            raise truncated(f"{self._what} {field}", self._offset + size, len(self._data))
        chunk = self._data[self._offset : self._offset + size]
        self._offset += size
        return chunk

    def uint(self, size: int, field: str) -> int:
        """Unsigned little-endian integer of `size` bytes."""
        return int.from_bytes(self.take(size, field), "little")

    def sint(self, size: int, field: str) -> int:
        """Signed little-endian integer of `size` bytes."""
        return int.from_bytes(self.take(size, field), "little", signed=True)

    def sfloat(self, field: str) -> Number:
        """IEEE 11073 SFLOAT."""
        return sfloat_from_int(self.uint(2, field))

    def float32(self, field: str) -> Number:
        """IEEE 11073 FLOAT."""
        return float_from_int(self.uint(4, field))

    def date_time(self, field: str) -> DateTime:
        """7-byte Date Time."""
        return decode_date_time(self.take(DATE_TIME_SIZE, field))
