"""Tanita body-composition and column scales: the CSV record sent after each weighing."""

from __future__ import annotations

from devices.tanita.framing import TanitaSplitter
from devices.tanita.parser import TanitaRecord, parse_tanita, tanita_measurements

__all__ = ["TanitaRecord", "TanitaSplitter", "parse_tanita", "tanita_measurements"]
