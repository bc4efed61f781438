"""The LOINC codes and UCUM units readings are stored under, with the range a value must fall in.

Codes follow the national vital-signs value set (CDA "Signes vitaux" and the FHIR "Mesures de
santé" guide). `national=False` marks a code kept locally that the national documents do not carry.
The ranges are physical limits (what no living resident can show), not clinical alert thresholds.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Code:
    """One kind of measurement: LOINC code, display name, UCUM unit and the plausible range."""

    loinc: str
    display: str
    ucum: str
    low: Decimal
    high: Decimal
    national: bool = True

    def accepts(self, value: Decimal) -> bool:
        """True when `value` lies within the plausible range (bounds included)."""
        return self.low <= value <= self.high


def _code(loinc: str, display: str, ucum: str, low: str, high: str, *, national: bool = True) -> Code:
    return Code(loinc, display, ucum, Decimal(low), Decimal(high), national)


SYSTOLIC = _code("8480-6", "Systolic blood pressure", "mm[Hg]", "1", "400")
DIASTOLIC = _code("8462-4", "Diastolic blood pressure", "mm[Hg]", "1", "300")
HEART_RATE = _code("8867-4", "Heart rate", "/min", "1", "400")
RESPIRATORY_RATE = _code("9279-1", "Respiratory rate", "/min", "1", "200")
SPO2 = _code("2708-6", "Oxygen saturation in arterial blood", "%", "1", "100")
BODY_TEMPERATURE = _code("8310-5", "Body temperature", "Cel", "10", "50")
BODY_WEIGHT = _code("29463-7", "Body weight", "kg", "0.1", "600")
BODY_HEIGHT = _code("8302-2", "Body height", "cm", "20", "300")
BMI = _code("39156-5", "Body mass index", "kg/m2", "1", "300")
GLUCOSE = _code("2339-0", "Glucose [Mass/volume] in Blood", "mg/dL", "1", "3000")
BODY_FAT = _code("41982-0", "Percentage of body fat", "%", "0", "100", national=False)

ALL_CODES: tuple[Code, ...] = (
    SYSTOLIC,
    DIASTOLIC,
    HEART_RATE,
    RESPIRATORY_RATE,
    SPO2,
    BODY_TEMPERATURE,
    BODY_WEIGHT,
    BODY_HEIGHT,
    BMI,
    GLUCOSE,
    BODY_FAT,
)
