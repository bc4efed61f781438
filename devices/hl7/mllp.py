"""MLLP framing for HL7 v2: wrap a message, find messages in a TCP byte stream, unwrap one."""

from __future__ import annotations

from devices.framing import DelimitedSplitter
from devices.hl7 import const


def wrap(message: bytes) -> bytes:
    """Put one HL7 message in an MLLP block (VT … FS CR)."""
    return const.START_BLOCK + message + const.END_BLOCK


def unwrap(block: bytes) -> bytes:
    """The message inside an MLLP block; a bare message is returned unchanged."""
    if block.startswith(const.START_BLOCK) and block.endswith(const.END_BLOCK):
        return block[len(const.START_BLOCK) : -len(const.END_BLOCK)]
    return block


class MllpSplitter(DelimitedSplitter):
    """One frame per MLLP block, markers included; bytes between blocks are garbage."""

    def __init__(self, max_length: int = const.MAX_MESSAGE) -> None:
        super().__init__(const.START_BLOCK, const.END_BLOCK, max_length, "MLLP")
