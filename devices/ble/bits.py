"""Named bit fields (status words) decoded from BLE values."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Bits:
    """A status word: its raw value and the names of the bits set, sorted alphabetically.

    Bits without a name (reserved) stay visible in `raw` and are otherwise ignored.
    """

    raw: int
    names: tuple[str, ...]

    def __contains__(self, name: object) -> bool:
        return name in self.names


def name_bits(raw: int, table: dict[int, str]) -> Bits:
    """Decode `raw` with `table` (bit number → name)."""
    names = sorted(name for bit, name in table.items() if raw & (1 << bit))
    return Bits(raw, tuple(names))
