"""Finding A&D-style weighing lines in the serial stream."""

from __future__ import annotations

from devices.and_scale import const
from devices.framing import LineSplitter


class WeighingLineSplitter(LineSplitter):
    """One frame per CR LF terminated line, at most `const.MAX_LINE` bytes."""

    def __init__(self) -> None:
        super().__init__(const.MAX_LINE, "weighing")
