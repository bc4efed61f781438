"""HL7 v2 ORU^R01 (IHE PCD-01) decoding, ACK/NAK building and MLLP framing."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from devices.errors import FrameRejected, RejectReason
from devices.framing import Frame, Garbage
from devices.hl7 import (
    AckCode,
    MllpSplitter,
    build_ack,
    oru_measurements,
    parse_oru,
    read_header,
    unwrap,
    wrap,
)
from devices.measurement import Flag, Measurement

PARIS = timezone(timedelta(hours=1))
ORU = (
    b"MSH|^~\\&|VSMON^0123456789ABCDEF^EUI-64|EHPAD|APPLIANCE||20241122093015+0100||ORU^R01^ORU_R01|MSG0001"
    b"|P|2.6|||NE|AL||UNICODE UTF-8|||IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO\r"
    b"PID|||12345^^^EHPAD^PI||DUPONT^JEANNE\r"
    b"OBR|1|MSG0001^VSMON^0123456789ABCDEF^EUI-64|MSG0001^VSMON^0123456789ABCDEF^EUI-64"
    b"|182777000^monitoring of patient^SCT|||20241122093015+0100\r"
    b"OBX|1|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.1.1.150021|132|266016^MDC_DIM_MMHG^MDC|||||R|||20241122092900+0100\r"
    b"OBX|2|NM|150022^MDC_PRESS_BLD_NONINV_DIA^MDC|1.1.1.150022|78|266016^MDC_DIM_MMHG^MDC|||||R|||20241122092900+0100\r"
    b"OBX|3|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.2.1.150456|96|262688^MDC_DIM_PERCENT^MDC|||||R|||20241122093000+0100\r"
    b"OBX|4|NM|150364^MDC_TEMP_BODY^MDC|1.3.1.150364|37.1|268192^MDC_DIM_DEGC^MDC|||||R|||20241122093010+0100\r"
)
ORU_ODD = (
    b"MSH|^~\\&|MON|WARD|||20241122||ORU^R01|X9|P|2.5\n"
    b"OBX|1|NM|150023^MDC_PRESS_BLD_NONINV_MEAN^MDC||96|266016|||||F\n"
    b"OBX|2|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC||8388607|262688|||||F\n"
    b"OBX|3|NM|149530^MDC_PULS_OXIM_PULS_RATE^MDC||-100|264864|||||F\n"
    b"OBX|4|NM|150344^MDC_TEMP^MDC||98.6|[degF]|||||P|||20241122100000\n"
    b"OBX|5|NM|188736^MDC_MASS_BODY_ACTUAL^MDC||70500|g|||||X\n"
    b"OBX|6|ST|151562^MDC_RESP_RATE^MDC||sixteen|/min|||||F\n"
)
ADT = b"MSH|^~\\&|HIS|H|||20241122||ADT^A01|A1|P|2.5\rPID|||1\r"


def test_oru_message_decodes_header_patient_and_observations() -> None:
    message = parse_oru(ORU)
    header = message.header
    assert (header.control_id, header.version, header.type_parts) == (
        "MSG0001",
        "2.6",
        ("ORU", "R01", "ORU_R01"),
    )
    assert header.sending_application == "VSMON^0123456789ABCDEF^EUI-64"
    assert header.message_time == datetime(2024, 11, 22, 9, 30, 15, tzinfo=PARIS)
    assert message.patient_identifier == "12345"
    assert message.observation_time == datetime(2024, 11, 22, 9, 30, 15, tzinfo=PARIS)
    assert [(o.code, o.value, o.unit, o.status) for o in message.observations] == [
        ("150021", "132", "266016", "R"),
        ("150022", "78", "266016", "R"),
        ("150456", "96", "262688", "R"),
        ("150364", "37.1", "268192", "R"),
    ]


def test_oru_message_gives_loinc_measurements_at_the_observation_times() -> None:
    at = datetime(2024, 11, 22, 9, 29, tzinfo=PARIS)
    assert oru_measurements(parse_oru(ORU)) == (
        Measurement("8480-6", "Systolic blood pressure", "mm[Hg]", Decimal(132), device_time=at),
        Measurement("8462-4", "Diastolic blood pressure", "mm[Hg]", Decimal(78), device_time=at),
        Measurement(
            "2708-6",
            "Oxygen saturation in arterial blood",
            "%",
            Decimal(96),
            device_time=at.replace(minute=30),
        ),
        Measurement(
            "8310-5", "Body temperature", "Cel", Decimal("37.1"), device_time=at.replace(minute=30, second=10)
        ),
    )


def test_sentinels_unknown_codes_and_unusable_results_are_skipped() -> None:
    message = parse_oru(ORU_ODD)
    assert oru_measurements(message) == (
        Measurement(
            "8310-5",
            "Body temperature",
            "Cel",
            Decimal("37.00"),
            Decimal("98.6"),
            "[degF]",
            datetime(2024, 11, 22, 10, 0),
            (Flag.PRELIMINARY,),
        ),
    )


def test_message_in_an_mllp_block_decodes_like_the_bare_message() -> None:
    assert parse_oru(wrap(ORU)) == parse_oru(ORU)
    assert unwrap(wrap(ORU)) == ORU


def test_other_message_type_is_not_this_device() -> None:
    with pytest.raises(FrameRejected) as caught:
        parse_oru(ADT)
    assert caught.value.reason is RejectReason.NOT_THIS_DEVICE


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", RejectReason.BAD_FRAMING),
        (b"PID|||1\r", RejectReason.BAD_FRAMING),
        (b"MSH|^~\\&|A|B|||20241122||ORU^R01||P|2.6\r", RejectReason.BAD_FRAMING),
        (b"MSHa^~\\&|A\r", RejectReason.BAD_FRAMING),
        (ORU.replace(b"20241122092900+0100", b"2024132209"), RejectReason.IMPOSSIBLE_VALUE),
        (ORU.replace(b"20241122092900+0100", b"yesterday"), RejectReason.IMPOSSIBLE_VALUE),
    ],
    ids=["empty", "no-msh", "no-control-id", "bad-separators", "month-13", "not-a-time"],
)
def test_malformed_message_is_refused_with_reason(data: bytes, reason: RejectReason) -> None:
    with pytest.raises(FrameRejected) as caught:
        parse_oru(data)
    assert caught.value.reason is reason


def test_message_without_a_stored_vital_sign_gives_no_measurement() -> None:
    with pytest.raises(FrameRejected) as caught:
        oru_measurements(parse_oru(ORU_ODD.split(b"OBX|4")[0]))
    assert caught.value.reason is RejectReason.NO_MEASUREMENT


def test_impossible_value_in_one_observation_refuses_the_message() -> None:
    with pytest.raises(FrameRejected) as caught:
        oru_measurements(parse_oru(ORU.replace(b"|96|", b"|160|")))
    assert caught.value.reason is RejectReason.IMPOSSIBLE_VALUE


def test_unit_that_does_not_fit_the_code_is_refused() -> None:
    with pytest.raises(FrameRejected) as caught:
        oru_measurements(parse_oru(ORU.replace(b"268192^MDC_DIM_DEGC^MDC", b"kg")))
    assert caught.value.reason is RejectReason.UNKNOWN_CODE


def test_ack_answers_with_the_message_control_id_and_swapped_addresses() -> None:
    now = datetime(2024, 11, 22, 9, 30, 16, tzinfo=PARIS)
    ack = build_ack(read_header(ORU), AckCode.ACCEPT, control_id="ACK0001", now=now, application="APPLIANCE")
    assert ack == (
        b"MSH|^~\\&|APPLIANCE||VSMON^0123456789ABCDEF^EUI-64|EHPAD|20241122093016+0100||ACK^R01^ACK|ACK0001|P|2.6\r"
        b"MSA|AA|MSG0001\r"
    )


def test_nak_carries_an_escaped_reason() -> None:
    now = datetime(2024, 11, 22, 9, 30, 16)
    nak = build_ack(read_header(ORU), AckCode.ERROR, control_id="N1", now=now, text="unit kg|bad")
    assert nak.endswith(b"MSA|AE|MSG0001|unit kg\\F\\bad\r")
    assert b"|20241122093016||" in nak


def test_nak_without_a_readable_header_uses_default_separators() -> None:
    nak = build_ack(None, AckCode.REJECT, control_id="N2", now=datetime(2024, 1, 1), text="no MSH")
    assert nak == b"MSH|^~\\&|RELAIS||||20240101000000||ACK^^ACK|N2|P|2.6\rMSA|AR||no MSH\r"


def test_mllp_splitter_finds_messages_and_reports_what_lies_between() -> None:
    splitter = MllpSplitter()
    stream = b"noise" + wrap(ORU) + wrap(ADT)[:20]
    pieces = splitter.feed(stream[:7]) + splitter.feed(stream[7:]) + splitter.flush()
    assert pieces == [
        Garbage(b"noise", RejectReason.BAD_FRAMING, "bytes outside a MLLP frame"),
        Frame(wrap(ORU)),
        Garbage(wrap(ADT)[:20], RejectReason.TRUNCATED, "MLLP frame cut short"),
    ]


def test_mllp_block_larger_than_the_limit_is_dropped() -> None:
    splitter = MllpSplitter(max_length=64)
    pieces = splitter.feed(wrap(ORU) + wrap(b"MSH|^~\\&|A"))
    *dropped, last = pieces
    assert last == Frame(wrap(b"MSH|^~\\&|A"))
    assert all(isinstance(piece, Garbage) and piece.reason is RejectReason.TOO_LONG for piece in dropped)
    assert b"".join(piece.data for piece in dropped) == wrap(ORU)
