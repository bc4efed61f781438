"""Vital-sign samples the edge tests share: the stored code and unit of each NEWS2 parameter by a
short name, and a set that scores 0."""

from __future__ import annotations

CODES = {"rr": ("9279-1", "/min"), "spo2": ("2708-6", "%"), "o2": ("3151-8", "L/min"),
         "sbp": ("8480-6", "mm[Hg]"), "pulse": ("8867-4", "/min"), "acvpu": ("80288-4", "{ACVPU}"),
         "temp": ("8310-5", "Cel")}
NORMAL = {"rr": 16, "spo2": 97, "o2": 0, "sbp": 130, "pulse": 70, "acvpu": 0, "temp": 37.0}
