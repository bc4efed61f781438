"""Record Access Control Point (0x2A52) and Heart Rate Measurement (0x2A37)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from devices.ble import racp
from devices.ble.heart_rate import HeartRateMeasurement, heart_rate_measurements, parse_heart_rate
from devices.ble.racp import FilterType, OpCode, Operator, RacpValue, ResponseCode, parse_racp
from devices.errors import FrameRejected, RejectReason
from devices.measurement import Measurement

SUCCESS = bytes.fromhex("06000101")
NO_RECORDS = bytes.fromhex("06000106")
COUNT_TEN = bytes.fromhex("05000a00")
REPORT_FROM_300 = bytes.fromhex("0103012c01")


def test_success_response_decodes_request_and_response_codes() -> None:
    value = parse_racp(SUCCESS)
    assert value == RacpValue(
        OpCode.RESPONSE_CODE,
        Operator.NULL,
        request_op_code=OpCode.REPORT_STORED_RECORDS,
        response_code=ResponseCode.SUCCESS,
    )
    assert (value.op_code_name, value.response_code_name, value.is_final) == (
        "response_code",
        "success",
        True,
    )


def test_no_records_found_is_a_response_code_not_an_error() -> None:
    assert parse_racp(NO_RECORDS).response_code is ResponseCode.NO_RECORDS_FOUND


def test_number_of_records_response_carries_the_count() -> None:
    assert parse_racp(COUNT_TEN) == RacpValue(
        OpCode.NUMBER_OF_STORED_RECORDS_RESPONSE, Operator.NULL, number_of_records=10
    )


def test_requests_are_encoded_as_the_profile_says() -> None:
    assert racp.report_all_records() == bytes.fromhex("0101")
    assert racp.report_records_from(300) == REPORT_FROM_300
    assert racp.report_number_of_records() == bytes.fromhex("0401")
    assert racp.abort_operation() == bytes.fromhex("0300")
    assert racp.report_records(OpCode.DELETE_STORED_RECORDS, Operator.WITHIN_RANGE_OF, 1, 9) == bytes.fromhex(
        "020401" + "0100" + "0900"
    )


def test_encoded_request_decodes_back_to_itself() -> None:
    assert parse_racp(REPORT_FROM_300) == RacpValue(
        OpCode.REPORT_STORED_RECORDS,
        Operator.GREATER_THAN_OR_EQUAL_TO,
        filter_type=FilterType.SEQUENCE_NUMBER,
        operand=bytes.fromhex("2c01"),
    )


@pytest.mark.parametrize(
    ("hex_bytes", "reason"),
    [
        ("06", RejectReason.TRUNCATED),
        ("060001", RejectReason.TRUNCATED),
        ("0600010100", RejectReason.BAD_FRAMING),
        ("06010101", RejectReason.UNKNOWN_CODE),
        ("07000101", RejectReason.UNKNOWN_CODE),
        ("060001ee", RejectReason.UNKNOWN_CODE),
        ("0107", RejectReason.UNKNOWN_CODE),
        ("0100", RejectReason.UNKNOWN_CODE),
        ("010301", RejectReason.TRUNCATED),
        ("0103012c", RejectReason.TRUNCATED),
        ("0101ff", RejectReason.BAD_FRAMING),
        ("0500", RejectReason.BAD_FRAMING),
    ],
)
def test_malformed_racp_value_is_refused_with_reason(hex_bytes: str, reason: RejectReason) -> None:
    with pytest.raises(FrameRejected) as caught:
        parse_racp(bytes.fromhex(hex_bytes))
    assert caught.value.reason is reason


def test_request_builder_refuses_a_sequence_number_over_16_bits() -> None:
    with pytest.raises(ValueError, match="16 bits"):
        racp.report_records_from(70000)


def test_uint8_heart_rate_decodes() -> None:
    assert parse_heart_rate(bytes.fromhex("0055")) == HeartRateMeasurement(0, 85, "not_supported", None, ())
    assert heart_rate_measurements(parse_heart_rate(bytes.fromhex("0055"))) == (
        Measurement("8867-4", "Heart rate", "/min", Decimal(85)),
    )


def test_uint16_heart_rate_with_energy_contact_and_rr_intervals_decodes() -> None:
    data = bytes.fromhex("1f" + "4800" + "2c01" + "0004" + "0002")
    assert parse_heart_rate(data) == HeartRateMeasurement(0x1F, 72, "detected", 300, (1024, 512))


def test_rr_flag_without_an_interval_is_refused() -> None:
    with pytest.raises(FrameRejected) as caught:
        parse_heart_rate(bytes.fromhex("1048"))
    assert caught.value.reason is RejectReason.TRUNCATED


def test_sensor_not_in_contact_gives_no_measurement() -> None:
    reading = parse_heart_rate(bytes.fromhex("0448"))
    assert reading.sensor_contact == "not_detected"
    with pytest.raises(FrameRejected) as caught:
        heart_rate_measurements(reading)
    assert caught.value.reason is RejectReason.NO_MEASUREMENT


@pytest.mark.parametrize("hex_bytes", ["", "01", "0148", "0848", "084800"])
def test_truncated_heart_rate_is_refused(hex_bytes: str) -> None:
    with pytest.raises(FrameRejected) as caught:
        parse_heart_rate(bytes.fromhex(hex_bytes))
    assert caught.value.reason is RejectReason.TRUNCATED
