"""Turning decoded readings and measurements into plain JSON values for tools and logs."""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from devices.ble.bits import Bits


def number(value: Decimal) -> int | float:
    """A decimal as a JSON number: int when integral, else the nearest float."""
    if value == value.to_integral_value() and abs(value) < 2**53:
        return int(value)
    return float(value)


def to_jsonable(value: Any) -> Any:
    """Dataclasses → objects (with `type`), enums → their value, Decimal → number, bytes → hex."""
    if isinstance(value, Bits):
        return {"raw": value.raw, "set": list(value.names)}
    if is_dataclass(value) and not isinstance(value, type):
        result: dict[str, Any] = {"type": type(value).__name__}
        for item in fields(value):
            result[item.name] = to_jsonable(getattr(value, item.name))
        return result
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return number(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes | bytearray):
        return bytes(value).hex()
    if isinstance(value, tuple | list | frozenset | set):
        items = sorted(value, key=str) if isinstance(value, frozenset | set) else value
        return [to_jsonable(item) for item in items]
    if isinstance(value, dict):
        return {str(key): to_jsonable(item) for key, item in value.items()}
    return value
