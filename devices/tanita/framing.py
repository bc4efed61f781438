"""Finding Tanita records (one CR LF line starting with "{") in the serial stream."""

from __future__ import annotations

from devices.framing import LineSplitter
from devices.tanita import const


class TanitaSplitter(LineSplitter):
    """One frame per line; bytes before "{" (the stray byte some scales send) are dropped."""

    def __init__(self) -> None:
        super().__init__(const.MAX_LINE, "Tanita", start=const.START)
