"""HL7 v2 over MLLP for bedside monitors (IHE PCD-01): framing bytes and the MDC code tables."""

from __future__ import annotations

from devices import codes

START_BLOCK = b"\x0b"
END_BLOCK = b"\x1c\r"
MAX_MESSAGE = 1_048_576
SEGMENT_END = "\r"
SUPPORTED_TYPE = ("ORU", "R01")

MDC_CODES: dict[str, codes.Code] = {
    "150021": codes.SYSTOLIC,  # MDC_PRESS_BLD_NONINV_SYS
    "150301": codes.SYSTOLIC,  # MDC_PRESS_CUFF_SYS
    "150022": codes.DIASTOLIC,  # MDC_PRESS_BLD_NONINV_DIA
    "150302": codes.DIASTOLIC,  # MDC_PRESS_CUFF_DIA
    "150456": codes.SPO2,  # MDC_PULS_OXIM_SAT_O2
    "149530": codes.HEART_RATE,  # MDC_PULS_OXIM_PULS_RATE
    "149546": codes.HEART_RATE,  # MDC_PULS_RATE_NON_INV
    "147842": codes.HEART_RATE,  # MDC_ECG_HEART_RATE
    "150344": codes.BODY_TEMPERATURE,  # MDC_TEMP
    "150364": codes.BODY_TEMPERATURE,  # MDC_TEMP_BODY
    "188496": codes.BODY_TEMPERATURE,  # MDC_TEMP_AXIL
    "151562": codes.RESPIRATORY_RATE,  # MDC_RESP_RATE
    "188736": codes.BODY_WEIGHT,  # MDC_MASS_BODY_ACTUAL
    "188752": codes.BMI,  # MDC_RATIO_MASS_BODY_LEN_SQ
}
"""MDC observation codes (OBX-3) the appliance stores; others (e.g. mean pressure) are skipped."""

UNIT_CODES: dict[str, str] = {
    "266016": "mm[Hg]",  # MDC_DIM_MMHG
    "262688": "%",  # MDC_DIM_PERCENT
    "264864": "/min",  # MDC_DIM_BEAT_PER_MIN
    "264928": "/min",  # MDC_DIM_RESP_PER_MIN
    "268192": "Cel",  # MDC_DIM_DEGC
    "263875": "kg",  # MDC_DIM_X_G with kilo prefix
    "264096": "kg/m2",  # MDC_DIM_KG_PER_M_SQ
    "mm[Hg]": "mm[Hg]",
    "mmHg": "mm[Hg]",
    "kPa": "kPa",
    "%": "%",
    "/min": "/min",
    "bpm": "/min",
    "{beats}/min": "/min",
    "{breaths}/min": "/min",
    "Cel": "Cel",
    "degC": "Cel",
    "[degF]": "[degF]",
    "degF": "[degF]",
    "kg": "kg",
    "g": "g",
    "[lb_av]": "[lb_av]",
    "lb": "[lb_av]",
    "kg/m2": "kg/m2",
}
"""OBX-6 unit codes (MDC or UCUM) to UCUM."""

NOT_AVAILABLE_SENTINEL = 8388607
"""0x7FFFFF, the 11073 NaN some monitors put in OBX-5."""
SKIPPED_STATUSES = frozenset({"X", "D", "W", "N"})
"""OBX-11 results that are not values: cannot be obtained, deleted, wrong, not asked."""
