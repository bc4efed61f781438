"""Unit conversions to the stored UCUM units, exact in `Decimal` and rounded once at the end."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

MMHG_PER_KPA = Decimal(760) / Decimal("101.325")
KG_PER_LB = Decimal("0.45359237")
CM_PER_INCH = Decimal("2.54")
MG_PER_DL_PER_MMOL_PER_L = Decimal("18.0156")
"""Glucose only: molar mass 180.156 g/mol."""

_TENTH = Decimal("0.1")
_HUNDREDTH = Decimal("0.01")
_THOUSANDTH = Decimal("0.001")


_MAX_ROUNDED_DIGITS = 15


def _round(value: Decimal, step: Decimal) -> Decimal:
    """Round to `step`; absurdly large values are returned as they are, for the range check."""
    if not value.is_finite() or value.adjusted() > _MAX_ROUNDED_DIGITS:
        return value
    return value.quantize(step, rounding=ROUND_HALF_UP)


def kpa_to_mmhg(kpa: Decimal) -> Decimal:
    """Pressure in kPa to mm[Hg], to 0.1."""
    return _round(kpa * MMHG_PER_KPA, _TENTH)


def fahrenheit_to_celsius(fahrenheit: Decimal) -> Decimal:
    """Temperature in [degF] to Cel, to 0.01."""
    return _round((fahrenheit - 32) * 5 / 9, _HUNDREDTH)


def lb_to_kg(pounds: Decimal) -> Decimal:
    """Mass in [lb_av] to kg, to 0.001."""
    return _round(pounds * KG_PER_LB, _THOUSANDTH)


def inch_to_cm(inches: Decimal) -> Decimal:
    """Length in [in_i] to cm, to 0.01."""
    return _round(inches * CM_PER_INCH, _HUNDREDTH)


def metre_to_cm(metres: Decimal) -> Decimal:
    """Length in m to cm (exact)."""
    return metres * 100


def gram_to_kg(grams: Decimal) -> Decimal:
    """Mass in g to kg (exact)."""
    return grams / 1000


def mmol_per_l_to_mg_per_dl(mmol: Decimal) -> Decimal:
    """Blood glucose in mmol/L to mg/dL, to 0.1."""
    return _round(mmol * MG_PER_DL_PER_MMOL_PER_L, _TENTH)
