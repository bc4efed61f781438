"""Every vector of ../shared/testdata/ble_vectors.json: valid ones decode to the expected value,
invalid ones are refused. The file's normalised field names are mapped to the parsers' models here."""

from __future__ import annotations

import json
from dataclasses import fields, is_dataclass
from decimal import Decimal
from enum import Enum, IntEnum
from pathlib import Path
from typing import Any

import pytest

from devices.ble import parse_characteristic
from devices.ble.bits import Bits
from devices.ble.glucose import GlucoseMeasurement
from devices.ble.racp import RacpValue
from devices.decoding import decode_ble
from devices.errors import FrameRejected
from devices.ieee11073 import decode_date_time, decode_float, decode_sfloat

PROJECT_ROOT = Path(__file__).resolve().parents[2]
VECTORS = PROJECT_ROOT.parent / "shared" / "testdata" / "ble_vectors.json"

ALIASES = {
    "timestamp": "time_stamp",
    "concentration": "glucose_concentration",
    "heart_rate": "heart_rate_bpm",
    "number_of_stored_records": "number_of_records",
    "sensor_status": "sensor_status_annunciation",
    "unsuccessful": "measurement_unsuccessful",
    "multiple_packet": "multiple_packet_measurement",
    "date_time": "_self",
}


def _load() -> list[dict[str, Any]]:
    if not VECTORS.is_file():
        return []
    return json.loads(VECTORS.read_text(encoding="utf-8"))["vectors"]


SKIP_ABSENT = pytest.mark.skip(reason="../shared/ is absent: the BLE vector file lives beside the project")


def _params(valid: bool) -> list[Any]:
    """One parameter per vector of that validity, or one skipped parameter without the file."""
    if not VECTORS.is_file():
        return [pytest.param(None, marks=SKIP_ABSENT, id="no-vector-file")]
    params = [pytest.param(v, id=v["id"]) for v in ALL_VECTORS if v["valid"] is valid]
    if not params:
        reason = f"the vector file has no {'valid' if valid else 'invalid'} vectors"
        return [pytest.param(None, marks=pytest.mark.skip(reason=reason), id="none-in-file")]
    return params


ALL_VECTORS = _load()


def _decode(characteristic: str, data: bytes) -> Any:
    kind = characteristic.upper()
    if kind == "SFLOAT":
        return {"value": decode_sfloat(data)}
    if kind == "FLOAT":
        return {"value": decode_float(data)}
    if kind in ("DATE_TIME", "DATETIME", "DATE TIME", "DATE_TIME_7"):
        return decode_date_time(data)
    return parse_characteristic(characteristic, data)


def _normalise(value: Any) -> Any:
    """The parser's model in the vector file's conventions."""
    if isinstance(value, Bits):
        return {"raw": value.raw, "set": list(value.names)}
    if isinstance(value, RacpValue):
        result = _normalise_dataclass(value)
        result["op_code_name"] = value.op_code_name
        result["response_code_name"] = value.response_code_name
        return result
    if is_dataclass(value) and not isinstance(value, type):
        return _normalise_dataclass(value)
    if isinstance(value, dict):
        return {key: _normalise(item) for key, item in value.items()}
    if isinstance(value, tuple | list):
        return [_normalise(item) for item in value]
    if isinstance(value, Enum):
        return value.value
    return value


def _normalise_dataclass(value: Any) -> dict[str, Any]:
    """Fields by name; every enum field also gives `<field>_name` (snake_case), as the file does."""
    result: dict[str, Any] = {}
    for item in fields(value):
        field_value = getattr(value, item.name)
        result[item.name] = _normalise(field_value)
        if isinstance(field_value, IntEnum):
            result[f"{item.name}_name"] = field_value.name.lower()
    if isinstance(value, GlucoseMeasurement):
        result["unit"] = value.concentration_unit.value
    result["_self"] = {key: item for key, item in result.items() if key != "_self"}
    return result


def _assert_matches(actual: Any, expected: Any, path: str) -> None:
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{path}: expected an object, got {actual!r}"
        for key, item in expected.items():
            name = key if key in actual else ALIASES.get(key, key)
            assert name in actual, f"{path}.{key}: the parser has no such field ({sorted(actual)})"
            _assert_matches(actual[name], item, f"{path}.{key}")
    elif isinstance(expected, bool) or expected is None:
        assert actual == expected, f"{path}: {actual!r} != {expected!r}"
    elif isinstance(expected, int | float):
        assert isinstance(actual, int | Decimal) and not isinstance(actual, bool), f"{path}: {actual!r}"
        want = Decimal(str(expected))
        assert abs(Decimal(actual) - want) <= abs(want) * Decimal("1e-9"), f"{path}: {actual} != {want}"
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), f"{path}: {actual!r}"
        for index, (left, right) in enumerate(zip(actual, expected, strict=True)):
            _assert_matches(left, right, f"{path}[{index}]")
    else:
        assert actual == expected, f"{path}: {actual!r} != {expected!r}"


def test_vector_file_is_present_and_counted() -> None:
    if not VECTORS.is_file():
        pytest.skip("../shared/ is absent: the BLE vector file lives beside the project")
    data = json.loads(VECTORS.read_text(encoding="utf-8"))
    assert data["count"] == len(data["vectors"]) > 0


@pytest.mark.parametrize("vector", _params(valid=True))
def test_valid_vector_decodes_to_its_expected_value(vector: dict[str, Any]) -> None:
    decoded = _decode(vector["characteristic"], bytes.fromhex(vector["hex"]))
    _assert_matches(_normalise(decoded), vector["expected"], vector["id"])


@pytest.mark.parametrize("vector", _params(valid=False))
def test_invalid_vector_is_refused(vector: dict[str, Any]) -> None:
    data = bytes.fromhex(vector["hex"])
    kind = vector["characteristic"].upper()
    with pytest.raises(FrameRejected):
        if kind in ("SFLOAT", "FLOAT", "DATE_TIME", "DATETIME", "DATE TIME"):
            _decode(kind, data)
        else:
            decode_ble(vector["characteristic"], data)
