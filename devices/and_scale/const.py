"""A&D-style weighing-indicator lines ("ST,GS,+0012.34kg"): headers, modes, units, line limits."""

from __future__ import annotations

MAX_LINE = 64
"""Longest line accepted, CR LF included; real lines are under 25 bytes."""

STABLE = "ST"
HEADERS = {
    "ST": "stable",
    "US": "unstable",
    "OL": "overload",
    "QT": "count",
    "WT": "stable",
}
"""Some A&D models can be set to send WT instead of ST for a stable weight."""

MODES = {"GS": "gross", "G": "gross", "NT": "net", "N": "net", "TR": "tare"}
UNITS = {"kg": "kg", "g": "g", "lb": "lb"}
