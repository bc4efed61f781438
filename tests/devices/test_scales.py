"""Wired scales: A&D-style weighing lines, seca RS232 frames and Tanita CSV records."""

from __future__ import annotations

from decimal import Decimal

import pytest

from devices.and_scale import WeighingLine, WeighingLineSplitter, parse_weighing_line, weighing_measurements
from devices.errors import FrameRejected, RejectReason
from devices.framing import Frame, Garbage
from devices.measurement import Flag, Measurement
from devices.seca import SecaFrame, SecaSplitter, crc8, parse_seca, seca_measurements
from devices.tanita import TanitaRecord, TanitaSplitter, parse_tanita, tanita_measurements

AND_GROSS_KG = b"ST,GS,+0072.45kg\r\n"
AND_BALANCE_G = b"ST,+00081.72  g\r\n"
AND_SPACED = b"ST,NT,   68.3,kg\r\n"
AND_LB = b"ST,GS,+0150.0 lb\r\n"
AND_UNSTABLE = b"US,GS,+0070.10kg\r\n"
AND_OVERLOAD = b"OL,GS,+OL    kg\r\n"

SECA_77_5 = b"\x02A00077510100DD\r\n\x03"  # kind A0, digits 00775, 1 decimal, stable, CRC 0xDD
SECA_NO_CRC = b"\x02A0007751010000\r\n\x03"
SECA_UNSTABLE = b"\x02A0007751000000\r\n\x03"

# The SC-240 manual's sample record (spaces after the commas removed); its checksum FD matches.
TANITA_SC240 = (
    b'{0,16,~0,1,~1,1,~2,1,MO,"SC-240",SN,"00000002",Bt,0,GE,1,AG,30,Hm,170,Pt,0.0,Wk,82.7,'
    b"FW,18.6,fW,15.4,MW,67.3,mW,64.0,sW,19,bW,3.3,wW,48.0,ww,58.0,MI,28.6,Sw,63.6,OV,30.0,"
    b"IF,6,rb,8255,rB,1973,rJ,12,rA,28,ZF,369.4,CS,FD\r\n"
)


def test_gross_kg_line_decodes_and_gives_the_weight() -> None:
    line = parse_weighing_line(AND_GROSS_KG)
    assert line == WeighingLine("ST", "stable", "gross", Decimal("72.45"), "kg")
    assert weighing_measurements(line) == (
        Measurement("29463-7", "Body weight", "kg", Decimal("72.45"), flags=(Flag.GROSS_WEIGHT,)),
    )


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (AND_BALANCE_G, WeighingLine("ST", "stable", None, Decimal("81.72"), "g")),
        (AND_SPACED, WeighingLine("ST", "stable", "net", Decimal("68.3"), "kg")),
        (AND_LB, WeighingLine("ST", "stable", "gross", Decimal("150.0"), "lb")),
        (AND_UNSTABLE, WeighingLine("US", "unstable", "gross", Decimal("70.10"), "kg")),
        (AND_OVERLOAD, WeighingLine("OL", "overload", "gross", None, "kg")),
    ],
)
def test_weighing_line_variants_decode(data: bytes, expected: WeighingLine) -> None:
    assert parse_weighing_line(data) == expected


def test_pound_line_is_converted_and_keeps_the_original() -> None:
    (value,) = weighing_measurements(parse_weighing_line(AND_LB))
    assert (value.value, value.original_value, value.original_unit) == (
        Decimal("68.039"),
        Decimal("150.0"),
        "[lb_av]",
    )


@pytest.mark.parametrize("data", [AND_UNSTABLE, AND_OVERLOAD, b"ST,GS,+0000.00kg"])
def test_unstable_overloaded_or_empty_scale_gives_no_measurement(data: bytes) -> None:
    with pytest.raises(FrameRejected) as caught:
        weighing_measurements(parse_weighing_line(data))
    assert caught.value.reason is RejectReason.NO_MEASUREMENT


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"SPO2=097 HR=072", RejectReason.NOT_THIS_DEVICE),
        (b"\xff\xfe", RejectReason.NOT_THIS_DEVICE),
        (b"XX,GS,+0072.45kg", RejectReason.UNKNOWN_CODE),
        (b"ST,ZZ,+0072.45kg", RejectReason.UNKNOWN_CODE),
        (b"ST,GS,+0072.45oz", RejectReason.UNKNOWN_CODE),
    ],
)
def test_other_lines_are_refused_with_reason(data: bytes, reason: RejectReason) -> None:
    with pytest.raises(FrameRejected) as caught:
        parse_weighing_line(data)
    assert caught.value.reason is reason


def test_weighing_lines_are_split_and_an_overlong_line_is_dropped() -> None:
    splitter = WeighingLineSplitter()
    pieces = splitter.feed(AND_GROSS_KG + b"x" * 70 + b"\r\n" + AND_SPACED[:5])
    pieces += splitter.feed(AND_SPACED[5:]) + splitter.flush()
    assert pieces == [
        Frame(AND_GROSS_KG.rstrip()),
        Garbage(b"x" * 70 + b"\r\n", RejectReason.TOO_LONG, "weighing line too long"),
        Frame(AND_SPACED.rstrip()),
    ]


def test_seca_frame_decodes_with_its_crc_checked() -> None:
    frame = parse_seca(SECA_77_5)
    assert frame == SecaFrame(0x0, "00775", 1, Decimal("77.5"), 0x01, 0x00, crc_checked=True)
    assert seca_measurements(frame) == (Measurement("29463-7", "Body weight", "kg", Decimal("77.5")),)


