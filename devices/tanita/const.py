"""Tanita body-composition scales: the CSV record's keys and limits."""

from __future__ import annotations

MAX_LINE = 1024
START = b"{"
CHECKSUM_KEY = "CS"
"""The record ends with CS and two hex digits: the sum, modulo 256, of every byte from "{" up to
and including the comma before "CS" (checked against the SC-240 manual's sample)."""

WEIGHT_KG = "Wk"
WEIGHT_LB = "Wp"
HEIGHT_CM = "Hm"
FAT_PERCENT = "FW"
BMI = "MI"
MODEL = "MO"
