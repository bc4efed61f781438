"""IEEE 11073 SFLOAT, FLOAT and Date Time decoding, special values included."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from devices.errors import FrameRejected, RejectReason
from devices.ieee11073 import DateTime, SpecialValue, decode_date_time, decode_float, decode_sfloat

SFLOAT_CASES = [
    ("7800", Decimal("120")),
    ("7200", Decimal("114")),
    ("bdf0", Decimal("18.9")),
    ("fff7", Decimal("204.7")),
    ("0a70", Decimal("10E+7")),
    ("fe0f", Decimal("-2")),
]
FLOAT_CASES = [
    ("1b0e00fe", Decimal("36.11")),
    ("9cffffff", Decimal("-10.0")),
    ("da0300ff", Decimal("98.6")),
    ("71010000", Decimal("369")),
]
SFLOAT_SPECIALS = [
    ("ff07", SpecialValue.NAN),
    ("0008", SpecialValue.NRES),
    ("fe07", SpecialValue.POSITIVE_INFINITY),
    ("0208", SpecialValue.NEGATIVE_INFINITY),
    ("0108", SpecialValue.RESERVED),
]
FLOAT_SPECIALS = [
    ("ffff7f00", SpecialValue.NAN),
    ("00008000", SpecialValue.NRES),
    ("feff7f00", SpecialValue.POSITIVE_INFINITY),
    ("02008000", SpecialValue.NEGATIVE_INFINITY),
    ("01008000", SpecialValue.RESERVED),
]


@pytest.mark.parametrize(("hex_bytes", "expected"), SFLOAT_CASES)
def test_sfloat_decodes_to_the_exact_decimal(hex_bytes: str, expected: Decimal) -> None:
    value = decode_sfloat(bytes.fromhex(hex_bytes))
    assert isinstance(value, Decimal)
    assert value == expected


def test_sfloat_keeps_the_exponent_it_was_sent_with() -> None:
    assert str(decode_sfloat(bytes.fromhex("e8f3"))) == "100.0"


@pytest.mark.parametrize(("hex_bytes", "expected"), FLOAT_CASES)
def test_float_decodes_to_the_exact_decimal(hex_bytes: str, expected: Decimal) -> None:
    assert decode_float(bytes.fromhex(hex_bytes)) == expected


@pytest.mark.parametrize(("hex_bytes", "expected"), SFLOAT_SPECIALS)
def test_sfloat_special_value_surfaces_as_its_enum(hex_bytes: str, expected: SpecialValue) -> None:
    assert decode_sfloat(bytes.fromhex(hex_bytes)) is expected


@pytest.mark.parametrize(("hex_bytes", "expected"), FLOAT_SPECIALS)
def test_float_special_value_surfaces_as_its_enum(hex_bytes: str, expected: SpecialValue) -> None:
    assert decode_float(bytes.fromhex(hex_bytes)) is expected


def test_special_value_names_follow_the_usual_spelling() -> None:
    assert [s.value for s in SpecialValue] == ["NaN", "NRes", "+INF", "-INF", "RFU"]


@pytest.mark.parametrize("hex_bytes", ["", "78", "780000"])
def test_sfloat_of_the_wrong_size_is_refused(hex_bytes: str) -> None:
    with pytest.raises(FrameRejected):
        decode_sfloat(bytes.fromhex(hex_bytes))


def test_truncated_float_is_refused_with_reason() -> None:
    with pytest.raises(FrameRejected) as caught:
        decode_float(bytes.fromhex("1b0e00"))
    assert caught.value.reason is RejectReason.TRUNCATED


def test_date_time_decodes_all_fields() -> None:
    stamp = decode_date_time(bytes.fromhex("e907031008" + "1e00"))
    assert stamp == DateTime(2025, 3, 16, 8, 30, 0)
    assert stamp.to_datetime() == datetime(2025, 3, 16, 8, 30, 0)


def test_date_time_with_unknown_date_keeps_the_time_and_has_no_datetime() -> None:
    stamp = decode_date_time(bytes.fromhex("000000000e1e00"))
    assert stamp == DateTime(0, 0, 0, 14, 30, 0)
    assert not stamp.is_complete
    assert stamp.to_datetime() is None


@pytest.mark.parametrize(
    "hex_bytes",
    [
        "e8070d16091e00",  # month 13
        "e8070b20091e00",  # day 32
        "e8070b16181e00",  # hour 24
        "e8070b16093c00",  # minute 60
        "e8070b16091e3c",  # second 60
        "e807021e091e00",  # 30 February
    ],
)
def test_impossible_date_time_is_refused(hex_bytes: str) -> None:
    with pytest.raises(FrameRejected) as caught:
        decode_date_time(bytes.fromhex(hex_bytes))
    assert caught.value.reason is RejectReason.IMPOSSIBLE_VALUE


def test_year_before_the_gregorian_calendar_is_refused() -> None:
    with pytest.raises(FrameRejected):
        decode_date_time(bytes.fromhex("01000101000000"))


def test_truncated_date_time_is_refused() -> None:
    with pytest.raises(FrameRejected) as caught:
        decode_date_time(bytes.fromhex("e8070b16091e"))
    assert caught.value.reason is RejectReason.TRUNCATED