def test_seca_double_zero_crc_means_not_implemented() -> None:
    assert parse_seca(SECA_NO_CRC).crc_checked is False


def test_seca_crc8_uses_the_0x107_polynomial() -> None:
    assert crc8(b"123456789") == 0xF4  # CRC-8 (poly 0x07) check value


def test_seca_unstable_weight_gives_no_measurement() -> None:
    with pytest.raises(FrameRejected) as caught:
        seca_measurements(parse_seca(SECA_UNSTABLE))
    assert caught.value.reason is RejectReason.NO_MEASUREMENT


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (SECA_77_5[:-1], RejectReason.BAD_FRAMING),
        (b"\x02", RejectReason.TRUNCATED),
        (SECA_77_5.replace(b"DD", b"DE"), RejectReason.BAD_CHECKSUM),
        (SECA_77_5.replace(b"A0", b"B0"), RejectReason.NOT_THIS_DEVICE),
        (b"\x02A2007751010000\r\n\x03", RejectReason.UNKNOWN_CODE),
        (b"\x02A000775101\r\n\x03", RejectReason.BAD_FRAMING),
        (b"\x02A0G077510100DD\r\n\x03", RejectReason.BAD_FRAMING),
        (b"\x02A000A751010000\r\n\x03", RejectReason.IMPOSSIBLE_VALUE),
    ],
    ids=["no-etx", "short", "crc", "old-protocol", "unknown-kind", "short-body", "not-hex", "not-bcd"],
)
def test_corrupt_seca_frame_is_refused_with_reason(data: bytes, reason: RejectReason) -> None:
    with pytest.raises(FrameRejected) as caught:
        parse_seca(data)
    assert caught.value.reason is reason


def test_seca_splitter_recovers_after_a_partial_frame() -> None:
    splitter = SecaSplitter()
    pieces = splitter.feed(b"\x00" + SECA_77_5[:6] + SECA_77_5 + b"\x7f") + splitter.flush()
    assert pieces == [
        Garbage(b"\x00", RejectReason.BAD_FRAMING, "bytes outside a seca frame"),
        Garbage(SECA_77_5[:6], RejectReason.TRUNCATED, "seca frame cut short"),
        Frame(SECA_77_5),
        Garbage(b"\x7f", RejectReason.BAD_FRAMING, "bytes outside a seca frame"),
    ]


def test_tanita_manual_sample_passes_its_checksum_and_decodes() -> None:
    record = parse_tanita(TANITA_SC240)
    assert record.fields[:4] == (("{0", "16"), ("~0", "1"), ("~1", "1"), ("~2", "1"))
    assert record == TanitaRecord(
        model="SC-240",
        weight_kg=Decimal("82.7"),
        weight_lb=None,
        height_cm=Decimal("170"),
        fat_percent=Decimal("18.6"),
        bmi=Decimal("28.6"),
        fields=record.fields,
    )
    assert len(record.fields) == 29
    assert record.fields[-1] == ("ZF", "369.4")


def test_tanita_record_gives_weight_height_bmi_and_fat() -> None:
    assert tanita_measurements(parse_tanita(TANITA_SC240)) == (
        Measurement("29463-7", "Body weight", "kg", Decimal("82.7")),
        Measurement("8302-2", "Body height", "cm", Decimal("170")),
        Measurement("39156-5", "Body mass index", "kg/m2", Decimal("28.6")),
        Measurement("41982-0", "Percentage of body fat", "%", Decimal("18.6")),
    )


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (TANITA_SC240.replace(b"82.7", b"83.7"), RejectReason.BAD_CHECKSUM),
        (TANITA_SC240.replace(b",CS,FD", b""), RejectReason.BAD_FRAMING),
        (TANITA_SC240[1:], RejectReason.NOT_THIS_DEVICE),
        (b"{0,16,Wk,CS," + f"{sum(b'{0,16,Wk,') & 0xFF:02X}".encode(), RejectReason.BAD_FRAMING),
        (b"{0,16,Wk,abc,CS," + f"{sum(b'{0,16,Wk,abc,') & 0xFF:02X}".encode(), RejectReason.IMPOSSIBLE_VALUE),
    ],
    ids=["checksum", "no-checksum", "no-brace", "odd-pairs", "not-a-number"],
)
def test_corrupt_tanita_record_is_refused_with_reason(data: bytes, reason: RejectReason) -> None:
    with pytest.raises(FrameRejected) as caught:
        parse_tanita(data)
    assert caught.value.reason is reason


def test_tanita_record_without_weight_gives_no_measurement() -> None:
    body = b'{0,16,MO,"BC-418",Hm,170,'
    record = parse_tanita(body + b"CS," + f"{sum(body) & 0xFF:02X}".encode())
    with pytest.raises(FrameRejected) as caught:
        tanita_measurements(record)
    assert caught.value.reason is RejectReason.NO_MEASUREMENT


def test_tanita_splitter_drops_the_stray_byte_before_a_record() -> None:
    splitter = TanitaSplitter()
    pieces = splitter.feed(b"\x11" + TANITA_SC240) + splitter.flush()
    assert pieces == [
        Garbage(b"\x11", RejectReason.BAD_FRAMING, "bytes before a Tanita line"),
        Frame(TANITA_SC240.rstrip()),
    ]
