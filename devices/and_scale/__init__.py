"""Weighing indicators and platform scales speaking the A&D-style "ST,GS,+0012.34kg" lines."""

from __future__ import annotations

from devices.and_scale.framing import WeighingLineSplitter
from devices.and_scale.parser import WeighingLine, parse_weighing_line, weighing_measurements

__all__ = ["WeighingLine", "WeighingLineSplitter", "parse_weighing_line", "weighing_measurements"]
