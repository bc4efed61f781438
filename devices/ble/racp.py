"""Record Access Control Point (0x2A52): building requests, decoding requests and responses."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import TypeVar

from devices.errors import FrameRejected, RejectReason
from devices.errors import truncated as _truncated

_E = TypeVar("_E", bound=IntEnum)


class OpCode(IntEnum):
    """RACP operation codes."""

    REPORT_STORED_RECORDS = 0x01
    DELETE_STORED_RECORDS = 0x02
    ABORT_OPERATION = 0x03
    REPORT_NUMBER_OF_STORED_RECORDS = 0x04
    NUMBER_OF_STORED_RECORDS_RESPONSE = 0x05
    RESPONSE_CODE = 0x06


class Operator(IntEnum):
    """RACP operators."""

    NULL = 0x00
    ALL_RECORDS = 0x01
    LESS_THAN_OR_EQUAL_TO = 0x02
    GREATER_THAN_OR_EQUAL_TO = 0x03
    WITHIN_RANGE_OF = 0x04
    FIRST_RECORD = 0x05
    LAST_RECORD = 0x06


class FilterType(IntEnum):
    """What the operand of ≤, ≥ and range requests compares."""

    SEQUENCE_NUMBER = 0x01
    USER_FACING_TIME = 0x02


class ResponseCode(IntEnum):
    """RACP response codes (in an op code 6 indication)."""

    SUCCESS = 0x01
    OP_CODE_NOT_SUPPORTED = 0x02
    INVALID_OPERATOR = 0x03
    OPERATOR_NOT_SUPPORTED = 0x04
    INVALID_OPERAND = 0x05
    NO_RECORDS_FOUND = 0x06
    ABORT_UNSUCCESSFUL = 0x07
    PROCEDURE_NOT_COMPLETED = 0x08
    OPERAND_NOT_SUPPORTED = 0x09


_REQUESTS = frozenset(
    {
        OpCode.REPORT_STORED_RECORDS,
        OpCode.DELETE_STORED_RECORDS,
        OpCode.REPORT_NUMBER_OF_STORED_RECORDS,
    }
)
_FILTERED = frozenset(
    {Operator.LESS_THAN_OR_EQUAL_TO, Operator.GREATER_THAN_OR_EQUAL_TO, Operator.WITHIN_RANGE_OF}
)


@dataclass(frozen=True, slots=True)
class RacpValue:
    """One decoded RACP value: a request (op codes 1–4) or a response (op codes 5 and 6)."""

    op_code: OpCode
    operator: Operator
    filter_type: FilterType | None = None
    operand: bytes = b""
    number_of_records: int | None = None
    request_op_code: OpCode | None = None
    response_code: ResponseCode | None = None

    @property
    def op_code_name(self) -> str:
        """snake_case name of the op code."""
        return self.op_code.name.lower()

    @property
    def response_code_name(self) -> str | None:
        """snake_case name of the response code, if this is a response."""
        return None if self.response_code is None else self.response_code.name.lower()

    @property
    def is_final(self) -> bool:
        """True for the indication that ends a procedure (a response code or a count)."""
        return self.op_code in (OpCode.RESPONSE_CODE, OpCode.NUMBER_OF_STORED_RECORDS_RESPONSE)


def _enum(kind: type[_E], raw: int, what: str) -> _E:
    try:
        return kind(raw)
    except ValueError:
        raise FrameRejected(RejectReason.UNKNOWN_CODE, f"RACP {what} 0x{raw:02X} is not defined") from None


def parse_racp(data: bytes) -> RacpValue:
    """Decode a RACP value (as written by a collector or indicated by a device).

    :raises FrameRejected: TRUNCATED, UNKNOWN_CODE, BAD_FRAMING (wrong length for the op code).
    """
    if len(data) < 2:
        raise _truncated("RACP", 2, len(data))
    op_code = _enum(OpCode, data[0], "op code")
    operator = _enum(Operator, data[1], "operator")
    operand = data[2:]
    if op_code is OpCode.RESPONSE_CODE:
        return _response_code(operator, operand)
    if op_code is OpCode.NUMBER_OF_STORED_RECORDS_RESPONSE:
        _require_null(operator)
        if len(operand) not in (2, 4):
            raise _bad_length("number of records", len(data))
        return RacpValue(op_code, operator, number_of_records=int.from_bytes(operand, "little"))
    if op_code is OpCode.ABORT_OPERATION:
        _require_null(operator)
        if operand:
            raise _bad_length("abort", len(data))
        return RacpValue(op_code, operator)
    return _request(op_code, operator, operand)


def _response_code(operator: Operator, operand: bytes) -> RacpValue:
    _require_null(operator)
    if len(operand) < 2:
        raise _truncated("RACP response code", 4, 2 + len(operand))
    if len(operand) > 2:
        raise _bad_length("response code", 2 + len(operand))
    return RacpValue(
        OpCode.RESPONSE_CODE,
        operator,
        request_op_code=_enum(OpCode, operand[0], "request op code"),
        response_code=_enum(ResponseCode, operand[1], "response code"),
    )


def _request(op_code: OpCode, operator: Operator, operand: bytes) -> RacpValue:
    if operator is Operator.NULL:
        raise FrameRejected(RejectReason.UNKNOWN_CODE, f"RACP {op_code.name.lower()} needs an operator")
    if operator not in _FILTERED:
        if operand:
            raise _bad_length(op_code.name.lower(), 2 + len(operand))
        return RacpValue(op_code, operator)
    if not operand:
        raise _truncated("RACP filter type", 3, 2)
    filter_type = _enum(FilterType, operand[0], "filter type")
    value = operand[1:]
    size = 2 if filter_type is FilterType.SEQUENCE_NUMBER else 7
    expected = size * (2 if operator is Operator.WITHIN_RANGE_OF else 1)
    if len(value) < expected:
        raise _truncated("RACP operand", 3 + expected, 2 + len(operand))
    if len(value) > expected:
        raise _bad_length("operand", 2 + len(operand))
    return RacpValue(op_code, operator, filter_type=filter_type, operand=bytes(value))


def _require_null(operator: Operator) -> None:
    if operator is not Operator.NULL:
        raise FrameRejected(RejectReason.UNKNOWN_CODE, f"RACP response with operator {operator.value}")


def _bad_length(what: str, size: int) -> FrameRejected:
    return FrameRejected(RejectReason.BAD_FRAMING, f"RACP {what}: unexpected length {size}")


def report_all_records() -> bytes:
    """Request: report every stored record (`01 01`)."""
    return bytes([OpCode.REPORT_STORED_RECORDS, Operator.ALL_RECORDS])


def report_records_from(sequence_number: int) -> bytes:
    """Request: report records whose sequence number is ≥ `sequence_number`."""
    return bytes(
        [
            OpCode.REPORT_STORED_RECORDS,
            Operator.GREATER_THAN_OR_EQUAL_TO,
            FilterType.SEQUENCE_NUMBER,
        ]
    ) + _sequence(sequence_number)


def report_number_of_records(sequence_from: int | None = None) -> bytes:
    """Request: how many records are stored (all, or from a sequence number on)."""
    if sequence_from is None:
        return bytes([OpCode.REPORT_NUMBER_OF_STORED_RECORDS, Operator.ALL_RECORDS])
    return bytes(
        [
            OpCode.REPORT_NUMBER_OF_STORED_RECORDS,
            Operator.GREATER_THAN_OR_EQUAL_TO,
            FilterType.SEQUENCE_NUMBER,
        ]
    ) + _sequence(sequence_from)


def report_records(
    op_code: OpCode, operator: Operator, first: int | None = None, last: int | None = None
) -> bytes:
    """General request builder for op codes 1, 2 and 4, filtering on sequence numbers.

    :raises ValueError: for a combination the protocol does not allow (a programming error).
    """
    if op_code not in _REQUESTS or operator is Operator.NULL:
        raise ValueError(f"not a RACP request: {op_code!r} {operator!r}")
    head = bytes([op_code, operator])
    if operator is Operator.WITHIN_RANGE_OF:
        if first is None or last is None:
            raise ValueError("a range needs first and last")
        return head + bytes([FilterType.SEQUENCE_NUMBER]) + _sequence(first) + _sequence(last)
    if operator in _FILTERED:
        bound = first if first is not None else last
        if bound is None:
            raise ValueError("a filtered request needs a sequence number")
        return head + bytes([FilterType.SEQUENCE_NUMBER]) + _sequence(bound)
    return head


def abort_operation() -> bytes:
    """Request: abort the procedure in progress (`03 00`)."""
    return bytes([OpCode.ABORT_OPERATION, Operator.NULL])


def _sequence(number: int) -> bytes:
    if not 0 <= number <= 0xFFFF:
        raise ValueError(f"sequence number {number} does not fit 16 bits")
    return number.to_bytes(2, "little")
