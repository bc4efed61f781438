"""Finding seca frames (STX … CR LF ETX) in the serial stream."""

from __future__ import annotations

from devices.framing import DelimitedSplitter
from devices.seca import const


class SecaSplitter(DelimitedSplitter):
    """One frame from STX to ETX, at most `const.MAX_FRAME` bytes."""

    def __init__(self) -> None:
        super().__init__(bytes([const.STX]), bytes([const.ETX]), const.MAX_FRAME, "seca")
